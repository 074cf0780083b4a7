"""Inspections: who records visits, is named an inspector, answers and verifies
rectifications, observes lessons, sees coverage and records accountability."""

from __future__ import annotations

from bureau.models import Role

from .roles import MANAGERS, role_of

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
