"""Template helpers of the visit attachments and corrections partials
(``templates/inspections/_visit_attachments.html``, ``_visit_corrections.html``)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bureau import access
from inspections.models import VisitCorrection, VisitKind, VisitStatus
from inspections.services import files as services_files

register = template.Library()

FIELD_LABELS = {
    "date": gettext_lazy("日期"),
    "kind": gettext_lazy("督导类型"),
    "findings": gettext_lazy("发现的问题"),
}
THUMBNAIL_TYPES = {"image/jpeg", "image/png", "image/webp"}


@register.simple_tag
def attachment_limits() -> dict:
    """The caps, for the hint under the upload form."""
    return {
        "mb": f"{services_files.max_bytes() / 1024 / 1024:g}",
        "count": services_files.per_visit(),
    }


@register.filter
def has_thumbnail(attachment) -> bool:
    """Images a browser shows (HEIC mostly not: it gets a link only)."""
    return attachment.content_type in THUMBNAIL_TYPES


@register.simple_tag
def may_correct(user, visit) -> bool:
    return access.is_admin(user) and visit.status == VisitStatus.SUBMITTED


def _points(state: dict) -> str:
    if state.get("points") is None:
        return _("未评分")
    points = f"{state['points']:g}"
    if state.get("level"):
        return _("%(level)s（%(points)s 分）") % {"level": state["level"], "points": points}
    return _("%(points)s 分") % {"points": points}


def _field_value(field: str, value) -> str:
    if field == "kind":
        return str(VisitKind(value).label) if value in VisitKind.values else str(value)
    return str(value) if value not in (None, "") else _("（空）")


@register.filter
def correction_lines(correction: VisitCorrection) -> list[dict]:
    """What one correction changed, as rows ``{label, before, after}`` a person reads."""
    labels = {i.pk: f"{i.group}·{i.text}" for i in correction.visit.checklist.items.all()}
    rows = []
    for change in correction.changes or []:
        field = change.get("field")
        if field == "score":
            item = labels.get(change.get("item"), f"#{change.get('item')}")
            before, after = change.get("before") or {}, change.get("after") or {}
            if (before.get("points"), before.get("level")) != (
                after.get("points"),
                after.get("level"),
            ):
                rows.append(
                    {
                        "label": _("评分：%(item)s") % {"item": item},
                        "before": _points(before),
                        "after": _points(after),
                    }
                )
            if before.get("comment", "") != after.get("comment", ""):
                rows.append(
                    {
                        "label": _("评语：%(item)s") % {"item": item},
                        "before": _field_value("comment", before.get("comment", "")),
                        "after": _field_value("comment", after.get("comment", "")),
                    }
                )
        else:
            rows.append(
                {
                    "label": str(FIELD_LABELS.get(field, field)),
                    "before": _field_value(field, change.get("before")),
                    "after": _field_value(field, change.get("after")),
                }
            )
    return rows
