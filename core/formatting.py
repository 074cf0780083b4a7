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
