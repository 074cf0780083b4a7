"""Reads of accountability records (问责: 亮红灯, 约谈), scoped by role.

Admins, leaders, staff and inspectors see every record; a principal sees their own school's
(another school's record answers 404, as one that does not exist)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from bureau import access
from bureau.models import AcademicYear
from inspections.models import AccountabilityRecord, Visit


def accountability_for(user) -> QuerySet[AccountabilityRecord]:
    qs = AccountabilityRecord.objects.select_related("school", "created_by").prefetch_related(
        Prefetch("visits", queryset=Visit.objects.order_by("date", "pk")), "exams"
    )
    return access.school_records_for(user, qs)


def accountability_get_for(user, pk) -> AccountabilityRecord:
    record = accountability_for(user).filter(pk=access.id_or_404(pk, _("问责记录不存在"))).first()
    if record is None:
        raise Http404(_("问责记录不存在"))
    return record


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
