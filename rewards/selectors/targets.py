"""Targets as the reward rules take them: the one place rewards reads the targets app
(``targets.models.Target``, ``targets.selectors.progress.progress_rows``). An award naming a
target that does not exist is refused with "目标不存在"."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import DomainError
from schools.models import School
from targets.models import Target
from targets.selectors.progress import progress_rows

from .. import rules


def _target(code: str) -> Target | None:
    return Target.objects.filter(code=code).first()


def target_exists(code: str) -> bool:
    return _target(code) is not None


def target_rows(*, code: str, exam=None, field: str = "target") -> list[rules.TargetRow]:
    """The schools' rows of the target's progress (the county row left out)."""
    target = _target(code)
    if target is None:
        message = _("目标不存在：%(code)s") % {"code": code}
        raise DomainError(f"{field}: {message}", details={field: [message]})
    rows = [r for r in progress_rows(target=target, exam=exam) if r.get("school")]
    names = dict(
        School.objects.filter(code__in=[r["school"] for r in rows]).values_list("code", "name")
    )
    return [
        rules.TargetRow(
            school=r["school"],
            school_name=names.get(r["school"], r["school"]),
            quota=r.get("target"),
            actual=r.get("actual"),
            attainment=r.get("attainment"),
        )
        for r in rows
    ]


def year_attainment(year) -> dict[str, float]:
    """{school code: mean attainment over the year's targets} (empty without targets)."""
    sums: dict[str, list[float]] = {}
    for target in Target.objects.filter(year=year):
        for r in progress_rows(target=target):
            if r.get("school") and r.get("attainment") is not None:
                sums.setdefault(r["school"], []).append(r["attainment"])
    return {code: sum(v) / len(v) for code, v in sums.items()}
