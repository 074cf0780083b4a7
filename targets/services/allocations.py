"""Apportioning a count target and fixing or releasing a school's quota: every quota that
moves is recorded (who, when, from, to, reason)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau import access
from core.errors import DomainError, NotAllowed

from ..models import Allocation, AllocationChange, Target
from ..selectors.allocations import allocation_plan


def _bad(field: str, message: str) -> DomainError:
    return DomainError(f"{field}：{message}", details={"field": field})


def _store(target: Target, plan, *, user, reason: str, reasons: dict[str, str]) -> None:
    """Writes the plan's quotas; a change row for each school whose quota moved."""
    existing = {a.school.code: a for a in target.allocations.select_related("school")}
    schools = {s.code: s for s in target.schools.all()}
    keep = set()
    changes = []
    for seat in plan.seats:
        row = existing.get(seat.school)
        before = row.quota if row else None
        if row is None:
            row = Allocation(target=target, school=schools[seat.school])
        row.weight = seat.weight
        row.share = seat.share_float
        row.quota = seat.quota
        row.fixed = seat.fixed
        row.reason = (reasons.get(seat.school) or row.reason) if seat.fixed else ""
        row.save()
        keep.add(row.pk)
        if before != seat.quota or seat.school in reasons:
            changes.append(
                AllocationChange(
                    target=target,
                    school=schools[seat.school],
                    by=user,
                    from_quota=before,
                    to_quota=seat.quota,
                    reason=reasons.get(seat.school, reason)[:200],
                )
            )
    target.allocations.exclude(pk__in=keep).delete()
    AllocationChange.objects.bulk_create(changes)
    Target.objects.filter(pk=target.pk).update(changed_at=timezone.now())


@transaction.atomic
def allocation_apply(*, target: Target, user, reason: str) -> None:
    """Apportions the target on its basis, fixed quotas kept (fixed quotas of schools no longer
    in the target are dropped)."""
    schools = set(target.schools.values_list("code", flat=True))
    fixed = {
        code: quota
        for code, quota in target.allocations.filter(fixed=True).values_list(
            "school__code", "quota"
        )
        if code in schools
    }
    plan = allocation_plan(target, fixed=fixed)
    _store(target, plan, user=user, reason=reason, reasons={})


@transaction.atomic
def allocation_set(*, target: Target, user, school: str, quota, reason: str = "") -> Target:
    """Fixes ``school``'s quota (with a reason), or releases it (``quota`` None); the other
    schools are re-apportioned so that the total stays exact."""
    if not access.can_manage_targets(user):
        raise NotAllowed(_("只有局机关工作人员或管理员可以调整名额"))
    target = Target.objects.select_for_update().get(pk=target.pk)
    if target.is_published:
        raise _bad("status", _("目标已下达，分配不能再修改"))
    if not target.is_count:
        raise _bad("quota", _("只有人数目标分配名额"))
    row = target.allocations.filter(school__code=str(school)).first()
    if row is None:
        raise _bad("school", _("学校 %s 不在本目标的学校范围内") % school)
    reason = (reason or "").strip()
    fixed = dict(target.allocations.filter(fixed=True).values_list("school__code", "quota"))
    if quota is None:
        if not row.fixed:
            raise _bad("quota", _("学校 %s 的名额不是固定的，无需释放") % school)
        fixed.pop(row.school.code)
        note = reason or _("释放固定名额")
        reasons = {row.school.code: note}
        Allocation.objects.filter(pk=row.pk).update(reason="")
    else:
        if isinstance(quota, bool) or not isinstance(quota, int | float | str):
            raise _bad("quota", _("必须是不小于0的整数（收到 %r）") % quota)
        try:
            number = float(quota)
        except ValueError:
            raise _bad("quota", _("必须是不小于0的整数（收到 %r）") % quota) from None
        if not number.is_integer() or number < 0:
            raise _bad("quota", _("必须是不小于0的整数（收到 %r）") % quota)
        if not reason:
            raise _bad("reason", _("固定名额必须填写理由"))
        fixed[row.school.code] = int(number)
        note = reason
        reasons = {row.school.code: reason}
    plan = allocation_plan(target, fixed=fixed)
    others = _("因学校 %(school)s 名额调整而重新分配：%(why)s") % {
        "school": row.school.code,
        "why": note,
    }
    _store(target, plan, user=user, reason=others, reasons=reasons)
    return target
