"""Browser forms of the reward and evaluation pages; the services check every value."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bureau.models import AcademicYear
from exams.models import Exam

from . import rules
from .models import ClassifyBy, DecisionKind, Recipient, Rule


class SchemeForm(forms.Form):
    code = forms.SlugField(label=_("方案代码"), max_length=40, help_text=_("如 2026-awards"))
    year = forms.ChoiceField(label=_("学年"))
    name = forms.CharField(label=_("名称"), max_length=100)
    budget = forms.IntegerField(label=_("预算（元）"), min_value=0)
    scale_to_budget = forms.BooleanField(label=_("超出预算时按比例缩减"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [
            (y, y) for y in AcademicYear.objects.order_by("-start").values_list("name", flat=True)
        ]


class AwardForm(forms.Form):
    name = forms.CharField(label=_("奖项名称"), max_length=100)
    rule = forms.ChoiceField(label=_("规则"), choices=Rule.choices)
    recipient = forms.ChoiceField(label=_("获奖对象"), choices=Recipient.choices)
    exam = forms.ChoiceField(label=_("考试"), required=False)
    subject = forms.CharField(
        label=_("学科"), required=False, help_text=_("学科名称，或 total（总分）")
    )
    metric = forms.ChoiceField(
        label=_("指标"), choices=list(rules.METRIC_LABELS.items()), initial="composite"
    )
    k = forms.IntegerField(label=_("k（名次）"), required=False, min_value=1)
    value = forms.FloatField(label=_("标准值"), required=False, help_text=_("比率写小数，如 0.4"))
    baseline_exam = forms.ChoiceField(label=_("基线考试"), required=False)
    target = forms.CharField(label=_("目标代码"), required=False)
    amounts = forms.CharField(
        label=_("分档金额"),
        required=False,
        help_text=_("名次:金额，逗号分隔，如 1:5000, 2:3000, 3:2000"),
    )
    amount = forms.IntegerField(label=_("金额（元）"), required=False)
    per_student = forms.IntegerField(label=_("每超出一人（元）"), required=False)
    cap = forms.IntegerField(label=_("封顶（元）"), required=False)
    min_participation = forms.FloatField(
        label=_("最低参考率"), required=False, help_text=_("如 0.95")
    )
    min_sat = forms.IntegerField(label=_("最少实考人数"), required=False)
    exclude = forms.CharField(
        label=_("排除学校"), required=False, help_text=_("学校代码，逗号分隔")
    )
    entries = forms.CharField(
        label=_("人工录入"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一条：获奖对象|学校代码|金额|事由"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        exams = [("", "—")] + [
            (e.code, f"{e.name}（{e.code}）")
            for e in Exam.objects.filter(stats__isnull=False).distinct().order_by("-date")
        ]
        self.fields["exam"].choices = exams
        self.fields["baseline_exam"].choices = exams

    def as_award(self) -> dict:
        """The award as the service takes it (the API's shape)."""
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        if "amounts" in data:
            tiers = {}
            for part in data["amounts"].replace("，", ",").split(","):
                rank, _sep, amount = part.replace("：", ":").partition(":")
                if rank.strip():
                    tiers[rank.strip()] = amount.strip()
            data["amounts"] = tiers
        if "entries" in data:
            entries = []
            for line in data["entries"].splitlines():
                if not line.strip():
                    continue
                parts = [p.strip() for p in line.split("|")] + ["", "", "", ""]
                entries.append(
                    {
                        "recipient": parts[0],
                        "school": parts[1] or None,
                        "amount": parts[2],
                        "reason": parts[3],
                    }
                )
            data["entries"] = entries
        return data


class AdjustForm(forms.Form):
    amount = forms.IntegerField(label=_("调整后金额（元）"), required=False, min_value=0)
    excluded = forms.BooleanField(label=_("剔除该条"), required=False)
    reason = forms.CharField(label=_("理由"), max_length=300)

    def clean(self):
        data = super().clean()
        if not data.get("excluded") and data.get("amount") is None:
            self.add_error("amount", _("请填写金额，或选择剔除"))
        return data


class DecisionForm(forms.Form):
    teacher = forms.CharField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=DecisionKind.choices, widget=forms.HiddenInput)
    keep = forms.TypedChoiceField(
        label=_("决定"),
        choices=[("0", _("不保留")), ("1", _("保留"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("理由"), max_length=300)


class EvaluationSettingsForm(forms.Form):
    exams = forms.MultipleChoiceField(
        label=_("计入考核的考试"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选：本学年全部已发布的考试"),
    )
    last_k = forms.IntegerField(label=_("末位名次 k"), min_value=1, max_value=50)
    last_n = forms.IntegerField(label=_("连续次数 n"), min_value=1, max_value=10)
    far_p = forms.FloatField(label=_("全县后 p%"), min_value=0, max_value=100)
    far_d = forms.FloatField(label=_("低于全县均分（满分的比例）"), min_value=0, max_value=1)
    classify_by = forms.ChoiceField(label=_("学校分类依据"), choices=ClassifyBy.choices)

    def __init__(self, *args, year=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exams"].choices = [
            (e.code, e.name) for e in Exam.objects.filter(academic_year=year).order_by("date")
        ]
