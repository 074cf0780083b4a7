"""Adjusting award lines by hand and scaling them to the budget (SPEC §7)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from bureau import access
from core.errors import DomainError, NotAllowed

from .. import rules
from ..models import AwardLine, LineAdjustment, Scheme, SchemeStatus


def lines_rescale(*, scheme: Scheme) -> None:
    """Each line's amount before scaling (the rule's, or a person's, 0 when excluded) and
    after: with ``scale_to_budget`` and a total over the budget, every amount × budget /
    total rounded to whole yuan by the largest remainder, so that the sum is the budget."""
    lines = list(
        AwardLine.objects.filter(award__scheme=scheme).order_by("award__order", "award_id", "order")
    )
    for line in lines:
        if line.excluded:
            line.base_amount = 0
        elif line.adjusted_amount is not None:
            line.base_amount = line.adjusted_amount
        else:
            line.base_amount = line.computed_amount
    bases = [line.base_amount for line in lines]
    amounts = rules.scale_to_budget(bases, scheme.budget) if scheme.scale_to_budget else bases
    for line, amount in zip(lines, amounts, strict=True):
        line.amount = amount
    AwardLine.objects.bulk_update(lines, ["base_amount", "amount"])


@transaction.atomic
def line_adjust(
    *, line: AwardLine, user, reason: str, amount: int | None = None, excluded: bool = False
) -> AwardLine:
    """Sets a line's amount (or excludes it) with a required reason; the change is kept and
    applied again by every recomputation."""
    if not access.can_write_schemes(user):
        raise NotAllowed(_("只有局机关工作人员或管理员可以调整获奖金额"))
    scheme = Scheme.objects.select_for_update().get(pk=line.award.scheme_id)
    if scheme.status != SchemeStatus.COMPUTED:
        if scheme.locked:
            raise DomainError(
                _("方案已%(status)s，不能修改") % {"status": scheme.get_status_display()}
            )
        raise DomainError(_("请先计算方案再调整"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("reason: 调整须填写理由"), details={"reason": [_("调整须填写理由")]})
    if not excluded:
        if amount is None:
            raise DomainError(
                _("amount: 请填写调整后的金额"), details={"amount": [_("请填写金额")]}
            )
        if isinstance(amount, bool) or int(amount) != amount or amount < 0:
            raise DomainError(
                _("amount: 金额应为不小于 0 的整数（%(value)s）") % {"value": amount},
                details={"amount": [_("金额应为不小于 0 的整数")]},
            )
    line = AwardLine.objects.select_for_update().get(pk=line.pk)
    LineAdjustment.objects.create(
        award=line.award,
        key=line.key,
        recipient=line.recipient,
        from_amount=line.base_amount,
        to_amount=None if excluded else int(amount),
        from_excluded=line.excluded,
        excluded=bool(excluded),
        reason=reason[:300],
        by=user,
    )
    line.excluded = bool(excluded)
    line.adjusted_amount = None if excluded else int(amount)
    line.save(update_fields=["excluded", "adjusted_amount"])
    lines_rescale(scheme=scheme)
    line.refresh_from_db()
    return line
