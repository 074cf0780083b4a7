"""The pure score of a visit, by hand."""

import pytest

from inspections.scoring import ScoredItem, level_max, level_points, visit_result

LEVELS = {"好": 10, "中": 6, "差": 2}


def test_total_percentage_and_pass():
    items = [ScoredItem(10, 1, 8), ScoredItem(20, 2, 15)]
    result = visit_result(items, pass_mark=0.6)
    assert result.total == 38  # 8×1 + 15×2
    assert result.possible == 50  # 10×1 + 20×2
    assert result.percentage == pytest.approx(0.76)  # 38 / 50
    assert result.passed is True
    assert result.unscored == 0


def test_fails_below_pass_mark_and_passes_exactly_at_it():
    # 5×1 + 10×2 = 25 of 50 = 0.5 < 0.6
    assert visit_result([ScoredItem(10, 1, 5), ScoredItem(20, 2, 10)], 0.6).passed is False
    # 6×1 + 12×2 = 30 of 50 = 0.6, which passes
    result = visit_result([ScoredItem(10, 1, 6), ScoredItem(20, 2, 12)], 0.6)
    assert result.percentage == pytest.approx(0.6)
    assert result.passed is True


def test_level_items():
    assert level_points(LEVELS, "中") == 6
    assert level_points(LEVELS, "优") is None
    assert level_max(LEVELS) == 10
    # a points item 8 of 10 and a level item 中 = 6 of 10 with weight 3: 8 + 18 = 26 of 40
    result = visit_result([ScoredItem(10, 1, 8), ScoredItem(level_max(LEVELS), 3, 6)], 0.7)
    assert result.total == 26
    assert result.possible == 40
    assert result.percentage == pytest.approx(0.65)
    assert result.passed is False


def test_unscored_items_count_nothing_but_their_maximum():
    # 8 of (10 + 20×2): 8 / 50 = 0.16
    result = visit_result([ScoredItem(10, 1, 8), ScoredItem(20, 2, None)], 0.6)
    assert result.total == 8
    assert result.percentage == pytest.approx(0.16)
    assert result.unscored == 1


def test_nothing_possible():
    result = visit_result([], 0.6)
    assert result.percentage is None
    assert result.passed is None


def test_levels_are_listed_from_best_to_worst_whatever_the_stored_order():
    from inspections.scoring import ordered_levels

    # PostgreSQL's JSONB returns {"中": 6, "好": 10, "差": 2} in its own key order
    assert ordered_levels({"中": 6, "好": 10, "差": 2}) == ["好", "中", "差"]
