"""Reads for the exam pages that the statistics selectors do not cover: the exam list's
progress counts and a school's results over time."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from bureau import access
from exams.models import TOTAL, ExamEntry, ExamState, Level, UnitStat
from schools.models import School


def upload_counts(*, exams: list) -> dict[int, tuple[int, int]]:
    """exam id → (schools that have results, active schools of the exam's stage), in two
    queries for any number of exams."""
    from exams.selectors.entries import stages_for_grade

    if not exams:
        return {}
    done = dict(
        ExamEntry.objects.filter(exam__in=[e.pk for e in exams])
        .values("exam")
        .annotate(n=Count("school", distinct=True))
        .values_list("exam", "n")
    )
    by_stage = Counter(
        dict(
            School.objects.filter(active=True)
            .values("stage")
            .annotate(n=Count("pk"))
            .values_list("stage", "n")
        )
    )
    return {
        e.pk: (done.get(e.pk, 0), sum(by_stage[s] for s in stages_for_grade(e.grade)))
        for e in exams
    }


def county_rows(*, user, exam, subjects: list[str]) -> list[dict]:
    """The county rows of every subject and the total (``stat_rows(level="county")`` of each)
    in one query, in exam order with the total last; none for a user who may not read the
    county's row (``access.exam_stats_school_ids``)."""
    from exams.selectors.stats import STAT_FIELDS

    if access.exam_stats_school_ids(user, exam, Level.COUNTY) is not None:
        return []
    order = {name: i for i, name in enumerate([*subjects, TOTAL])}
    rows = UnitStat.objects.filter(exam=exam, level=Level.COUNTY, subject__in=order).values(
        "subject", *STAT_FIELDS
    )
    return sorted(rows, key=lambda r: order[r["subject"]])


def school_trend(*, school) -> list[dict]:
    """The school's total in each published exam, oldest first: rank among the ranked
    schools, composite, mean. One query."""
    ranked = (
        UnitStat.objects.filter(
            exam=OuterRef("exam"), level=Level.SCHOOL, subject=TOTAL, rank__isnull=False
        )
        .values("exam")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        UnitStat.objects.filter(
            school=school,
            level=Level.SCHOOL,
            subject=TOTAL,
            exam__state=ExamState.PUBLISHED,
        )
        .annotate(ranked=Coalesce(Subquery(ranked), 0))
        .select_related("exam")
        .order_by("exam__date", "exam__code")
    )
    return [
        {
            "exam_code": s.exam.code,
            "exam_name": s.exam.name,
            "date": s.exam.date.isoformat(),
            "grade": s.exam.grade,
            "rank": s.rank,
            "ranked": s.ranked,
            "composite": None if s.composite is None else round(s.composite, 2),
            "mean": None if s.mean is None else round(s.mean, 2),
            "sat": s.sat,
        }
        for s in rows
    ]
