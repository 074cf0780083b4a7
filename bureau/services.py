"""Bureau-wide write services."""

from __future__ import annotations

import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError

from .models import AcademicYear, AccessLog, Role, Term, User
from .school_year import ensure_year, start_year_of


@transaction.atomic
def user_upsert(
    *, username: str, role: str, school_code: str | None, password: str | None, full_name: str = ""
) -> tuple[User, bool]:
    """Creates or updates a user with a role (and, for a principal, a school)."""
    from schools.models import School

    if role not in Role.values:
        raise DomainError(f"未知角色“{role}”，可选：{', '.join(Role.values)}")
    school = None
    if school_code:
        school = School.objects.filter(code=school_code).first()
        if school is None:
            raise DomainError(f"学校代码“{school_code}”不存在")
    if role == Role.PRINCIPAL and school is None:
        raise DomainError("校长账户必须指定学校（--school）")
    # Saved once, so that the audit trail records one creation with every field.
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username)
    user.role = role
    user.school = school if role == Role.PRINCIPAL else None
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    if full_name:
        user.full_name = full_name
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise DomainError("密码不符合要求：" + "；".join(exc.messages)) from exc
        user.set_password(password)
    elif created:
        raise DomainError("新用户必须设置密码")
    user.save()
    return user, created


@transaction.atomic
def tokens_revoke(*, user: User) -> int:
    """Deletes the user's API tokens (docs/access.md, "API tokens"); answers how many."""
    from rest_framework.authtoken.models import Token

    deleted, _detail = Token.objects.filter(user=user).delete()
    return deleted


def access_log_record(
    *, user, action: str, what: str, school=None, exam=None, count: int | None = None
) -> AccessLog:
    """Writes one access-log row: ``user`` viewed (``AccessLog.Action.VIEW``) or exported
    (``EXPORT``) student-level data. The one way in for pages, exports, the API, templates
    and the Django admin; called once per action by whoever answers it (never a selector),
    so that an action is one row however many queries it takes."""
    return AccessLog.objects.create(
        user=user, action=action, what=what[:200], school=school, exam=exam, rows=count or 0
    )


def academic_year_ensure(*, day: datetime.date | None = None) -> AcademicYear:
    """The academic year of ``day`` (default today): the one that covers it if there is one
    (whatever an administrator named or dated it), else ``2026-2027``-style with its two terms,
    created now. Safe to call any number of times (the daily job, the roster import)."""
    day = day or timezone.localdate()
    existing = AcademicYear.for_date(day)
    if existing is not None:
        return existing
    return ensure_year(AcademicYear, Term, start_year_of(day))
