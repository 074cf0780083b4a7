"""The apportionment (SPEC §6) by hand, and its properties for any input."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from targets.allocation import AllocationError, allocate, blend_weights, custom_weights


def quotas(seats):
    return {s.school: s.quota for s in seats}


def test_hand_computed_largest_remainder():
    # T=10 over 5, 3, 2 (Σ10): shares 5, 3, 2 exactly.
    assert quotas(allocate(10, {"A": 5, "B": 3, "C": 2})) == {"A": 5, "B": 3, "C": 2}
    # T=7 over 50, 30, 20: shares 3.5, 2.1, 1.4 → floors 3, 2, 1 (6); the seat left goes to
    # the largest fraction, A's .5.
    assert quotas(allocate(7, {"A": 50, "B": 30, "C": 20})) == {"A": 4, "B": 2, "C": 1}


def test_tie_at_the_last_seat_goes_to_the_larger_weight_then_the_smaller_code():
    # T=3 over 2, 2, 1, 1 (Σ6): shares 1, 1, .5, .5 → floors 1, 1, 0, 0; one seat left, C and
    # D tie at .5 with weight 1: the smaller code, C, takes it.
    assert quotas(allocate(3, {"A": 2, "B": 2, "D": 1, "C": 1})) == {
        "A": 1,
        "B": 1,
        "C": 1,
        "D": 0,
    }
    # T=3 over 6, 2, 2 (Σ10): 1.8, .6, .6 → floors 1, 0, 0; two seats: A (.8), then B before
    # C (same fraction, same weight, smaller code).
    assert quotas(allocate(3, {"A": 6, "C": 2, "B": 2})) == {"A": 2, "B": 1, "C": 0}
    # T=2 over 3, 1 (Σ4): 1.5, .5 → floors 1, 0; one seat, a tie at .5: the larger weight.
    assert quotas(allocate(2, {"B": 1, "A": 3})) == {"A": 2, "B": 0}
    assert quotas(allocate(2, {"A": 1, "B": 3})) == {"A": 0, "B": 2}


def test_decimal_weights_tie_as_written():
    # 0.1, 0.2 and 0.3 as decimals: T=3 gives shares .5, 1, 1.5 → floors 0, 1, 1; one seat:
    # A (.5) and C (.5) tie, C has the larger weight.
    assert quotas(allocate(3, {"A": 0.1, "B": 0.2, "C": 0.3})) == {"A": 0, "B": 1, "C": 2}


def test_zero_weights_give_zero():
    # T=5 over 0, 2, 3: shares 0, 2, 3.
    assert quotas(allocate(5, {"A": 0, "B": 2, "C": 3})) == {"A": 0, "B": 2, "C": 3}
    # T=1 over 0, 0, 1: only C can take it.
    assert quotas(allocate(1, {"A": 0, "B": 0, "C": 1})) == {"A": 0, "B": 0, "C": 1}
    with pytest.raises(AllocationError) as err:
        allocate(3, {"A": 0, "B": 0})
    assert err.value.field == "weights"
    # Nothing to give: all zeros are fine.
    assert quotas(allocate(0, {"A": 0, "B": 0})) == {"A": 0, "B": 0}


def test_total_smaller_than_the_number_of_schools():
    # T=2 over five schools of 10, 20, 30, 25, 15 (Σ100): shares .2, .4, .6, .5, .3 → all
    # floors 0; two seats to the largest fractions: C (.6), D (.5).
    seats = allocate(2, {"A": 10, "B": 20, "C": 30, "D": 25, "E": 15})
    assert quotas(seats) == {"A": 0, "B": 0, "C": 1, "D": 1, "E": 0}
    assert [s.share for s in seats] == [Fraction(1, 5), Fraction(2, 5), Fraction(3, 5)] + [
        Fraction(1, 2),
        Fraction(3, 10),
    ]


def test_a_fixed_quota_stays_and_the_rest_is_reapportioned():
    # T=10 over 50, 30, 20 with B fixed at 5: 5 left over A and C (50, 20; Σ70):
    # 3.571…, 1.428… → 3, 1; one seat: A (.571).
    seats = allocate(10, {"A": 50, "B": 30, "C": 20}, fixed={"B": 5})
    assert quotas(seats) == {"A": 4, "B": 5, "C": 1}
    assert [s.fixed for s in seats] == [False, True, False]
    assert sum(quotas(seats).values()) == 10
    # Releasing it: back to 5, 3, 2.
    assert quotas(allocate(10, {"A": 50, "B": 30, "C": 20}, fixed={})) == {"A": 5, "B": 3, "C": 2}


def test_fixed_quotas_that_do_not_fit_are_refused():
    with pytest.raises(AllocationError) as err:
        allocate(10, {"A": 1, "B": 1}, fixed={"A": 11})
    assert err.value.field == "quota" and "11" in err.value.message
    with pytest.raises(AllocationError):
        allocate(10, {"A": 1, "B": 1, "C": 1}, fixed={"A": 6, "B": 6})
    with pytest.raises(AllocationError) as err:
        allocate(10, {"A": 1}, fixed={"Z": 1})
    assert err.value.field == "school"


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "3", None, True])
def test_bad_weights_are_refused_naming_the_school(bad):
    with pytest.raises(AllocationError) as err:
        allocate(5, {"A": 1, "B": bad})
    assert err.value.field == "weights"
    assert "weights[B]" in err.value.message


def test_custom_weights_must_cover_the_schools():
    with pytest.raises(AllocationError, match="缺少学校 B"):
        custom_weights(["A", "B"], {"A": 1})
    with pytest.raises(AllocationError, match="学校 Z 不在"):
        custom_weights(["A"], {"A": 1, "Z": 2})


def test_blend():
    # enrolled 100 and 200; school rates .3 and .1, county .2, α=.5:
    # A 100·(.15 + .1) = 25, B 200·(.05 + .1) = 30; a school without rate takes the county's.
    weights = blend_weights(
        enrolled={"A": 100, "B": 200, "C": 50},
        rates={"A": 0.3, "B": 0.1, "C": None},
        county_rate=0.2,
    )
    assert weights == pytest.approx({"A": 25, "B": 30, "C": 10})
    with pytest.raises(AllocationError) as err:
        blend_weights(enrolled={"A": 1}, rates={}, county_rate=0.2, alpha=1.5)
    assert err.value.field == "alpha"


codes = st.lists(
    st.text(alphabet="ABCDEFGH", min_size=1, max_size=3), min_size=1, max_size=8, unique=True
)


@st.composite
def cases(draw):
    schools = draw(codes)
    weights = {
        code: draw(st.one_of(st.integers(0, 500), st.floats(0, 500, allow_nan=False)))
        for code in schools
    }
    if all(w == 0 for w in weights.values()):
        weights[schools[0]] = 1
    total = draw(st.integers(0, 300))
    return total, weights


@settings(max_examples=300, deadline=None)
@given(cases())
def test_sum_is_total_and_each_quota_is_floor_or_ceil(case):
    total, weights = case
    seats = allocate(total, weights)
    assert sum(s.quota for s in seats) == total
    for s in seats:
        assert s.quota in (math.floor(s.share), math.ceil(s.share))
        if weights[s.school] == 0:
            assert s.quota == 0


@settings(max_examples=300, deadline=None)
@given(cases(), st.data())
def test_monotone_in_its_weight(case, data):
    total, weights = case
    code = data.draw(st.sampled_from(sorted(weights)))
    more = data.draw(st.integers(1, 500))
    before = quotas(allocate(total, weights))[code]
    after = quotas(allocate(total, {**weights, code: weights[code] + more}))[code]
    assert after >= before


@settings(max_examples=200, deadline=None)
@given(cases(), st.data())
def test_fixed_quotas_are_kept_and_the_sum_stays_exact(case, data):
    total, weights = case
    code = data.draw(st.sampled_from(sorted(weights)))
    quota = data.draw(st.integers(0, total))
    others = {c: w for c, w in weights.items() if c != code}
    if total - quota > 0 and (not others or all(w == 0 for w in others.values())):
        return
    seats = allocate(total, weights, fixed={code: quota})
    assert quotas(seats)[code] == quota
    assert sum(s.quota for s in seats) == total
