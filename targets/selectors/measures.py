"""A target's actual values, per school and for the county, read from what is stored
(SPEC §6 table): the exam's entries and ranks, its statistics, the registry, entered values.

Every function answers ``(county, {school_id: value})`` for the target's schools; a school
with nothing to measure (nobody sat, no entry yet) has None, never 0. Count measures add up
the target's schools for the county; rates and means take the county's own statistics.
"""

from __future__ import annotations

import math

import numpy as np
from django.db.models import Count, Q

from exams.engine.statistics import EXACT_DECIMALS
from exams.models import TOTAL, Exam, Level, StudentResult, UnitStat
from exams.selectors.entries import entries_frame
from exams.selectors.stats import exam_spec
from schools.exchanges import exchange_stats
from schools.models import SchoolClass, Student, Teacher, TeacherExchange

from ..models import IndicatorEntry, Measure, RegistryItem, Target

Actuals = tuple[float | None, dict[int, float | None]]
EXAM_MEASURES = {
    Measure.COUNT_OVER_LINE,
    Measure.COUNT_TOP_N,
    Measure.RATE,
    Measure.MEAN_VS_REFERENCE,
    Measure.MAX_GAP,
}
LINE_RATE = {"excellent": "excellent_rate", "good": "good_rate", "pass": "pass_rate"}


def school_ids(target: Target) -> list[int]:
    return list(target.schools.order_by("code").values_list("pk", flat=True))


def _summed(values: dict[int, float | None]) -> float | None:
    present = [v for v in values.values() if v is not None]
    return float(sum(present)) if present else None


def actuals(target: Target, exam: Exam | None) -> Actuals:
    """The target's actual values against ``exam`` (ignored by registry and entered
    measures; None for an exam measure: nothing measured yet)."""
    ids = school_ids(target)
    if target.measure in EXAM_MEASURES:
        if exam is None:
            return None, dict.fromkeys(ids)
        return EXAM_READERS[target.measure](target, exam, ids)
    if target.measure == Measure.REGISTRY:
        return registry_actuals(target, ids)
    return entered_actuals(target, ids)


# --- exam measures ---------------------------------------------------------------------------


def _line_fraction(exam: Exam, subject: str, line: str) -> float:
    spec = exam_spec(exam)
    found = spec.total if subject == TOTAL else next(s for s in spec.subjects if s.name == subject)
    return found.line({"excellent": found.excellent, "good": found.good, "pass": found.pass_}[line])


def count_over_line(target: Target, exam: Exam, ids: list[int]) -> Actuals:
    """Students with a score ≥ the line of the subject (the total: students who sat every
    subject, by the sum of their scores)."""
    frame = entries_frame(exam_id=exam.pk, school_ids=ids)
    # Students not counted (不计入统计) are left out of every figure of the exam (SPEC §1).
    frame = frame[frame["counted"]] if "counted" in frame else frame
    names = [s.name for s in exam_spec(exam).subjects if s.name in frame.columns]
    if target.subject != TOTAL and target.subject not in names:
        return None, dict.fromkeys(ids)
    line = _line_fraction(exam, target.subject, target.line)
    if target.subject == TOTAL:
        scores = frame[names[0]].to_numpy(dtype=float).copy()
        for name in names[1:]:
            scores = scores + frame[name].to_numpy(dtype=float)
    else:
        scores = frame[target.subject].to_numpy(dtype=float)
    over = np.round(np.nan_to_num(scores, nan=-math.inf), EXACT_DECIMALS) >= line
    counts = (
        frame.assign(over=over).groupby("school_id")["over"].sum().astype(int).to_dict()
        if len(frame)
        else {}
    )
    values = {pk: (float(counts[pk]) if pk in counts else None) for pk in ids}
    return _summed(values), values


def count_top_n(target: Target, exam: Exam, ids: list[int]) -> Actuals:
    """Students with a county rank by total ≤ N (competition ranks: ties at N all count).

    Counted from the totals, not the stored ranks, so that an exam ranked densely (中式
    "1223", ``rank_method``) still counts by competition ranks as SPEC §6 says: a student is in
    the top N when fewer than N ranked students have a higher total, i.e. when the total is at
    least the N-th highest one."""
    ranked = StudentResult.objects.filter(exam=exam, county_rank__isnull=False, total__isnull=False)
    n = target.top_n or 0
    nth = (
        ranked.order_by("-total").values_list("total", flat=True)[n - 1 : n].first()
        if n > 0
        else None
    )
    if nth is None and n > 0 and ranked.exists():  # fewer ranked students than N: all of them
        nth = ranked.order_by("total").values_list("total", flat=True).first()
    in_top = Q(county_rank__isnull=False, total__gte=nth) if nth is not None else Q(pk=None)
    rows = (
        StudentResult.objects.filter(exam=exam, school_id__in=ids)
        .values("school_id")
        .annotate(top=Count("pk", filter=in_top))
    )
    counts = {r["school_id"]: r["top"] for r in rows}
    values = {pk: (float(counts[pk]) if pk in counts else None) for pk in ids}
    return _summed(values), values


def _stat_rows(exam: Exam, subject: str, field: str, ids: list[int]) -> Actuals:
    rows = UnitStat.objects.filter(exam=exam, subject=subject).filter(
        Q(level=Level.COUNTY) | Q(level=Level.SCHOOL, school_id__in=ids)
    )
    county = None
    values: dict[int, float | None] = dict.fromkeys(ids)
    for level, school_id, sat, value in rows.values_list("level", "school_id", "sat", field):
        value = value if sat else None
        if level == Level.COUNTY:
            county = value
        else:
            values[school_id] = value
    return county, values


def rate(target: Target, exam: Exam, ids: list[int]) -> Actuals:
    return _stat_rows(exam, target.subject, target.metric, ids)


def mean_vs_reference(target: Target, exam: Exam, ids: list[int]) -> Actuals:
    county, values = _stat_rows(exam, target.subject, "mean", ids)
    reference = target.reference or 0.0

    def minus(v):
        return None if v is None else v - reference

    return minus(county), {pk: minus(v) for pk, v in values.items()}


def max_gap(target: Target, exam: Exam, ids: list[int]) -> Actuals:
    """Highest − lowest school mean among the county's schools of the target's stage (the
    target's schools when it names no stage) with sat > 0; county only."""
    rows = UnitStat.objects.filter(exam=exam, level=Level.SCHOOL, subject=target.subject, sat__gt=0)
    if target.stage:
        rows = rows.filter(school__stage=target.stage)
    else:
        rows = rows.filter(school_id__in=ids)
    means = [m for m in rows.values_list("mean", flat=True) if m is not None]
    county = (max(means) - min(means)) if means else None
    return county, {}


EXAM_READERS = {
    Measure.COUNT_OVER_LINE: count_over_line,
    Measure.COUNT_TOP_N: count_top_n,
    Measure.RATE: rate,
    Measure.MEAN_VS_REFERENCE: mean_vs_reference,
    Measure.MAX_GAP: max_gap,
}


def school_rates(target: Target, exam: Exam, ids: list[int]) -> Actuals:
    """A count measure as a rate in ``exam`` (for the blend basis): the line's rate of the
    subject (SPEC §1), or the top-N count over the students who sat every subject."""
    if target.measure == Measure.COUNT_OVER_LINE:
        return _stat_rows(exam, target.subject, LINE_RATE[target.line], ids)
    county_sat, sat = _stat_rows(exam, TOTAL, "sat", ids)
    county_top, top = count_top_n(target, exam, ids)
    rates = {
        pk: (top[pk] / sat[pk] if sat.get(pk) and top.get(pk) is not None else None) for pk in ids
    }
    present = [pk for pk in ids if sat.get(pk)]
    total_sat = sum(sat[pk] for pk in present)
    county = (sum(top[pk] or 0 for pk in present) / total_sat) if total_sat else None
    return county, rates


# --- the registry ----------------------------------------------------------------------------


def registry_actuals(target: Target, ids: list[int]) -> Actuals:
    item = target.metric
    if item in (RegistryItem.CERTIFIED_RATE, RegistryItem.BACKBONE_COUNT):
        return _teacher_actuals(item, ids)
    if item == RegistryItem.LARGE_CLASSES:
        return _large_classes(target, ids)
    return _exchange_actuals(target, ids)


def _teacher_actuals(item: str, ids: list[int]) -> Actuals:
    rows = (
        Teacher.objects.filter(school_id__in=ids, active=True)
        .values("school_id")
        .annotate(
            n=Count("pk"),
            certified=Count("pk", filter=Q(certified=True)),
            backbone=Count("pk", filter=~Q(backbone="")),
        )
    )
    found = {r["school_id"]: r for r in rows}
    if item == RegistryItem.BACKBONE_COUNT:
        values = {pk: float(found[pk]["backbone"]) if pk in found else 0.0 for pk in ids}
        return _summed(values), values
    values = {pk: (found[pk]["certified"] / found[pk]["n"] if pk in found else None) for pk in ids}
    n = sum(r["n"] for r in found.values())
    county = sum(r["certified"] for r in found.values()) / n if n else None
    return county, values


def _large_classes(target: Target, ids: list[int]) -> Actuals:
    classes = SchoolClass.objects.filter(school_id__in=ids)
    if target.grade:
        classes = classes.filter(grade=target.grade)
    sizes = classes.annotate(n=Count("students")).filter(n__gt=target.class_limit)
    counts: dict[int, int] = {}
    for school_id in sizes.values_list("school_id", flat=True):
        counts[school_id] = counts.get(school_id, 0) + 1
    values = {pk: float(counts.get(pk, 0)) for pk in ids}
    return _summed(values), values


def _exchange_actuals(target: Target, ids: list[int]) -> Actuals:
    year = target.year
    teachers = Teacher.objects.filter(school_id__in=ids, active=True).values(
        "school_id", "gender", "birth_year", "school_since", "active"
    )
    exchanges = TeacherExchange.objects.filter(from_school_id__in=ids, start__lte=year.end).values(
        "teacher_id", "from_school_id", "start", "end", "backbone"
    )
    per_school, overall = exchange_stats(
        teachers=({**t, "school": t["school_id"]} for t in teachers),
        exchanges=(
            {**e, "teacher": e["teacher_id"], "from_school": e["from_school_id"]} for e in exchanges
        ),
        year_start=year.start,
        year_end=year.end,
        schools=ids,
    )
    field = "share" if target.metric == RegistryItem.EXCHANGE_SHARE else "backbone_share"
    return getattr(overall, field), {pk: getattr(per_school[pk], field) for pk in ids}


# --- entered values --------------------------------------------------------------------------


def entered_actuals(target: Target, ids: list[int]) -> Actuals:
    """The latest confirmed value of each school, and of the county (an entry without a
    school)."""
    latest: dict[int | None, float] = {}
    rows = (
        IndicatorEntry.objects.filter(target=target, confirmed_at__isnull=False)
        .order_by("-term__start", "-entered_at", "-pk")
        .values_list("school_id", "value")
    )
    for school_id, value in rows:
        latest.setdefault(school_id, value)
    return latest.get(None), {pk: latest.get(pk) for pk in ids}


def enrolled(target: Target, ids: list[int]) -> dict[int, int]:
    """Students of the target's grade at each school (every student without a grade)."""
    students = Student.objects.filter(school_id__in=ids)
    if target.grade:
        students = students.filter(school_class__grade=target.grade)
    counts = dict(
        students.values("school_id").annotate(n=Count("pk")).values_list("school_id", "n")
    )
    return {pk: counts.get(pk, 0) for pk in ids}
