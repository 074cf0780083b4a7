"""The exam set-up form: the exam's fields and its subjects with their lines.

Lines are typed as percentages of full marks (blank: the defaults, SPEC §1) and handed to
``exam_create`` / ``exam_update`` as fractions; the rules (line order, weights, academic year,
duplicates) are the services' and come back as their messages."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from schools.models import GRADE_NAMES

from .models import DEFAULT_WEIGHTS, Exam, ExamKind, RankMethod, RateBase, Subject
from .services.exams import LINE_DEFAULTS, SubjectLine

LINES = ("excellent", "good", "pass", "low")
WEIGHTS = ("a", "b", "c", "d")
NEW_ROWS = 6  # subject rows of a new exam
SPARE_ROWS = 2  # blank rows under the subjects of an exam being changed


def number_text(value: float) -> str:
    """120.0 → "120", 0.25 → "0.25" (never "1.2E+2")."""
    return format(Decimal(str(value)).normalize(), "f")


def percent_text(fraction: float) -> str:
    """0.72 → "72", 0.575 → "57.5"."""
    return number_text(round(fraction * 100, 4))


class ExamForm(forms.Form):
    code = forms.SlugField(
        label=_("考试代码"),
        max_length=40,
        help_text=_("字母、数字和连字符，如 2026-9-midterm；用于网址和接口，创建后不能更改。"),
    )
    name = forms.CharField(label=_("考试名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("请选择")), *ExamKind.choices])
    grade = forms.TypedChoiceField(
        label=_("年级"), choices=list(GRADE_NAMES.items()), coerce=int, initial=9
    )
    date = forms.DateField(
        label=_("考试日期"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    rate_base = forms.ChoiceField(
        label=_("比率分母"),
        choices=RateBase.choices,
        initial=RateBase.SAT,
        widget=forms.RadioSelect,
        help_text=_(
            "优秀率、及格率等除以实考人数或应考人数。按应考人数计算时，缺考学生也计入分母，"
            "让学困生留在家里不考就不再有好处。"
        ),
    )
    rank_method = forms.ChoiceField(
        label=_("排名方式"),
        choices=RankMethod.choices,
        initial=RankMethod.COMPETITION,
        required=False,  # a form without the choice keeps the SPEC's default
        widget=forms.RadioSelect,
        help_text=_(
            "并列时的名次：竞争排名 90、85、85、80 记为 1、2、2、4；中式排名记为 1、2、2、3。"
            "用于本次考试的学生名次和学校、班级、教师名次。"
        ),
    )
    baseline = forms.ModelChoiceField(
        label=_("增值基线考试"),
        queryset=Exam.objects.none(),
        required=False,
        empty_label=_("无"),
        help_text=_("可选：与哪次考试比较，计算增值评价（按学籍号匹配学生）。"),
    )

    def __init__(self, *args, exam: Exam | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.exam = exam
        for key in WEIGHTS:
            self.fields[f"weight_{key}"] = forms.DecimalField(
                label=key,
                min_value=0,
                max_digits=6,
                decimal_places=3,
                initial=number_text(DEFAULT_WEIGHTS[key]),
                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
            )
        baselines = Exam.objects.order_by("-date", "code")
        if exam is not None:
            baselines = baselines.exclude(pk=exam.pk)
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("考试代码创建后不能更改。")
        self.fields["baseline"].queryset = baselines
        self.fields["baseline"].label_from_instance = lambda e: (
            f"{e.date:%Y-%m-%d} {e.name}（{e.code}）"
        )

    def clean_rank_method(self) -> str:
        return self.cleaned_data.get("rank_method") or RankMethod.COMPETITION

    def weight_fields(self):
        return [self[f"weight_{key}"] for key in WEIGHTS]

    def main_fields(self):
        return [self[name] for name in ("code", "name", "kind", "grade", "date")]

    def weights(self) -> dict[str, float]:
        return {key: float(self.cleaned_data[f"weight_{key}"]) for key in WEIGHTS}

    @staticmethod
    def initial_for(exam: Exam) -> dict:
        initial = {
            "code": exam.code,
            "name": exam.name,
            "kind": exam.kind,
            "grade": exam.grade,
            "date": exam.date,
            "rate_base": exam.rate_base,
            "rank_method": exam.rank_method,
            "baseline": exam.baseline_id,
        }
        weights = {**DEFAULT_WEIGHTS, **(exam.weights or {})}
        for key in WEIGHTS:
            initial[f"weight_{key}"] = number_text(weights[key])
        return initial


def _line_field(label, key: str) -> forms.DecimalField:
    """A line as a percentage of full marks; the placeholder shows the default."""
    message = _("请填写 0.1 到 100 之间的百分比")
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0.1"),
        max_value=Decimal("100"),
        max_digits=6,
        decimal_places=2,
        error_messages={"min_value": message, "max_value": message},
        widget=forms.NumberInput(
            attrs={
                "step": "any",
                "inputmode": "decimal",
                "placeholder": percent_text(LINE_DEFAULTS[key]),
                "aria-label": label,
            }
        ),
    )


class SubjectRowForm(forms.Form):
    """One subject row; a row left blank is ignored."""

    subject = forms.CharField(
        label=_("学科"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"list": "subject-options", "autocomplete": "off"}),
    )
    full_marks = forms.DecimalField(
        label=_("满分"),
        required=False,
        min_value=Decimal("0.5"),
        max_digits=6,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    excellent = _line_field(_("优秀"), "excellent")
    good = _line_field(_("良好"), "good")
    pass_line = _line_field(_("及格"), "pass")
    low = _line_field(_("低分"), "low")

    line_names = {"excellent": "excellent", "good": "good", "pass": "pass_line", "low": "low"}

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        if not (data.get("subject") or "").strip():
            raise forms.ValidationError(_("请填写学科名称"))
        if data.get("full_marks") is None and "full_marks" not in self.errors:
            self.add_error("full_marks", _("请填写满分"))
        return data

    def is_blank(self) -> bool:
        return not any((self.data.get(self.add_prefix(name)) or "").strip() for name in self.fields)

    def line(self) -> SubjectLine | None:
        if self.is_blank():
            return None
        data = self.cleaned_data
        lines = {
            key: float(data[name] / 100)
            for key, name in self.line_names.items()
            if data.get(name) is not None
        }
        return SubjectLine(
            subject=data["subject"].strip(), full_marks=float(data["full_marks"]), lines=lines
        )

    @staticmethod
    def initial_for(exam_subject) -> dict:
        """A stored subject as a row: lines that equal the default are left blank."""
        row = {
            "subject": exam_subject.subject.name,
            "full_marks": number_text(exam_subject.full_marks),
        }
        for key, name in SubjectRowForm.line_names.items():
            value = getattr(exam_subject, name)
            if abs(value - LINE_DEFAULTS[key]) > 1e-9:
                row[name] = percent_text(value)
        return row


SubjectFormSet = forms.formset_factory(SubjectRowForm, extra=0, max_num=30, absolute_max=30)


def subject_names() -> list[str]:
    return list(Subject.objects.values_list("name", flat=True))
