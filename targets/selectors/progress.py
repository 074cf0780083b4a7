"""Progress of a target (SPEC §6): each school's and the county's target, actual value,
attainment and status against one exam (default: the latest published exam of the target's
grade since the target's year started).

``progress_rows`` is what the API, the pages, the letter, the bulletin and the rewards app
read. It answers from the rows the progress job stored when they are newer than the target,
its allocation, its entries and the exam's statistics, and computes them afresh otherwise
(nothing is written by a read).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import DomainError
from exams.models import Exam, ExamState

from .. import attainment as rules
from ..models import Allocation, Progress, Target
from .measures import EXAM_MEASURES, actuals

ROUND = 6


def measuring_exams(target: Target):
    """Exams that can measure the target: of its grade, held since its year started."""
    if target.measure not in EXAM_MEASURES or target.grade is None:
        return Exam.objects.none()
    return Exam.objects.filter(grade=target.grade, date__gte=target.year.start)


def default_exam(target: Target) -> Exam | None:
    return (
        measuring_exams(target).filter(state=ExamState.PUBLISHED).order_by("-date", "-pk").first()
    )


def check_exam(target: Target, exam: Exam) -> None:
    if target.grade is not None and exam.grade != target.grade:
        raise DomainError(
            _("exam：考试 %(exam)s 是%(grade)s年级，与目标的%(target)s年级不符")
            % {"exam": exam.code, "grade": exam.grade, "target": target.grade},
            details={"field": "exam"},
        )


def exam_for(target: Target, exam: Exam | None) -> Exam | None:
    """The exam the target is measured against: the one asked for (of the target's grade),
    else the default; None for measures that read no exam."""
    if target.measure not in EXAM_MEASURES:
        return None
    if exam is None:
        return default_exam(target)
    check_exam(target, exam)
    return exam


def _previous_values(target: Target) -> tuple[float | None, dict[int, float | None]]:
    """Last year's actual values of the target a relative target builds on."""
    previous = target.previous
    if previous is None:
        return None, {}
    rows = computed_rows(previous, exam_for(previous, None))
    county = next((r["actual"] for r in rows if r["school_id"] is None), None)
    return county, {r["school_id"]: r["actual"] for r in rows if r["school_id"] is not None}


def relative_total(target: Target) -> float | None:
    """A relative target's county value: last year's county actual × (1 + value)."""
    county, _schools = _previous_values(target)
    return None if county is None else county * (1 + target.value)


def target_values(target: Target) -> tuple[float | None, dict[int, float | None]]:
    """The county's and each school's target: quotas for count measures, else ``value`` or
    the school's own in ``school_values`` (relative: last year's actual × (1 + value))."""
    ids_codes = list(target.schools.order_by("code").values_list("pk", "code"))
    if target.is_count:
        quotas = dict(Allocation.objects.filter(target=target).values_list("school_id", "quota"))
        county = float(sum(quotas.values())) if quotas else _county_value(target)
        return county, {pk: (float(quotas[pk]) if pk in quotas else None) for pk, _c in ids_codes}
    if target.relative:
        county, schools = _previous_values(target)
        factor = 1 + target.value
        return (
            None if county is None else county * factor,
            {
                pk: (None if schools.get(pk) is None else schools[pk] * factor)
                for pk, _c in ids_codes
            },
        )
    own = target.school_values or {}
    return target.value, {pk: float(own.get(code, target.value)) for pk, code in ids_codes}


def _county_value(target: Target) -> float | None:
    return relative_total(target) if target.relative else target.value


def computed_rows(target: Target, exam: Exam | None) -> list[dict]:
    """Fresh rows with ``school_id`` (None: the county) and ``school`` (code)."""
    county_target, school_targets = target_values(target)
    county_actual, school_actuals = actuals(target, exam)
    codes = dict(target.schools.values_list("pk", "code"))
    rows = [_row(target, None, None, county_target, county_actual)]
    if school_actuals or target.measure != "max_gap":
        for pk in sorted(school_targets, key=lambda pk: codes[pk]):
            rows.append(_row(target, pk, codes[pk], school_targets[pk], school_actuals.get(pk)))
    return rows


def _row(target, school_id, code, value, actual) -> dict:
    return {
        "school_id": school_id,
        "school": code,
        "target": value,
        "actual": actual,
        "attainment": rules.attainment(actual, value, target.direction),
        "status": rules.status(
            actual, value, target.direction, green=target.green, amber=target.amber
        ),
    }


def _stored_rows(target: Target, exam: Exam | None) -> list[dict] | None:
    stored = list(Progress.objects.filter(target=target, exam=exam).select_related("school"))
    if not stored:
        return None
    computed_at = min(p.computed_at for p in stored)
    if computed_at < target.changed_at:
        return None
    if exam is not None and exam.stats_updated_at and computed_at < exam.stats_updated_at:
        return None
    if target.measure not in EXAM_MEASURES:
        return None  # the registry and entries change without telling: always fresh
    rows = [
        {
            "school_id": p.school_id,
            "school": p.school.code if p.school_id else None,
            "target": p.target_value,
            "actual": p.actual,
            "attainment": p.attainment,
            "status": p.status or None,
        }
        for p in stored
    ]
    return sorted(rows, key=lambda r: (r["school"] is not None, r["school"] or ""))


def rows_for(target: Target, exam: Exam | None) -> list[dict]:
    """Stored rows when fresh, else computed ones (with ``school_id``)."""
    return _stored_rows(target, exam) or computed_rows(target, exam)


def _rounded(value):
    return None if value is None else round(float(value), ROUND)


def public(row: dict) -> dict:
    return {
        "school": row["school"],
        "target": _rounded(row["target"]),
        "actual": _rounded(row["actual"]),
        "attainment": _rounded(row["attainment"]),
        "status": row["status"],
    }


def progress_rows(*, target: Target, exam: Exam | None = None) -> list[dict]:
    """SPEC §6 progress rows, the county's first (``school`` None), then the schools by code:
    ``{"school", "target", "actual", "attainment", "status"}``; ``actual`` and ``status``
    None where nothing is measured yet (尚无考试数据)."""
    return [public(row) for row in rows_for(target, exam_for(target, exam))]


def progress_rows_for(user, *, target: Target, exam: Exam | None = None) -> list[dict]:
    """``progress_rows`` with only the school rows ``user`` may read (the county's always)."""
    from bureau import access

    allowed = access.target_school_ids(user)
    rows = rows_for(target, exam_for(target, exam))
    return [
        public(r)
        for r in rows
        if r["school_id"] is None or allowed is None or r["school_id"] in allowed
    ]
