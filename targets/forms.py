"""Forms of the target pages; their cleaned data go to the services as plain values, which
check them (one set of rules for the pages and the API)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bureau.models import AcademicYear, Term
from exams.models import Exam
from schools.models import School, Stage

from .models import Basis, Direction, Line, Measure, Metric, RegistryItem

BLANK = [("", "—")]


class TargetForm(forms.Form):
    code = forms.SlugField(label=_("目标代码"), max_length=40)
    year = forms.ModelChoiceField(
        label=_("学年"), queryset=AcademicYear.objects.all(), to_field_name="name"
    )
    name = forms.CharField(label=_("目标名称"), max_length=100)
    measure = forms.ChoiceField(label=_("测量方式"), choices=Measure.choices)
    grade = forms.IntegerField(label=_("年级"), min_value=1, max_value=12, required=False)
    stage = forms.ChoiceField(label=_("学段"), choices=BLANK + list(Stage.choices), required=False)
    subject = forms.CharField(label=_("学科（或 total 总分）"), max_length=20, required=False)
    line = forms.ChoiceField(label=_("分数线"), choices=BLANK + list(Line.choices), required=False)
    top_n = forms.IntegerField(label=_("前N名"), min_value=1, required=False)
    metric = forms.ChoiceField(
        label=_("指标"),
        choices=BLANK + list(Metric.choices) + list(RegistryItem.choices),
        required=False,
    )
    reference = forms.FloatField(label=_("参照值（如全市均分）"), required=False)
    indicator = forms.CharField(label=_("填报指标名称"), max_length=50, required=False)
    class_limit = forms.IntegerField(label=_("大班额人数线"), min_value=1, initial=55)
    value = forms.FloatField(label=_("县目标值"))
    direction = forms.ChoiceField(
        label=_("方向"), choices=BLANK + list(Direction.choices), required=False
    )
    relative = forms.BooleanField(label=_("相对上年（目标值为增长比例）"), required=False)
    basis = forms.ChoiceField(
        label=_("分配依据"), choices=BLANK + list(Basis.choices), required=False
    )
    baseline_exam = forms.ModelChoiceField(
        label=_("基线考试"), queryset=Exam.objects.all(), to_field_name="code", required=False
    )
    alpha = forms.FloatField(label=_("α（本校比率权重）"), initial=0.5, min_value=0, max_value=1)
    schools = forms.ModelMultipleChoiceField(
        label=_("学校（不选：该学段全部学校）"),
        queryset=School.objects.filter(active=True),
        to_field_name="code",
        required=False,
    )
    green = forms.FloatField(label=_("达标线（达成度）"), initial=1.0)
    amber = forms.FloatField(label=_("接近线（达成度）"), initial=0.9)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["year"] = data["year"].name
        data["baseline_exam"] = data["baseline_exam"].code if data["baseline_exam"] else None
        data["schools"] = [s.code for s in data["schools"]]
        return data


class QuotaForm(forms.Form):
    school = forms.CharField(label=_("学校代码"), max_length=20)
    quota = forms.IntegerField(label=_("固定名额"), min_value=0, required=False)
    reason = forms.CharField(label=_("理由"), max_length=200, required=False)


class BasisForm(forms.Form):
    basis = forms.ChoiceField(label=_("分配依据"), choices=Basis.choices)
    baseline_exam = forms.ModelChoiceField(
        label=_("基线考试"), queryset=Exam.objects.all(), to_field_name="code", required=False
    )
    alpha = forms.FloatField(label=_("α"), min_value=0, max_value=1, required=False)


class EntryForm(forms.Form):
    school = forms.ModelChoiceField(
        label=_("学校（不选：全县）"),
        queryset=School.objects.none(),
        to_field_name="code",
        required=False,
    )
    term = forms.ModelChoiceField(
        label=_("学期（不选：全年）"), queryset=Term.objects.all(), required=False
    )
    value = forms.FloatField(label=_("数值"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    evidence = forms.FileField(label=_("佐证材料（可选）"), required=False)

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools if schools is not None else School.objects.none()
