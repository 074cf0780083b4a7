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

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from bureau import access
from bureau.models import Role, Term, User
from core.errors import DomainError
from inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    Observation,
    ObservationQuota,
    QuotaPeriod,
    RectificationEvent,
    RectificationStatus,
    RectificationTask,
    Visit,
    VisitStatus,
)
from inspections.scoring import ScoredItem, VisitResult, visit_result


def checklists_for(user) -> QuerySet[ChecklistTemplate]:
    if access.role_of(user) is None:
        return ChecklistTemplate.objects.none()
    return ChecklistTemplate.objects.prefetch_related("items")


def checklist_get_for(user, pk) -> ChecklistTemplate:
    template = checklists_for(user).filter(pk=access.id_or_404(pk, _("检查表不存在"))).first()
    if template is None:
        raise Http404(_("检查表不存在"))
    return template


def visits_for(user) -> QuerySet[Visit]:
    qs = Visit.objects.select_related("school", "checklist", "created_by").prefetch_related(
        "inspectors",
        Prefetch("checklist__items", queryset=ChecklistItem.objects.order_by("order", "pk")),
        "scores",
    )
    if access.role_of(user) == Role.PRINCIPAL:  # a draft is still being written
        qs = qs.filter(status=VisitStatus.SUBMITTED)
    return access.school_records_for(user, qs)


def visit_get_for(user, pk) -> Visit:
    visit = visits_for(user).filter(pk=access.id_or_404(pk, _("督导记录不存在"))).first()
    if visit is None:
        raise Http404(_("督导记录不存在"))
    return visit


def visit_score(visit: Visit) -> VisitResult:
    """The visit's total, percentage and pass (uses prefetched items and scores if any)."""
    points = {s.item_id: s.points for s in visit.scores.all()}
    items = [
        ScoredItem(max_points=i.max_points, weight=i.weight, points=points.get(i.pk))
        for i in visit.checklist.items.all()
    ]
    return visit_result(items, visit.checklist.pass_mark)


def rectifications_for(user) -> QuerySet[RectificationTask]:
    qs = RectificationTask.objects.select_related("school", "visit", "created_by").prefetch_related(
        Prefetch("events", queryset=RectificationEvent.objects.select_related("by"))
    )
    return access.school_records_for(user, qs)


def rectification_get_for(user, pk) -> RectificationTask:
    task = rectifications_for(user).filter(pk=access.id_or_404(pk, _("整改事项不存在"))).first()
    if task is None:
        raise Http404(_("整改事项不存在"))
    return task


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


def observations_for(user) -> QuerySet[Observation]:
    qs = Observation.objects.select_related("observer", "school", "teacher")
    return access.school_records_for(user, qs)


def observation_get_for(user, pk) -> Observation:
    observation = (
        observations_for(user).filter(pk=access.id_or_404(pk, _("听课记录不存在"))).first()
    )
    if observation is None:
        raise Http404(_("听课记录不存在"))
    return observation


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
