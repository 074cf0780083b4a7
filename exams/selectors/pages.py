"""Reads for the exam pages that the statistics selectors do not cover: the exam list's
progress counts, a school's results over time and the students not counted."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from bureau import access
from bureau.models import AccessLog
from exams.models import TOTAL, ExamEntry, ExamState, Level, UnitStat
from schools.models import GRADE_SHORT, School


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


def not_counted_summary(*, exam) -> dict[str, int]:
    """{reason: students} of the exam's students not counted, most frequent first: an
    aggregate, shown to everyone who sees the exam."""
    rows = (
        ExamEntry.objects.filter(exam=exam)
        .exclude(not_counted="")
        .values("not_counted")
        .annotate(n=Count("pk"))
        .order_by("-n", "not_counted")
    )
    return {r["not_counted"]: r["n"] for r in rows}


def not_counted_rows(*, user, exam) -> list[dict]:
    """The students not counted, of the schools whose students the user may see
    (``access.student_school_ids``), by school, class, student number; logged as a view of
    student data when there are any."""
    allowed = access.student_school_ids(user)
    if allowed is not None and not allowed:
        return []
    entries = ExamEntry.objects.filter(exam=exam).exclude(not_counted="")
    if allowed is not None:
        entries = entries.filter(school_id__in=allowed)
    values = entries.order_by(
        "school__code", "school_class__number", "student__student_number"
    ).values_list(
        "student__student_number",
        "student__name",
        "school__code",
        "school__name",
        "school_class__grade",
        "school_class__number",
        "not_counted",
    )
    rows = [
        {
            "student_number": number,
            "name": name,
            "school_code": code,
            "school_name": school_name,
            "class_name": (
                f"{GRADE_SHORT.get(grade, grade)}({klass})班" if klass is not None else None
            ),
            "not_counted": reason,
        }
        for number, name, code, school_name, grade, klass, reason in values
    ]
    if rows:
        AccessLog.objects.create(
            user=user,
            action=AccessLog.Action.VIEW,
            what=_("不计入统计学生 %(code)s") % {"code": exam.code},
            rows=len(rows),
        )
    return rows
