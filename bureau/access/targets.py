"""Quality targets: who sees a target and its school rows, who sets, publishes, acknowledges
and enters them (docs/targets.md).

- Admins and staff (``TARGET_MANAGERS``) set targets, change allocations, publish, confirm
  entered values, and see every target, drafts included; leaders see the same, read-only.
- Inspectors see every published target with every school's row (aggregates).
- Principals see the published targets that cover their school, and of them only the county
  row and their own school's; they acknowledge (签收) them and enter their school's values.
A target the user may not see answers 404, as one that does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from bureau.models import Role

from .roles import ALL_SEEING, MANAGERS, role_of

if TYPE_CHECKING:
    from schools.models import School
    from targets.models import Target

TARGET_MANAGERS = MANAGERS
BOARD_READERS = ALL_SEEING | {Role.INSPECTOR}
ACKNOWLEDGERS = {Role.PRINCIPAL}


def targets_for(user) -> QuerySet[Target]:
    from targets.models import Target, TargetStatus

    qs = Target.objects.select_related("year")
    role = role_of(user)
    if role in ALL_SEEING:
        return qs
    if role == Role.INSPECTOR:
        return qs.filter(status=TargetStatus.PUBLISHED)
    if role == Role.PRINCIPAL and user.school_id:
        return qs.filter(status=TargetStatus.PUBLISHED, schools=user.school_id).distinct()
    return qs.none()


def target_get_for(user, code: str) -> Target:
    target = targets_for(user).filter(code=code).first()
    if target is None:
        raise Http404(_("目标不存在"))
    return target


def target_school_ids(user) -> set[int] | None:
    """Schools whose rows (quota, progress) of a visible target the user may read; None: all."""
    role = role_of(user)
    if role in BOARD_READERS:
        return None
    if role == Role.PRINCIPAL and user.school_id:
        return {user.school_id}
    return set()


def can_see_board(user) -> bool:
    """The county board of every target and school (/targets/ as a table of schools)."""
    return role_of(user) in BOARD_READERS


def can_manage_targets(user) -> bool:
    """Create and change targets and allocations, publish, confirm entries, download all
    letters and the allocation table."""
    return role_of(user) in TARGET_MANAGERS


def can_acknowledge(user, target: Target, school: School) -> bool:
    return (
        role_of(user) in ACKNOWLEDGERS
        and user.school_id == school.pk
        and target.is_published
        and target.schools.filter(pk=school.pk).exists()
    )


def can_enter_indicator(user, school: School | None) -> bool:
    """Staff enter a value for any school or the county; a principal for their own school."""
    role = role_of(user)
    if role in TARGET_MANAGERS:
        return True
    return role == Role.PRINCIPAL and school is not None and user.school_id == school.pk


def can_confirm_entry(user) -> bool:
    return role_of(user) in TARGET_MANAGERS


def can_download_letter(user, school: School) -> bool:
    """A school's 目标责任书: bureau roles for every school, a principal for their own."""
    role = role_of(user)
    if role in BOARD_READERS:
        return True
    return role == Role.PRINCIPAL and user.school_id == school.pk
