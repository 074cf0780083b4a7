"""What a school's 目标责任书 lists: the year's published targets that cover the school, its
own target under each (its quota for count targets), and how each is measured."""

from __future__ import annotations

from bureau.models import AcademicYear
from schools.models import School

from ..describe import county_value, figure, how_measured
from ..models import Allocation, Target, TargetStatus
from .progress import target_values


def letter_targets(*, school: School, year: AcademicYear) -> list[dict]:
    targets = (
        Target.objects.filter(year=year, status=TargetStatus.PUBLISHED, schools=school)
        .select_related("year")
        .order_by("code")
    )
    lines = []
    for target in targets:
        _county, own = target_values(target)
        allocation = Allocation.objects.filter(target=target, school=school).first()
        lines.append(
            {
                "target": target,
                "county": county_value(target),
                "own": figure(target, own.get(school.pk)),
                "quota": allocation.quota if allocation else None,
                "how": how_measured(target),
                "direction": target.get_direction_display(),
            }
        )
    return lines


def letter_schools(*, year: AcademicYear) -> list[School]:
    """Schools that have at least one published target of the year."""
    return list(
        School.objects.filter(targets__year=year, targets__status=TargetStatus.PUBLISHED)
        .distinct()
        .order_by("code")
    )
