"""Reading the audit trail and the access log (SPEC §9): filters and readable rows, shared by
the 操作日志 page and ``/api/v1/audit/``, ``/api/v1/access-log/``."""

from __future__ import annotations

import datetime
from typing import Any

from auditlog.models import LogEntry
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError

from .audit import audit_models
from .models import AccessLog

ACTIONS = {
    LogEntry.Action.CREATE: "create",
    LogEntry.Action.UPDATE: "update",
    LogEntry.Action.DELETE: "delete",
    LogEntry.Action.ACCESS: "access",
}
ACTION_LABELS = {
    "create": gettext_lazy("新建"),
    "update": gettext_lazy("修改"),
    "delete": gettext_lazy("删除"),
    "access": gettext_lazy("查看"),
    "results_commit": gettext_lazy("成绩导入"),
    "roster_import": gettext_lazy("名册导入"),
    "stats_run": gettext_lazy("统计计算"),
    "exam_subjects": gettext_lazy("考试学科"),
    "rectifications_overdue": gettext_lazy("整改逾期标记"),
}
BATCH_LABELS = {
    "file_name": gettext_lazy("文件"),
    "sha256": "SHA-256",
    "rows": gettext_lazy("行数"),
    "students": gettext_lazy("学生数"),
    "scores": gettext_lazy("成绩数"),
    "school": gettext_lazy("学校"),
    "schools": gettext_lazy("学校数"),
    "upload": gettext_lazy("上传编号"),
    "units": gettext_lazy("统计行数"),
    "sheets": gettext_lazy("各表"),
    "subjects": gettext_lazy("学科"),
    "day": gettext_lazy("日期"),
    "tasks": gettext_lazy("整改任务"),
}


def _day(value: str | None, field: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise DomainError(
            _("%(field)s 日期“%(value)s”无法识别，请写成 YYYY-MM-DD")
            % {"field": field, "value": value}
        ) from None


def _dated(qs: QuerySet, field: str, start: str | None, end: str | None) -> QuerySet:
    first, last = _day(start, "from"), _day(end, "to")
    if first:
        qs = qs.filter(**{f"{field}__date__gte": first})
    if last:
        qs = qs.filter(**{f"{field}__date__lte": last})
    return qs


def audit_entries(
    *,
    model: str | None = None,
    object: str | None = None,
    user: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> QuerySet:
    """Entries, newest first; ``model`` an API name (``exam``), ``object`` as the API names a
    record (``exam:BARS-MID``), ``user`` a username, ``start``/``end`` days (inclusive).
    An unknown model or a malformed day is a ``DomainError`` (400)."""
    qs = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if model:
        if model not in audit_models() and model != "roster":
            known = ", ".join(sorted([*audit_models(), "roster"]))
            raise DomainError(
                _("未知的 model“%(model)s”，可选：%(known)s") % {"model": model, "known": known}
            )
        qs = qs.filter(additional_data__model=model)
    if object:
        qs = qs.filter(additional_data__object=object.strip())
    if user:
        qs = qs.filter(actor__username=user.strip())
    return _dated(qs, "timestamp", start, end)


def _plain(value: Any) -> Any:
    return None if value in ("None", None) else value


def audit_row(entry: LogEntry) -> dict[str, Any]:
    """The API row: ``at``, ``user`` (a username, or the command line / task that acted),
    ``action``, ``model``, ``object``, ``changes`` ({field: [before, after]}, or a batch's
    summary)."""
    data = entry.additional_data or {}
    batch = data.get("batch")
    if batch is not None:
        changes: Any = batch
    else:
        changes = {}
        for name, values in (entry.changes_dict or {}).items():
            if isinstance(values, dict):  # many-to-many: {"type", "operation", "objects"}
                changes[name] = values
            else:
                changes[name] = [_plain(v) for v in values]
    return {
        "at": entry.timestamp,
        "user": entry.actor.username if entry.actor else None,
        "origin": data.get("origin"),
        "action": data.get("action") or ACTIONS.get(entry.action, str(entry.action)),
        "model": data.get("model") or entry.content_type.model,
        "object": data.get("object") or f"{entry.content_type.model}:{entry.object_pk}",
        "changes": changes,
    }


def audit_display(entry: LogEntry) -> dict[str, Any]:
    """The page's row: the API row with Chinese labels and ``lines`` (label, before, after)."""
    row = audit_row(entry)
    lines = []
    data = entry.additional_data or {}
    if data.get("batch") is not None:
        # In BATCH_LABELS' order (PostgreSQL's jsonb keeps no order of its own), then the rest.
        order = {key: i for i, key in enumerate(BATCH_LABELS)}
        batch = sorted(data["batch"].items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
        for key, value in batch:
            lines.append((BATCH_LABELS.get(key, key), None, value))
    else:
        try:
            shown = entry.changes_display_dict
        except Exception:  # a model since removed: the stored names and values
            shown = entry.changes_dict or {}
        for label, values in shown.items():
            if isinstance(values, dict):
                verb = _("加入") if values.get("operation") == "add" else _("移除")
                lines.append(
                    (label, None, f"{verb} " + "、".join(map(str, values.get("objects", []))))
                )
            else:
                before, after = (list(values) + [None, None])[:2]
                lines.append((label, _plain(before) or "—", _plain(after) or "—"))
    row["action_label"] = ACTION_LABELS.get(row["action"], row["action"])
    row["who"] = (str(entry.actor) if entry.actor else "") or row["origin"] or "—"
    row["repr"] = entry.object_repr
    row["lines"] = lines
    return row


def access_log_entries(
    *, user: str | None = None, start: str | None = None, end: str | None = None,
    school: str | None = None, action: str | None = None,
) -> QuerySet:  # fmt: skip
    """Who viewed or exported student-level data, newest first."""
    qs = AccessLog.objects.select_related("user", "school", "exam").order_by("-at", "-pk")
    if user:
        qs = qs.filter(user__username=user.strip())
    if school:
        qs = qs.filter(school__code=school.strip())
    if action:
        if action not in AccessLog.Action.values:
            raise DomainError(_("未知的 action“%(value)s”，可选：view, export") % {"value": action})
        qs = qs.filter(action=action)
    return _dated(qs, "at", start, end)


def access_log_row(log: AccessLog) -> dict[str, Any]:
    return {
        "at": log.at,
        "user": log.user.username,
        "action": log.action,
        "what": log.what,
        "school": log.school.code if log.school else None,
        "exam": log.exam.code if log.exam else None,
        "rows": log.rows,
    }
