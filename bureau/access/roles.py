"""Roles and the role sets every other access module builds on."""

from __future__ import annotations

from django.utils.translation import gettext as _

from bureau.models import Role

ALL_SEEING = {Role.ADMIN, Role.LEADER, Role.STAFF}
MANAGERS = {Role.ADMIN, Role.STAFF}


def role_of(user) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return user.effective_role


def is_manager(user) -> bool:
    """Admins and bureau staff: create and change registry, exams, checklists, bulletins."""
    return role_of(user) in MANAGERS


def is_admin(user) -> bool:
    return role_of(user) == Role.ADMIN


def sees_all_schools(user) -> bool:
    """Roles that may open every school's profile (aggregates, teachers, classes)."""
    return role_of(user) in ALL_SEEING | {Role.INSPECTOR}


def own_school_id(user) -> int | None:
    return user.school_id if role_of(user) == Role.PRINCIPAL else None


def require(allowed: bool, message: str) -> None:
    """What a service starts with: refuses with ``message`` (a 403 for the API and the pages)
    when the user may not do this."""
    from core.errors import NotAllowed

    if not allowed:
        raise NotAllowed(message)


def assert_can(allowed: bool) -> None:
    """Raises Http404-free PermissionDenied for actions on objects the user can see."""
    from django.core.exceptions import PermissionDenied

    if not allowed:
        raise PermissionDenied(_("没有权限执行此操作"))
