"""The 包联 (liaison) overview: for each school a user is liaison of (``School.liaison``), the
school's latest published exam result, last submitted visit, open rectifications and its
principal's lesson-observation compliance.

Everything read here is an aggregate about a school that the roles allowed on the page
(admins, leaders, staff, inspectors; never principals) may see anyway: published exams'
school rows (``access.exam_stats_school_ids``), visits and rectifications
(``visits_for``/``rectifications_for``), compliance (``observation_compliance``)."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from bureau.models import Role, Term
from core.errors import DomainError
from exams.models import TOTAL, ExamState, Level, UnitStat
from inspections.models import RectificationStatus, VisitStatus
from inspections.selectors import (
    observation_compliance,
    overdue_condition,
    rectifications_for,
    visit_score,
    visits_for,
)
from schools.models import School


def liaison_schools(user) -> list[School]:
    if user is None:
        return []
    return list(School.objects.filter(liaison=user).order_by("code"))


def is_liaison(user) -> bool:
    return bool(user and user.is_authenticated and School.objects.filter(liaison=user).exists())


def _latest_results(schools: list[School]) -> dict[int, dict]:
    """school id → the school's total row in its latest published exam (by exam date): exam,
    composite, rank and how many schools were ranked."""
    rows = (
        UnitStat.objects.filter(
            school__in=schools,
            level=Level.SCHOOL,
            subject=TOTAL,
            exam__state=ExamState.PUBLISHED,
        )
        .select_related("exam")
        .order_by("school_id", "-exam__date", "-exam__pk")
    )
    latest: dict[int, UnitStat] = {}
    for row in rows:
        latest.setdefault(row.school_id, row)
    ranked = dict(
        UnitStat.objects.filter(
            exam__in={r.exam_id for r in latest.values()},
            level=Level.SCHOOL,
            subject=TOTAL,
            rank__isnull=False,
        )
        .values("exam")
        .annotate(n=Count("pk"))
        .values_list("exam", "n")
    )
    return {
        school_id: {
            "exam": row.exam,
            "composite": row.composite,
            "rank": row.rank,
            "ranked": ranked.get(row.exam_id, 0),
        }
        for school_id, row in latest.items()
    }


def liaison_overview(*, viewer, liaison, term: Term | None = None) -> list[dict]:
    """One dict per school ``liaison`` is liaison of, as ``viewer`` may read it:
    ``school``, ``result`` (None without a published exam), ``visit`` and ``visit_result``
    (None without a submitted visit), ``open`` and ``overdue`` (rectifications not closed,
    and those past their deadline), ``principals`` (compliance rows of the school's
    principals this term; empty without a term)."""
    schools = liaison_schools(liaison)
    if not schools:
        return []
    today = timezone.localdate()
    results = _latest_results(schools)
    tasks = dict(
        (row["school"], row)
        for row in rectifications_for(viewer)
        .filter(school__in=schools)
        .exclude(status=RectificationStatus.CLOSED)
        .values("school")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue_condition(today)))
    )
    try:
        compliance = observation_compliance(viewer, term=term)
    except DomainError:
        compliance = []
    overview = []
    for school in schools:
        visit = (
            visits_for(viewer)
            .filter(school=school, status=VisitStatus.SUBMITTED)
            .order_by("-date", "-pk")
            .first()
        )
        counts = tasks.get(school.pk, {})
        overview.append(
            {
                "school": school,
                "result": results.get(school.pk),
                "visit": visit,
                "visit_result": visit_score(visit) if visit else None,
                "open": counts.get("open", 0),
                "overdue": counts.get("overdue", 0),
                "principals": [
                    r
                    for r in compliance
                    if r["school"] == school.code and r["role"] == Role.PRINCIPAL
                ],
            }
        )
    return overview
