"""Reads of checklists and visits, scoped by role (DESIGN.md roles).

- admins, leaders and staff see every visit;
- inspectors see every visit, drafts included, whoever made them: they see all schools'
  aggregates, and a visit's scores are an aggregate about a school, not about students;
- principals see only their own school's submitted visits (a draft is still being written);
- every signed-in user reads every checklist;
- rectifications and observations: bureau roles and inspectors see all, principals their
  own school's; the observation compliance rows likewise (a principal: their school's).

Which visits open a school's student rows to an inspector is decided in
``bureau.access.students`` (submitted visits of the current or previous term).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from bureau import access

# The scoped lookups live with the access rules; imported here for the modules that read
# them from this one.
from bureau.access.inspections import (  # noqa: F401
    checklist_get_for,
    checklists_for,
    observation_get_for,
    observations_for,
    rectification_get_for,
    rectifications_for,
    visit_get_for,
    visits_for,
)
from bureau.models import Role, Term, User
from core.errors import DomainError
from inspections.models import (
    ObservationQuota,
    QuotaPeriod,
    RectificationStatus,
    RectificationTask,
    Visit,
)
from inspections.scoring import ScoredItem, VisitResult, visit_result


def visit_score(visit: Visit) -> VisitResult:
    """The visit's total, percentage and pass (uses prefetched items and scores if any)."""
    points = {s.item_id: s.points for s in visit.scores.all()}
    items = [
        ScoredItem(max_points=i.max_points, weight=i.weight, points=points.get(i.pk))
        for i in visit.checklist.items.all()
    ]
    return visit_result(items, visit.checklist.pass_mark)


def overdue_condition(today: datetime.date) -> Q:
    """Overdue: the deadline is before ``today`` and the task is not closed (SPEC §4)."""
    return Q(deadline__lt=today) & ~Q(status=RectificationStatus.CLOSED)


def rectifications_overdue(
    qs: QuerySet[RectificationTask], overdue: bool, today: datetime.date
) -> QuerySet[RectificationTask]:
    late = overdue_condition(today)
    return qs.filter(late) if overdue else qs.exclude(late)


def with_lateness(tasks: Iterable[RectificationTask], today: datetime.date) -> list:
    """The tasks, each marked with ``overdue`` and ``days_overdue`` as of ``today``."""
    tasks = list(tasks)
    for task in tasks:
        task.overdue = task.is_overdue(today)
        task.days_overdue = (today - task.deadline).days if task.overdue else 0
    return tasks


def observation_compliance(user, *, school=None, term: Term | None = None) -> list[dict]:
    """One row per active user whose role has a quota: ``done`` is the lessons they observed
    in ``term`` (default: the current one) or, for a yearly quota, in that term's academic
    year; ``behind`` = max(0, quota − done). A principal gets their own school's rows."""
    term = term or Term.current()
    if term is None:
        raise DomainError(_("尚未设置学期，无法统计听课任务"))
    role = access.role_of(user)
    people = User.objects.filter(is_active=True).select_related("school")
    if role == Role.PRINCIPAL and user.school_id:
        people = people.filter(school_id=user.school_id)
    elif role not in access.ALL_SEEING and role != Role.INSPECTOR:
        return []
    if school is not None:
        people = people.filter(school=school)
    rows = []
    for quota in ObservationQuota.objects.all():
        span = term if quota.per == QuotaPeriod.TERM else term.year
        done = Count("observations", filter=Q(observations__date__range=(span.start, span.end)))
        # Superusers count as admins whatever their stored role (User.effective_role).
        holders = people.filter(role=quota.role, is_superuser=False)
        if quota.role == Role.ADMIN:
            holders = people.filter(Q(role=Role.ADMIN) | Q(is_superuser=True))
        for person in holders.annotate(done=done).order_by("school__code", "username"):
            rows.append(
                {
                    "user": person.username,
                    "name": str(person),
                    "role": quota.role,
                    "school": person.school.code if person.school else None,
                    "per": quota.per,
                    "done": person.done,
                    "quota": quota.quota,
                    "behind": max(0, quota.quota - person.done),
                }
            )
    return rows
