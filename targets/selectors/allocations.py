"""Weights of a count target's schools under each basis, and what an allocation would be
(the what-if of the allocation page): reads only."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.errors import DomainError
from exams.models import Exam

from .. import allocation
from ..models import Allocation, AllocationChange, Basis, Measure, Target
from .measures import actuals, enrolled, school_rates
from .progress import relative_total

EXAM_BASES = {Basis.BASELINE, Basis.BLEND}


@dataclass(frozen=True)
class Plan:
    """An allocation as it would be: the county total and every school's line."""

    basis: str
    total: int
    seats: list[allocation.Seat]
    names: dict[str, str]


def _error(exc: allocation.AllocationError) -> DomainError:
    return DomainError(exc.message, details={"field": exc.field})


def target_total(target: Target) -> int:
    """The county value T of a count target: ``value``, or for a relative target last year's
    county actual × (1 + value), rounded up (增长15%以上: at least)."""
    if not target.relative:
        return int(target.value)
    found = relative_total(target)
    if found is None:
        raise DomainError(
            _("relative：上一年度的目标（previous）没有实际值，无法计算相对目标"),
            details={"field": "relative"},
        )
    return math.ceil(round(found, 9))


def basis_weights(
    target: Target,
    *,
    basis: str,
    baseline_exam: Exam | None = None,
    alpha: float | None = None,
    weights: dict | None = None,
) -> dict[str, object]:
    """{school code: weight} of the target's schools under ``basis``."""
    schools = list(target.schools.order_by("code").values_list("pk", "code"))
    codes = [code for _pk, code in schools]
    if basis == Basis.EQUAL:
        return allocation.equal_weights(codes)
    if basis == Basis.CUSTOM:
        try:
            return allocation.custom_weights(codes, weights or {})
        except allocation.AllocationError as exc:
            raise _error(exc) from exc
    ids = [pk for pk, _code in schools]
    code_of = dict(schools)
    if basis == Basis.ENROLLED:
        return {code_of[pk]: n for pk, n in enrolled(target, ids).items()}
    if basis not in EXAM_BASES:
        raise DomainError(_("basis：未知的分配依据“%s”") % basis, details={"field": "basis"})
    if target.measure == Measure.REGISTRY:
        raise DomainError(
            _("basis：骨干教师人数目标不能按考试（baseline/blend）分配"), details={"field": "basis"}
        )
    if baseline_exam is None:
        raise DomainError(
            _("baseline_exam：按“%s”分配需要基线考试") % Basis(basis).label,
            details={"field": "baseline_exam"},
        )
    if basis == Basis.BASELINE:
        _county, values = actuals(target, baseline_exam)
        return {code_of[pk]: (v or 0) for pk, v in values.items()}
    county_rate, rates = school_rates(target, baseline_exam, ids)
    try:
        found = allocation.blend_weights(
            enrolled=enrolled(target, ids),
            rates=rates,
            county_rate=county_rate,
            alpha=target.alpha if alpha is None else alpha,
        )
    except allocation.AllocationError as exc:
        raise _error(exc) from exc
    return {code_of[pk]: w for pk, w in found.items()}


def allocation_plan(
    target: Target,
    *,
    basis: str | None = None,
    baseline_exam: Exam | None = None,
    alpha: float | None = None,
    weights: dict | None = None,
    fixed: dict[str, int] | None = None,
) -> Plan:
    """The allocation under a basis (the target's own by default), its fixed quotas kept."""
    basis = basis or target.basis or Basis.ENROLLED
    if baseline_exam is None:
        baseline_exam = target.baseline_exam
    if weights is None and basis == Basis.CUSTOM:
        weights = target.weights
    found = basis_weights(
        target, basis=basis, baseline_exam=baseline_exam, alpha=alpha, weights=weights
    )
    if fixed is None:
        fixed = dict(
            Allocation.objects.filter(target=target, fixed=True).values_list(
                "school__code", "quota"
            )
        )
    total = target_total(target)
    try:
        seats = allocation.allocate(total, found, fixed)
    except allocation.AllocationError as exc:
        raise _error(exc) from exc
    names = dict(target.schools.values_list("code", "name"))
    return Plan(basis, total, seats, names)


def what_if(target: Target, *, alpha: float | None = None) -> list[dict]:
    """Each basis the target could use, with its quotas by school or why it cannot be used:
    ``[{"basis", "label", "quotas": {code: n} | None, "error": str | None}]``."""
    answers = []
    for basis in Basis:
        try:
            plan = allocation_plan(target, basis=basis, alpha=alpha)
        except DomainError as exc:
            answers.append(
                {"basis": basis.value, "label": basis.label, "quotas": None, "error": exc.message}
            )
            continue
        answers.append(
            {
                "basis": basis.value,
                "label": basis.label,
                "quotas": {s.school: s.quota for s in plan.seats},
                "error": None,
            }
        )
    return answers


def allocation_rows(target: Target, school_ids: set[int] | None = None) -> list[dict]:
    """The stored allocation as the API answers it: ``[{"school", "weight", "quota", "fixed",
    "reason", "share"}]``, limited to ``school_ids`` (None: all)."""
    rows = (
        Allocation.objects.filter(target=target).select_related("school").order_by("school__code")
    )
    if school_ids is not None:
        rows = rows.filter(school_id__in=school_ids)
    return [
        {
            "school": a.school.code,
            "weight": None if a.weight is None else round(a.weight, 6),
            "share": round(a.share, 6),
            "quota": a.quota,
            "fixed": a.fixed,
            "reason": a.reason,
        }
        for a in rows
    ]


def allocation_changes(target: Target, school_ids: set[int] | None = None):
    rows = AllocationChange.objects.filter(target=target).select_related("school", "by")
    if school_ids is not None:
        rows = rows.filter(school_id__in=school_ids)
    return rows
