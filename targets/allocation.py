"""Apportioning a county target to schools (SPEC §6): pure, no ORM.

Largest remainder (Hamilton): ``share_i = T · w_i / Σw``; each school gets ``⌊share_i⌋``; the
``T − Σ⌊share_i⌋`` seats left go one each to the largest fractional parts, ties broken by the
larger weight, then the smaller school code. A weight of 0 gives 0; Σ quotas = T always.
Quotas fixed by hand stay; the rest, ``T − Σ fixed``, is apportioned the same way over the
other schools.

Arithmetic is exact (``fractions.Fraction``): a float weight counts as the decimal it prints as
(``0.1`` is one tenth), so two shares that are equal on paper tie here too, whatever binary
rounding would have said.

The bases turn registry and exam figures into weights:
``enrolled`` (students of the grade), ``baseline`` (the school's actual value in the baseline
exam), ``blend`` (enrolled × (α · school rate + (1 − α) · county rate)), ``custom`` (given),
``equal`` (1 each).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real

BASES = ("enrolled", "baseline", "blend", "custom", "equal")
DEFAULT_ALPHA = 0.5


class AllocationError(ValueError):
    """Input the apportionment cannot take; ``field`` names the input at fault."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Seat:
    """One school's line of an allocation."""

    school: str
    weight: float | None  # None for a fixed quota's school: its weight plays no part
    share: Fraction  # the exact share (the fixed quota itself when fixed)
    quota: int
    fixed: bool

    @property
    def share_float(self) -> float:
        return float(self.share)


def exact(value: object, *, field: str, school: str | None = None) -> Fraction:
    """A weight as an exact fraction; refuses what is not a finite number ≥ 0."""
    where = f"{field}[{school}]" if school is not None else field
    if isinstance(value, bool) or not isinstance(value, Real):
        raise AllocationError(f"{where}：权重必须是数字（收到 {value!r}）", field=field)
    number = float(value)
    if not math.isfinite(number):
        raise AllocationError(f"{where}：权重必须是有限的数字（收到 {value!r}）", field=field)
    if number < 0:
        raise AllocationError(f"{where}：权重不能为负数（收到 {value!r}）", field=field)
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(repr(number))


def whole(value: object, *, field: str) -> int:
    """A count (total or quota): a whole number ≥ 0."""
    if isinstance(value, bool):
        raise AllocationError(f"{field}：必须是不小于0的整数（收到 {value!r}）", field=field)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or value < 0:
        raise AllocationError(f"{field}：必须是不小于0的整数（收到 {value!r}）", field=field)
    return value


def largest_remainder(total: int, weights: Mapping[str, Fraction]) -> dict[str, tuple]:
    """{school: (share, quota)} for ``total`` seats over exact ``weights`` (Σw > 0 unless
    ``total`` is 0)."""
    whole(total, field="value")
    sum_w = sum(weights.values(), Fraction(0))
    if total == 0 or not weights:
        return {code: (Fraction(0), 0) for code in weights}
    if sum_w == 0:
        raise AllocationError(
            "weights：所有学校的权重都为0，无法分配（至少一所学校的权重须大于0）", field="weights"
        )
    shares = {code: total * w / sum_w for code, w in weights.items()}
    quotas = {code: math.floor(s) for code, s in shares.items()}
    left = total - sum(quotas.values())
    order = sorted(
        weights,
        key=lambda code: (-(shares[code] - quotas[code]), -weights[code], code),
    )
    for code in order[:left]:
        quotas[code] += 1
    return {code: (shares[code], quotas[code]) for code in weights}


def allocate(
    total: int,
    weights: Mapping[str, object],
    fixed: Mapping[str, int] | None = None,
) -> list[Seat]:
    """The allocation of ``total`` over the schools of ``weights`` (school code → w ≥ 0),
    ``fixed`` (school code → quota) kept as given, in school-code order."""
    total = whole(total, field="value")
    fixed = dict(fixed or {})
    for code in fixed:
        if code not in weights:
            raise AllocationError(f"school：学校 {code} 不在本目标的学校范围内", field="school")
        whole(fixed[code], field="quota")
        if fixed[code] > total:
            raise AllocationError(
                f"quota：学校 {code} 的固定名额 {fixed[code]} 超过目标总数 {total}",
                field="quota",
            )
    fixed_sum = sum(fixed.values())
    if fixed_sum > total:
        raise AllocationError(
            f"quota：固定名额合计 {fixed_sum} 超过目标总数 {total}", field="quota"
        )
    exact_weights = {code: exact(w, field="weights", school=code) for code, w in weights.items()}
    free = {code: w for code, w in exact_weights.items() if code not in fixed}
    rest = total - fixed_sum
    if rest > 0 and not free:
        raise AllocationError(
            f"quota：固定名额合计 {fixed_sum} 少于目标总数 {total}，且没有其他学校可分配",
            field="quota",
        )
    found = largest_remainder(rest, free)
    seats = []
    for code in sorted(weights):
        if code in fixed:
            seats.append(Seat(code, None, Fraction(fixed[code]), fixed[code], True))
        else:
            share, quota = found[code]
            seats.append(Seat(code, float(exact_weights[code]), share, quota, False))
    return seats


# --- bases -----------------------------------------------------------------------------------


def blend_weights(
    *,
    enrolled: Mapping[str, int],
    rates: Mapping[str, float | None],
    county_rate: float | None,
    alpha: float = DEFAULT_ALPHA,
) -> dict[str, float]:
    """enrolled × (α · school rate + (1 − α) · county rate); a school without a rate in the
    baseline exam (nobody sat) counts at the county rate."""
    if not 0 <= alpha <= 1:
        raise AllocationError(f"alpha：必须在0到1之间（收到 {alpha!r}）", field="alpha")
    if county_rate is None:
        raise AllocationError(
            "baseline_exam：基线考试没有全县统计数据，无法按综合法分配", field="baseline_exam"
        )
    weights = {}
    for code, n in enrolled.items():
        rate = rates.get(code)
        if rate is None:
            rate = county_rate
        weights[code] = n * (alpha * rate + (1 - alpha) * county_rate)
    return weights


def equal_weights(schools: list[str]) -> dict[str, int]:
    return dict.fromkeys(schools, 1)


def custom_weights(schools: list[str], given: Mapping[str, object]) -> dict[str, object]:
    """The given weights; every school of the target needs one, and no other school may have
    one."""
    if not isinstance(given, Mapping):
        raise AllocationError("weights：必须是 {学校代码: 权重} 的对象", field="weights")
    unknown = sorted(set(given) - set(schools))
    if unknown:
        raise AllocationError(
            f"weights：学校 {'、'.join(unknown)} 不在本目标的学校范围内", field="weights"
        )
    missing = [code for code in schools if code not in given]
    if missing:
        raise AllocationError(f"weights：缺少学校 {'、'.join(missing)} 的权重", field="weights")
    for code in schools:
        exact(given[code], field="weights", school=code)
    return {code: given[code] for code in schools}
