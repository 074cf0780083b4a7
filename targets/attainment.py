"""Attainment and status of one unit against its target (SPEC §6): pure.

Attainment = actual / target for ``higher``, target / actual for ``lower`` (1.0 when both are
0). Where the divisor is 0 and the other figure is not, the ratio has no value: the unit is
``green`` when the actual is on the right side of the target (above 0 for ``higher``, a
target above 0 for ``lower``), else ``red``, and the attainment is None (docs/targets.md).
"""

from __future__ import annotations

GREEN, AMBER, RED = "green", "amber", "red"


def attainment(actual: float | None, target: float | None, direction: str) -> float | None:
    if actual is None or target is None:
        return None
    if actual == 0 and target == 0:
        return 1.0
    if direction == "lower":
        return None if actual == 0 else target / actual
    return None if target == 0 else actual / target


def status(
    actual: float | None,
    target: float | None,
    direction: str,
    *,
    green: float = 1.0,
    amber: float = 0.9,
) -> str | None:
    """No status without a measuring value (or a target)."""
    if actual is None or target is None:
        return None
    ratio = attainment(actual, target, direction)
    if ratio is None:  # a zero divisor: on the right side of the target or not
        on_side = actual > target if direction == "higher" else actual < target
        return GREEN if on_side else RED
    if ratio >= green:
        return GREEN
    if ratio >= amber:
        return AMBER
    return RED
