"""Student rows: personal data of minors.

Admins, leaders and staff see every school's students; a principal their own school's; an
inspector those of the schools they have inspected recently: a **submitted** visit of the
current or the previous term (``inspection_window_start``) on which they are one of the
inspectors. A draft visit, a future-dated one, or one older than the previous term opens
nothing: otherwise creating (or moving) a draft would hand any school's students to anyone
with the inspector role.
"""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from bureau.models import Role, Term

from .roles import ALL_SEEING, role_of

#: When no terms are registered, how far back a submitted visit still counts.
FALLBACK_WINDOW = datetime.timedelta(days=365)


def inspection_window_start(today: datetime.date) -> datetime.date:
    """First day of the term before the one ``today`` falls in (a year back without terms)."""
    current = Term.for_date(today)
    if current is not None:
        previous = Term.objects.filter(start__lt=current.start).order_by("-start").first()
        return (previous or current).start
    return today - FALLBACK_WINDOW


def visited_school_ids(user, today: datetime.date | None = None) -> set[int]:
    """Schools whose student rows an inspector may see: those of their submitted visits dated
    from the start of the previous term up to today."""
    from inspections.models import Visit, VisitStatus

    if user is None or not user.is_authenticated:
        return set()
    today = today or timezone.localdate()
    visits = Visit.objects.filter(
        inspectors=user,
        status=VisitStatus.SUBMITTED,
        date__gte=inspection_window_start(today),
        date__lte=today,
    )
    return set(visits.values_list("school_id", flat=True).distinct())


def student_school_ids(user) -> set[int] | None:
    """School ids whose student rows the user may see; ``None`` means every school."""
    role = role_of(user)
    if role in ALL_SEEING:
        return None
    if role == Role.INSPECTOR:
        return visited_school_ids(user)
    if role == Role.PRINCIPAL and user.school_id:
        return {user.school_id}
    return set()


def may_see_students_of(user, school_id: int) -> bool:
    allowed = student_school_ids(user)
    return allowed is None or school_id in allowed


def students_for(user):
    from schools.models import Student

    allowed = student_school_ids(user)
    qs = Student.objects.all()
    return qs if allowed is None else qs.filter(school_id__in=allowed)


def scope_by_school(user, qs: QuerySet, field: str = "school") -> QuerySet:
    """Limits any queryset with a school foreign key to the user's student-level scope."""
    allowed = student_school_ids(user)
    if allowed is None:
        return qs
    return qs.filter(**{f"{field}_id__in": allowed})
