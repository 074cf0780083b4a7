"""Inspections: the scoped lookups of checklists, visits, rectifications, observations and
accountability records (absent and not-yours both 404), and who records visits, is named an inspector, answers and verifies
rectifications, observes lessons, sees coverage and records accountability."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from bureau.models import Role

from .lookups import id_or_404
from .roles import MANAGERS, role_of
from .schools import school_records_for

if TYPE_CHECKING:
    from inspections.models import (
        AccountabilityRecord,
        ChecklistTemplate,
        Observation,
        RectificationTask,
        Visit,
    )

#: Who records visits, rectification tasks and verifies answers.
RECORDERS = {Role.ADMIN, Role.STAFF, Role.INSPECTOR}
#: Who may be named among a visit's inspectors.
INSPECTING_ROLES = {Role.INSPECTOR, Role.STAFF, Role.ADMIN}
#: Who records lesson observations (推门听课); a principal only at their own school.
OBSERVERS = RECORDERS | {Role.PRINCIPAL}
#: Who sees the coverage of schools by visits.
COVERAGE_ROLES = {Role.ADMIN, Role.LEADER, Role.STAFF, Role.INSPECTOR}


def is_principal(user) -> bool:
    return role_of(user) == Role.PRINCIPAL


def can_record_visits(user) -> bool:
    """Record visits and rectification tasks, verify answers."""
    return role_of(user) in RECORDERS


def can_be_inspector(person) -> bool:
    """Whether ``person`` may be named among a visit's inspectors."""
    return person.effective_role in INSPECTING_ROLES


def can_change_visit(user, visit) -> bool:
    """Admins and staff change any draft; an inspector the drafts they are named on."""
    role = role_of(user)
    if role in MANAGERS:
        return True
    return role == Role.INSPECTOR and visit.inspectors.filter(pk=user.pk).exists()


def can_answer_rectification(user, task) -> bool:
    """The school's principal, admins and staff."""
    role = role_of(user)
    if role in MANAGERS:
        return True
    return role == Role.PRINCIPAL and user.school_id == task.school_id


def can_observe(user, teacher=None) -> bool:
    """Record a lesson observation (of ``teacher``, when given)."""
    role = role_of(user)
    if role not in OBSERVERS:
        return False
    return teacher is None or role != Role.PRINCIPAL or teacher.school_id == user.school_id


def can_see_coverage(user) -> bool:
    return role_of(user) in COVERAGE_ROLES


def can_record_accountability(user) -> bool:
    """Admins and bureau staff record warnings (亮红灯) and interviews (约谈)."""
    return role_of(user) in MANAGERS


# --- scoped lookups ---------------------------------------------------------------------
# Rectifications, observations and accountability records: bureau roles and inspectors see
# every school's, a principal their own school's (school_records_for). Visits likewise, but a
# principal sees only submitted ones (a draft is still being written). Checklists: everyone.


def checklists_for(user) -> QuerySet[ChecklistTemplate]:
    from inspections.models import ChecklistTemplate

    if role_of(user) is None:
        return ChecklistTemplate.objects.none()
    return ChecklistTemplate.objects.prefetch_related("items")


def checklist_get_for(user, pk) -> ChecklistTemplate:
    template = checklists_for(user).filter(pk=id_or_404(pk, _("检查表不存在"))).first()
    if template is None:
        raise Http404(_("检查表不存在"))
    return template


def visits_for(user) -> QuerySet[Visit]:
    from inspections.models import ChecklistItem, Visit, VisitStatus

    qs = Visit.objects.select_related("school", "checklist", "created_by").prefetch_related(
        "inspectors",
        Prefetch("checklist__items", queryset=ChecklistItem.objects.order_by("order", "pk")),
        "scores",
    )
    if role_of(user) == Role.PRINCIPAL:  # a draft is still being written
        qs = qs.filter(status=VisitStatus.SUBMITTED)
    return school_records_for(user, qs)


def visit_get_for(user, pk) -> Visit:
    visit = visits_for(user).filter(pk=id_or_404(pk, _("督导记录不存在"))).first()
    if visit is None:
        raise Http404(_("督导记录不存在"))
    return visit


def rectifications_for(user) -> QuerySet[RectificationTask]:
    from inspections.models import RectificationEvent, RectificationTask

    qs = RectificationTask.objects.select_related("school", "visit", "created_by").prefetch_related(
        Prefetch("events", queryset=RectificationEvent.objects.select_related("by"))
    )
    return school_records_for(user, qs)


def rectification_get_for(user, pk) -> RectificationTask:
    task = rectifications_for(user).filter(pk=id_or_404(pk, _("整改事项不存在"))).first()
    if task is None:
        raise Http404(_("整改事项不存在"))
    return task


def observations_for(user) -> QuerySet[Observation]:
    from inspections.models import Observation

    qs = Observation.objects.select_related("observer", "school", "teacher")
    return school_records_for(user, qs)


def observation_get_for(user, pk) -> Observation:
    observation = observations_for(user).filter(pk=id_or_404(pk, _("听课记录不存在"))).first()
    if observation is None:
        raise Http404(_("听课记录不存在"))
    return observation


def accountability_for(user) -> QuerySet[AccountabilityRecord]:
    from inspections.models import AccountabilityRecord, Visit

    qs = AccountabilityRecord.objects.select_related("school", "created_by").prefetch_related(
        Prefetch("visits", queryset=Visit.objects.order_by("date", "pk")), "exams"
    )
    return school_records_for(user, qs)


def accountability_get_for(user, pk) -> AccountabilityRecord:
    record = accountability_for(user).filter(pk=id_or_404(pk, _("问责记录不存在"))).first()
    if record is None:
        raise Http404(_("问责记录不存在"))
    return record
