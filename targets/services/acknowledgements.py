"""签收: a principal confirms that the school received its published targets."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from bureau import access
from core.errors import NotAllowed

from ..models import Acknowledgement, Target


@transaction.atomic
def acknowledgement_create(*, target: Target, user) -> Acknowledgement:
    """Idempotent: a second acknowledgement keeps the first one's who and when."""
    school = user.school
    if school is None or not access.can_acknowledge(user, target, school):
        raise NotAllowed(_("只有本校校长可以签收已下达的目标"))
    found, _created = Acknowledgement.objects.get_or_create(
        target=target, school=school, defaults={"by": user}
    )
    return found
