"""How a target reads to people: what it measures and its figures, in Chinese (the pages,
the responsibility letter, the bulletin)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from schools.models import GRADE_NAMES, Stage

from .models import Line, Measure, Metric, RegistryItem, Target

RATE_METRICS = {
    Metric.EXCELLENT_RATE,
    Metric.PASS_RATE,
    Metric.LOW_RATE,
    Metric.MEAN_RATE,
    Metric.PARTICIPATION,
    RegistryItem.CERTIFIED_RATE,
    RegistryItem.EXCHANGE_SHARE,
    RegistryItem.EXCHANGE_BACKBONE_SHARE,
}


def _subject(target: Target) -> str:
    return _("总分") if target.subject == "total" else target.subject


def _grade(target: Target) -> str:
    return str(GRADE_NAMES.get(target.grade, "")) if target.grade else ""


def how_measured(target: Target) -> str:
    grade, subject = _grade(target), _subject(target)
    exam = _("以%(grade)s最近发布的考试计") % {"grade": grade}
    if target.measure == Measure.COUNT_OVER_LINE:
        line = Line(target.line).label if target.line in Line.values else target.line
        return _("%(subject)s达到%(line)s的学生人数，%(exam)s") % {
            "subject": subject,
            "line": line,
            "exam": exam,
        }
    if target.measure == Measure.COUNT_TOP_N:
        return _("总分全县排名前%(n)s名的学生人数（并列者均计入），%(exam)s") % {
            "n": target.top_n,
            "exam": exam,
        }
    if target.measure == Measure.RATE:
        metric = Metric(target.metric).label if target.metric in Metric.values else target.metric
        return _("%(subject)s%(metric)s，%(exam)s") % {
            "subject": subject,
            "metric": metric,
            "exam": exam,
        }
    if target.measure == Measure.MEAN_VS_REFERENCE:
        return _("%(subject)s平均分与参照值%(ref)s之差，%(exam)s") % {
            "subject": subject,
            "ref": fmt(target.reference),
            "exam": exam,
        }
    if target.measure == Measure.MAX_GAP:
        stage = Stage(target.stage).label if target.stage in Stage.values else _("本学段")
        return _(
            "全县%(stage)s学校%(subject)s平均分最大距（最高校均分−最低校均分，越低越好），%(exam)s"
        ) % {
            "stage": stage,
            "subject": subject,
            "exam": exam,
        }
    if target.measure == Measure.REGISTRY:
        item = RegistryItem(target.metric).label if target.metric in RegistryItem.values else ""
        if target.metric == RegistryItem.LARGE_CLASSES:
            return _("学生人数超过%(n)s人的班级数（越低越好），以学籍名册计") % {
                "n": target.class_limit
            }
        return _("%(item)s，以教师名册计") % {"item": item}
    return _("%(indicator)s，由学校或局机关填报、局机关确认") % {"indicator": target.indicator}


def is_rate(target: Target) -> bool:
    if target.measure in (Measure.RATE, Measure.REGISTRY):
        return target.metric in RATE_METRICS and not target.relative
    if target.measure == Measure.ENTERED:
        return not target.relative and 0 < target.value <= 1
    return False


def fmt(value, *, rate: bool = False) -> str:
    if value is None:
        return "—"
    if rate:
        return f"{value * 100:.1f}%"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}"


def figure(target: Target, value) -> str:
    return fmt(value, rate=is_rate(target))


def county_value(target: Target) -> str:
    if target.relative:
        return _("上年实际×(1%(sign)s%(p)s)") % {
            "sign": "+" if target.value >= 0 else "−",
            "p": f"{abs(target.value) * 100:g}%",
        }
    sign = "≤" if target.direction == "lower" else "≥"
    return f"{sign}{figure(target, target.value)}"
