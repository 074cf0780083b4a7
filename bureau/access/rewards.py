"""Reward schemes and evaluation lists (SPEC §7): who sees, writes, approves and decides.

- Admins and staff write schemes and see them in every state; leaders see every scheme and
  approve (as admins do); inspectors and principals see published schemes only.
- Lines of a published scheme: everyone who sees it reads every line, except a principal,
  who reads the own school's lines and the county's school-level list. Lines never name a
  student.
- Evaluation lists: admins, leaders, staff and inspectors read every school's rows, a
  principal only the own school's; admins and staff record decisions and turn a 末位
  warning into an accountability record.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from bureau.models import Role

from .roles import ALL_SEEING, MANAGERS, role_of

SCHEME_WRITERS = MANAGERS
SCHEME_APPROVERS = {Role.ADMIN, Role.LEADER}
SCHEME_READERS_ALL_STATES = ALL_SEEING
EVALUATION_READERS = ALL_SEEING | {Role.INSPECTOR, Role.PRINCIPAL}
EVALUATION_DECIDERS = MANAGERS


def schemes_for(user) -> QuerySet:
    from rewards.models import Scheme, SchemeStatus

    role = role_of(user)
    qs = Scheme.objects.select_related("year")
    if role in SCHEME_READERS_ALL_STATES:
        return qs
    if role in (Role.INSPECTOR, Role.PRINCIPAL):
        return qs.filter(status=SchemeStatus.PUBLISHED)
    return qs.none()


def scheme_get_for(user, code: str):
    scheme = schemes_for(user).filter(code=code).first()
    if scheme is None:
        raise Http404(_("奖励方案不存在"))
    return scheme


def can_write_schemes(user) -> bool:
    return role_of(user) in SCHEME_WRITERS


def can_approve_schemes(user) -> bool:
    return role_of(user) in SCHEME_APPROVERS


def award_lines_for(user, scheme) -> QuerySet:
    """The scheme's lines the user may read (the scheme is one ``schemes_for`` gave)."""
    from rewards.models import AwardLine, Recipient

    qs = AwardLine.objects.filter(award__scheme=scheme).select_related("award", "school")
    role = role_of(user)
    if role in ALL_SEEING or role == Role.INSPECTOR:
        return qs
    if role == Role.PRINCIPAL and user.school_id:
        return qs.filter(Q(school_id=user.school_id) | Q(award__recipient=Recipient.SCHOOL))
    return qs.none()


def can_read_evaluations(user) -> bool:
    role = role_of(user)
    return role in EVALUATION_READERS and (role != Role.PRINCIPAL or bool(user.school_id))


def evaluation_school_ids(user) -> set[int] | None:
    """Schools whose evaluation rows the user reads; None: every school."""
    role = role_of(user)
    if role in ALL_SEEING or role == Role.INSPECTOR:
        return None
    if role == Role.PRINCIPAL and user.school_id:
        return {user.school_id}
    return set()


def can_decide_evaluations(user) -> bool:
    return role_of(user) in EVALUATION_DECIDERS
