"""A visit's score from its items and points: pure, no ORM (DESIGN: pure core, thin shell).

total = Σ points × weight; possible = Σ max_points × weight; percentage = total / possible;
passed = percentage ≥ pass_mark. An unscored item (``points`` None, only in a draft) counts
0 towards the total and its full weight towards what was possible.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

DIGITS = 6


@dataclass(frozen=True)
class ScoredItem:
    max_points: float
    weight: float = 1.0
    points: float | None = None


@dataclass(frozen=True)
class VisitResult:
    total: float
    possible: float
    percentage: float | None
    passed: bool | None
    unscored: int


def level_points(levels: Mapping[str, float], level: str) -> float | None:
    """The points of ``level`` among ``levels``; None when it is not one of them."""
    if level not in levels:
        return None
    return float(levels[level])


def level_max(levels: Mapping[str, float]) -> float:
    return max((float(v) for v in levels.values()), default=0.0)


def visit_result(items: Iterable[ScoredItem], pass_mark: float) -> VisitResult:
    total = possible = 0.0
    unscored = 0
    for item in items:
        possible += item.max_points * item.weight
        if item.points is None:
            unscored += 1
        else:
            total += item.points * item.weight
    if possible <= 0:
        return VisitResult(round(total, DIGITS), 0.0, None, None, unscored)
    percentage = round(total / possible, DIGITS)
    return VisitResult(
        total=round(total, DIGITS),
        possible=round(possible, DIGITS),
        percentage=percentage,
        passed=percentage >= pass_mark,
        unscored=unscored,
    )


def ordered_levels(levels: dict[str, float]) -> list[str]:
    """Level names from the best to the worst (a JSONB column does not keep key order)."""
    return sorted(levels, key=lambda name: -float(levels[name]))
