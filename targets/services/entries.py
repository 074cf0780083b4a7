"""Entered indicators (毛入园率, 巩固率, 体质健康优良率, 一本达线人数 …): a value per school (or
for the county) and term or year, with an optional evidence file checked by the same rules
as a visit's attachments (``inspections.services.files.check_content``: size cap, content
agreeing with the extension, no macros, zip guard), confirmed by staff before it counts."""

from __future__ import annotations

import math
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau import access
from bureau.models import Term
from core.errors import DomainError, NotAllowed
from core.storage import private_dir, write_private
from inspections.services.files import check_content, clean_name, max_bytes
from schools.models import School

from ..models import IndicatorEntry, Measure, Target

EVIDENCE_DIR = "target-evidence"


def _bad(field: str, message: str) -> DomainError:
    return DomainError(f"{field}：{message}", details={"field": field})


def evidence_path(entry: IndicatorEntry) -> Path:
    name = entry.evidence_stored
    if not name or not all(c in "0123456789abcdef" for c in name):
        raise DomainError(_("佐证材料不存在"))
    return private_dir(EVIDENCE_DIR) / name


def _read(file, name: str) -> bytes:
    cap = max_bytes()
    too_big = _("evidence：文件“%(name)s”太大，不能超过 %(mb)s MB") % {
        "name": name,
        "mb": f"{cap / 1024 / 1024:g}",
    }
    size = getattr(file, "size", None)
    if size is not None and size > cap:
        raise DomainError(too_big, details={"field": "evidence"})
    data = file.read(cap + 1)
    if len(data) > cap:
        raise DomainError(too_big, details={"field": "evidence"})
    if not data:
        raise _bad("evidence", _("文件“%s”是空的") % name)
    return data


def _value(value) -> float:
    if isinstance(value, bool) or value in (None, ""):
        raise _bad("value", _("必填，且必须是数字"))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _bad("value", _("必须是数字（收到 %r）") % value) from None
    if not math.isfinite(number):
        raise _bad("value", _("必须是有限的数字（收到 %r）") % value)
    return number


def entry_create(
    *,
    target: Target,
    user,
    school: School | None,
    value,
    term: Term | None = None,
    note: str = "",
    evidence=None,
) -> IndicatorEntry:
    """Records a value; a value entered by staff counts at once (confirmed by them), a
    school's waits for staff to confirm it. The evidence file is written inside the
    transaction and removed again if anything fails."""
    if target.measure != Measure.ENTERED:
        raise _bad("target", _("目标“%s”不是填报指标") % target.name)
    if not access.can_enter_indicator(user, school):
        raise NotAllowed(_("只能填报本校的指标"))
    if school is not None and not target.schools.filter(pk=school.pk).exists():
        raise _bad("school", _("学校 %s 不在本目标的学校范围内") % school.code)
    number = _value(value)
    path = None
    try:
        with transaction.atomic():
            entry = IndicatorEntry(
                target=target,
                school=school,
                term=term,
                value=number,
                note=note[:200],
                entered_by=user,
            )
            if evidence is not None:
                name = clean_name(getattr(evidence, "name", "") or "") or _("佐证材料")
                data = _read(evidence, name)
                kind = check_content(name, data)
                path = write_private(EVIDENCE_DIR, data)
                entry.evidence_name = name
                entry.evidence_stored = path.name
                entry.evidence_type = kind.content_type
            if access.can_confirm_entry(user):
                entry.confirmed_by = user
                entry.confirmed_at = timezone.now()
            entry.save()
            Target.objects.filter(pk=target.pk).update(changed_at=timezone.now())
    except BaseException:
        if path is not None:
            path.unlink(missing_ok=True)
        raise
    return entry


@transaction.atomic
def entry_confirm(*, entry: IndicatorEntry, user) -> IndicatorEntry:
    if not access.can_confirm_entry(user):
        raise NotAllowed(_("只有局机关工作人员或管理员可以确认填报"))
    if entry.confirmed_at is None:
        entry.confirmed_by = user
        entry.confirmed_at = timezone.now()
        entry.save(update_fields=["confirmed_by", "confirmed_at"])
        Target.objects.filter(pk=entry.target_id).update(changed_at=timezone.now())
    return entry
