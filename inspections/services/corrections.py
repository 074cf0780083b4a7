"""An admin's correction of a submitted (locked) visit, with a log of what changed.

Rules (docs/inspections-records.md):
- only a system administrator (系统管理员), and only a submitted visit: a draft is changed the
  ordinary way (``visit_update``); staff and inspectors get 403 like everyone else;
- a reason is required;
- scores are checked as ``visit_update`` checks them, and every item must still be scored
  afterwards (a submitted visit has no unscored item);
- one ``VisitCorrection`` records exactly the fields that changed, each with its value before
  and after; when nothing changes nothing is written and nothing is recorded.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from bureau import access
from core.errors import DomainError, NotAllowed
from inspections.models import Visit, VisitCorrection, VisitScore
from inspections.services import _check_kind, _clean_scores, _item_label

SCORE = "score"


def _score_state(score: VisitScore | None) -> dict[str, Any]:
    if score is None:
        return {"points": None, "level": "", "comment": ""}
    return {"points": score.points, "level": score.level, "comment": score.comment}


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.date):
        return value
    parsed = parse_date(str(value or "").strip()) if value else None
    if parsed is None:
        raise DomainError(_("日期格式不正确，应为 YYYY-MM-DD"))
    return parsed


def _score_changes(visit: Visit, scores) -> tuple[list[dict], dict[int, dict]]:
    """The score changes (before/after per item) and the new values to store."""
    cleaned = _clean_scores(visit.checklist, scores)
    sent = {raw.get("item"): raw for raw in scores or []}
    items = {i.pk: i for i in visit.checklist.items.all()}
    stored = {s.item_id: s for s in VisitScore.objects.filter(visit=visit)}
    changes, updates = [], {}
    for item_id, after in cleaned.items():
        before = _score_state(stored.get(item_id))
        if "comment" not in sent.get(item_id, {}):
            after["comment"] = before["comment"]  # not sent: kept, not cleared
        if after["points"] is None:
            raise DomainError(
                _("更正后检查项“%(item)s”不能没有评分") % {"item": _item_label(items[item_id])}
            )
        if after != before:
            changes.append({"field": SCORE, "item": item_id, "before": before, "after": after})
            updates[item_id] = after
    return changes, updates


@transaction.atomic
def visit_correct(
    *,
    visit: Visit,
    user,
    reason: str,
    scores=None,
    findings: str | None = None,
    date: datetime.date | None = None,
    kind: str | None = None,
) -> VisitCorrection | None:
    """Corrects a submitted visit; returns the recorded correction, or None when the values
    given are the ones the visit already has (nothing is recorded then)."""
    if not access.is_admin(user):
        raise NotAllowed(_("只有系统管理员可以更正已提交的督导记录"))
    visit = Visit.objects.select_for_update().select_related("checklist").get(pk=visit.pk)
    if not visit.locked:
        raise DomainError(_("督导记录尚未提交，请直接修改草稿"), code="wrong_status")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写更正原因"))

    changes: list[dict] = []
    fields: list[str] = []
    if date is not None:
        date = _as_date(date)
        if date != visit.date:
            changes.append(
                {
                    "field": "date",
                    "item": None,
                    "before": visit.date.isoformat(),
                    "after": date.isoformat(),
                }
            )
            visit.date = date
            fields.append("date")
    if kind is not None:
        kind = _check_kind(kind)
        if kind != visit.kind:
            changes.append({"field": "kind", "item": None, "before": visit.kind, "after": kind})
            visit.kind = kind
            fields.append("kind")
    if findings is not None:
        findings = findings.strip()
        if findings != visit.findings:
            changes.append(
                {"field": "findings", "item": None, "before": visit.findings, "after": findings}
            )
            visit.findings = findings
            fields.append("findings")
    updates: dict[int, dict] = {}
    if scores is not None:
        score_changes, updates = _score_changes(visit, scores)
        changes.extend(score_changes)

    if not changes:
        return None
    if fields:
        visit.save(update_fields=fields)
    for item_id, values in updates.items():
        VisitScore.objects.update_or_create(visit=visit, item_id=item_id, defaults=values)
    return VisitCorrection.objects.create(visit=visit, by=user, reason=reason, changes=changes)
