"""Reads of bulletins (简报), scoped by role (docs/bulletins.md).

- admins and staff see every bulletin, drafts included (they prepare them);
- leaders, inspectors and principals see published bulletins only; a draft answers 404, the
  same as a bulletin that does not exist.

A bulletin is the county's monthly report: it has no school of its own, so every role that may
see published bulletins sees all of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from bureau import access

# The scoped lookups live with the access rules; imported here for the modules that read
# them from this one.
from bureau.access.reports import (  # noqa: F401
    bulletin_get_for,
    bulletins_for,
)
from bureau.models import Role, User

from .models import Bulletin, BulletinRead, BulletinStatus


def with_read_flag(qs: QuerySet[Bulletin], user) -> QuerySet[Bulletin]:
    """Annotates ``is_read``: whether ``user`` has opened the bulletin (a read receipt)."""
    return qs.annotate(
        is_read=Exists(BulletinRead.objects.filter(bulletin=OuterRef("pk"), user_id=user.pk))
    )


def unread_count(user) -> int:
    """Published bulletins the user has not opened yet."""
    if access.role_of(user) is None:
        return 0
    return (
        bulletins_for(user)
        .filter(status=BulletinStatus.PUBLISHED)
        .exclude(reads__user_id=user.pk)
        .count()
    )


@dataclass(frozen=True)
class Receipts:
    """Who has opened a published bulletin (oldest first), and which leaders have not yet."""

    reads: list[BulletinRead]
    unread_leaders: list[User]
    # Everyone else who may read it (staff, inspectors, principals…) and has not.
    unread_others: int


def bulletin_receipts(bulletin: Bulletin) -> Receipts:
    reads = list(bulletin.reads.select_related("user", "user__school").order_by("read_at", "pk"))
    readers = {r.user_id for r in reads}
    active = User.objects.filter(is_active=True).exclude(pk__in=readers)
    leaders = list(
        active.filter(role=Role.LEADER, is_superuser=False).order_by("full_name", "username")
    )
    return Receipts(
        reads=reads,
        unread_leaders=leaders,
        unread_others=active.count() - len(leaders),
    )
