"""Bulletins: everyone signed in reads the published ones; admins and staff also the drafts
(they build, edit and publish them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .lookups import id_or_404
from .roles import is_manager, role_of

if TYPE_CHECKING:
    from reports.models import Bulletin


def can_manage_bulletins(user) -> bool:
    """Build, edit and publish bulletins, see drafts and read receipts."""
    return is_manager(user)


def bulletins_for(user) -> QuerySet[Bulletin]:
    """The bulletins the user may see, newest month first."""
    from reports.models import Bulletin, BulletinStatus

    role = role_of(user)
    qs = Bulletin.objects.order_by("-period")
    if role is None:
        return qs.none()
    if is_manager(user):
        return qs
    return qs.filter(status=BulletinStatus.PUBLISHED)


def bulletin_get_for(user, pk) -> Bulletin:
    bulletin = bulletins_for(user).filter(pk=id_or_404(pk, _("简报不存在"))).first()
    if bulletin is None:
        raise Http404(_("简报不存在"))
    return bulletin
