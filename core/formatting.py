"""Display helpers shared by pages, exports and bulletins."""

from __future__ import annotations

import math


def percent(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


def mask_name(name) -> str:
    """张三 → 张*, 张小明 → 张*明, 欧阳小明 → 欧**明: first and last character kept."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def duration_text(value) -> str:
    """A timedelta in words: 30 min → "30 分钟", 90 min → "1 小时 30 分钟", 1 day → "1 天"
    (the lock-out page; django-axes itself gives "PT30M")."""
    from django.utils.translation import gettext as _

    if value is None:
        return ""
    minutes = max(0, math.ceil(value.total_seconds() / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d 天") % {"n": days})
    if hours:
        parts.append(_("%(n)d 小时") % {"n": hours})
    if minutes or not parts:
        parts.append(_("%(n)d 分钟") % {"n": minutes})
    return " ".join(parts)
