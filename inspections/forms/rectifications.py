"""Forms of the rectification (整改) and lesson-observation (听课) pages.

The forms only collect what was typed; the rules (who, which status, reasons, dates) are the
services' (``inspections.services``) and come back as their messages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bureau.models import Term
from inspections.forms.visits import DATE_WIDGET, school_filter_field
from inspections.models import Rating, RectificationStatus, Severity
from schools.models import School, Teacher

YES_NO = [("", _("全部")), ("yes", _("是")), ("no", _("否"))]


class SchoolsForm(forms.Form):
    """A form with a ``school`` field limited to ``schools`` (the schools the user may see),
    or without the field when ``schools`` is None (a principal: their own school)."""

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        if schools is None:
            del self.fields["school"]
        else:
            self.fields["school"].queryset = schools


# --- rectifications ------------------------------------------------------------------------


class RectificationFilterForm(SchoolsForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *RectificationStatus.choices]
    )
    overdue = forms.ChoiceField(label=_("逾期"), required=False, choices=YES_NO)
    severity = forms.ChoiceField(
        label=_("严重程度"), required=False, choices=[("", _("全部")), *Severity.choices]
    )
    school = school_filter_field()


class RectificationForm(SchoolsForm):
    """A new task; the school is the visit's (or chosen here when there is no visit)."""

    school = forms.ModelChoiceField(
        label=_("学校"), queryset=School.objects.none(), to_field_name="code"
    )
    title = forms.CharField(label=_("问题"), max_length=200)
    detail = forms.CharField(
        label=_("整改要求"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    severity = forms.ChoiceField(label=_("严重程度"), choices=Severity.choices)
    deadline = forms.DateField(label=_("整改期限"), widget=DATE_WIDGET)
    responsible = forms.CharField(
        label=_("责任人"),
        max_length=100,
        required=False,
        help_text=_("学校的责任人，如 教务处 王老师"),
    )


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("整改情况"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("做了什么、何时完成"),
    )
    evidence = forms.CharField(
        label=_("佐证材料"),
        required=False,
        max_length=500,
        help_text=_("材料名称或存放位置；照片和文件请作为附件上传到该次督导记录"),
    )

    def answer_text(self) -> str:
        """What the service stores: the description, and the evidence on a line of its own."""
        text = (self.cleaned_data.get("text") or "").strip()
        evidence = (self.cleaned_data.get("evidence") or "").strip()
        if text and evidence:
            return f"{text}\n{_('佐证材料：')}{evidence}"
        return text


class VerifyForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("验收结论"), choices=[("accept", _("通过销号")), ("reopen", _("退回"))]
    )
    reason = forms.CharField(
        label=_("意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("退回时必须说明理由"),
    )


# --- observations --------------------------------------------------------------------------


class ObservationFilterForm(SchoolsForm):
    school = school_filter_field()
    observer = forms.CharField(label=_("听课人（用户名）"), required=False, max_length=150)
    term = forms.ModelChoiceField(
        label=_("学期"),
        required=False,
        queryset=Term.objects.select_related("year"),
        empty_label=_("全部"),
    )
    announced = forms.ChoiceField(
        label=_("方式"),
        required=False,
        choices=[("", _("全部")), ("no", _("推门听课")), ("yes", _("提前通知"))],
    )


class ObservationForm(forms.Form):
    teacher = forms.ModelChoiceField(
        label=_("授课教师"), queryset=Teacher.objects.none(), empty_label=_("请选择")
    )
    class_name = forms.CharField(label=_("班级"), max_length=50, required=False)
    subject = forms.CharField(label=_("学科"), max_length=30, required=False)
    date = forms.DateField(label=_("日期"), widget=DATE_WIDGET)
    announced = forms.TypedChoiceField(
        label=_("方式"),
        choices=[("no", _("推门听课（不提前通知）")), ("yes", _("提前通知"))],
        coerce=lambda value: value == "yes",
        initial="no",
        widget=forms.RadioSelect,
    )
    rating = forms.ChoiceField(label=_("评价"), choices=Rating.choices, widget=forms.RadioSelect)
    notes = forms.CharField(
        label=_("听课记录"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = teachers
        self.fields["teacher"].label_from_instance = lambda t: f"{t.name}（{t.staff_number}）"


class TermForm(forms.Form):
    term = forms.ModelChoiceField(
        label=_("学期"), required=False, queryset=Term.objects.select_related("year")
    )
