from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bureau import access

from .models import School

BACKBONE_DEFAULT = ""
BACKBONE_CHOICES = [
    (BACKBONE_DEFAULT, _("按教师档案（有骨干级别即为骨干）")),
    ("yes", _("是")),
    ("no", _("否")),
]


class ExchangeForm(forms.Form):
    """The exchange's fields; the rules (dates, overlaps) are checked by exchange_create."""

    teacher = forms.CharField(
        label=_("教师工号"),
        max_length=30,
        help_text=_("输入工号或姓名选择；派出学校为该教师当前所在学校。"),
        widget=forms.TextInput(attrs={"list": "teacher-options", "autocomplete": "off"}),
    )
    to_school = forms.ModelChoiceField(
        label=_("接收学校"), queryset=School.objects.none(), empty_label=_("请选择")
    )
    start = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label=_("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("可留空：期限未定。"),
    )
    backbone = forms.ChoiceField(label=_("骨干教师"), choices=BACKBONE_CHOICES, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["to_school"].queryset = (
            access.schools_for(user).filter(active=True).order_by("code")
        )

    def teacher_options(self):
        """(工号, 姓名, 学校) of the active teachers, for the input's datalist."""
        return (
            access.teachers_for(self.user)
            .filter(active=True)
            .order_by("school__code", "staff_number")
            .values_list("staff_number", "name", "school__name")
        )

    def clean_teacher(self):
        number = self.cleaned_data["teacher"].strip()
        teacher = (
            access.teachers_for(self.user)
            .select_related("school")
            .filter(staff_number=number)
            .first()
        )
        if teacher is None:
            raise forms.ValidationError(_("没有工号为%(number)s的教师。") % {"number": number})
        return teacher

    def clean_backbone(self):
        value = self.cleaned_data.get("backbone") or BACKBONE_DEFAULT
        return None if value == BACKBONE_DEFAULT else value == "yes"
