"""Reads of accountability records (问责: 亮红灯, 约谈), scoped by role.

Admins, leaders, staff and inspectors see every record; a principal sees their own school's
(another school's record answers 404, as one that does not exist)."""

from __future__ import annotations

from django.db.models import QuerySet

# The scoped lookups live with the access rules; imported here for the modules that read
# them from this one.
from bureau.access.inspections import (  # noqa: F401
    accountability_for,
    accountability_get_for,
)
from bureau.models import AcademicYear
from inspections.models import AccountabilityRecord


def accountability_filter(
    qs: QuerySet[AccountabilityRecord],
    *,
    kind: str | None = None,
    school_code: str | None = None,
    year: AcademicYear | None = None,
) -> QuerySet[AccountabilityRecord]:
    """Narrows a scoped queryset: by kind, by school code, by academic year (its dates)."""
    if kind:
        qs = qs.filter(kind=kind)
    if school_code:
        qs = qs.filter(school__code=school_code)
    if year is not None:
        qs = qs.filter(date__range=(year.start, year.end))
    return qs
