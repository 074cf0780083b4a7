"""Standard scores, school-relative 超均率, 全科及格率/全科优秀率, dense ranks and students not
counted, in the engine, against numbers worked out by hand (SPEC §1)."""

import math

import pandas as pd
import pytest

from exams.engine.statistics import (
    TOTAL,
    ExamSpec,
    SubjectSpec,
    compute_all,
    student_ranks,
    unit_stats,
    value_added,
)

NaN = math.nan
CHINESE, MATH = SubjectSpec("语文", 100), SubjectSpec("数学", 100)
EXAM = ExamSpec([CHINESE, MATH])
# 语文 counted 90, 70, 90, 70: mean 80, std 10. 数学 90, 50, 70: mean 70, std √(800/3).
# Totals 180, 120, 140 (a3 lacks 数学): mean 440/3, std √(16800/27). b2 is not counted.
SCORES = pd.DataFrame(
    [
        ("a1", "A", "1", True, 90.0, 90.0),
        ("a2", "A", "1", True, 70.0, 50.0),
        ("a3", "A", "2", True, 90.0, NaN),
        ("b1", "B", "1", True, 70.0, 70.0),
        ("b2", "B", "1", False, 95.0, 95.0),
    ],
    columns=["student", "school", "class_", "counted", "语文", "数学"],
)
ASSIGNMENTS = pd.DataFrame(
    [
        ("T1", "A", "1", "语文"),
        ("T1", "A", "2", "语文"),
        ("T4", "A", "1", "语文"),
        ("T4", "B", "1", "语文"),  # classes in two schools
    ],
    columns=["teacher", "school", "class_", "subject"],
)
MATH_STD = math.sqrt(800 / 3)
TOTAL_MEAN, TOTAL_STD = 440 / 3, math.sqrt(16800 / 27)


def approx(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-12)


def row(df: pd.DataFrame, subject: str, **keys: str) -> pd.Series:
    mask = df["subject"] == subject
    for column, value in keys.items():
        mask &= df[column] == value
    (found,) = df.index[mask]
    return df.loc[found]


def test_student_z_and_t_scores():
    ranks = student_ranks(SCORES, EXAM).set_index("student")
    assert ranks.loc["a1", "z_语文"] == approx(1.0)  # (90 − 80) / 10
    assert ranks.loc["a1", "t_语文"] == approx(60.0)  # 50 + 10 × 1
    assert ranks.loc["b1", "t_语文"] == approx(40.0)  # 50 + 10 × (70 − 80) / 10
    assert ranks.loc["a1", "z_数学"] == approx(20 / MATH_STD)  # (90 − 70) / √(800/3) = 1.2247…
    assert ranks.loc["a2", "t_数学"] == approx(50 - 200 / MATH_STD)  # 50 + 10 × (50 − 70) / std
    assert ranks.loc["a1", "z_total"] == approx((180 - TOTAL_MEAN) / TOTAL_STD)  # (100/3) / 24.94
    assert ranks.loc["b1", "t_total"] == approx(50 + 10 * (140 - TOTAL_MEAN) / TOTAL_STD)
    assert math.isnan(ranks.loc["a3", "z_数学"]) and math.isnan(ranks.loc["a3", "t_total"])
    assert ranks.loc["a3", "t_语文"] == approx(60.0)  # absent in 数学, still 90 in 语文


def test_a_student_not_counted_is_listed_but_left_out_of_everything():
    ranks = student_ranks(SCORES, EXAM).set_index("student")
    b2 = ranks.loc["b2"]
    assert not b2["counted"] and b2["total"] == 190.0  # 95 + 95, listed with the total
    for column in ("county_rank", "school_rank", "rank_语文", "z_语文", "t_total"):
        assert math.isnan(b2[column]), column
    assert ranks.loc["a1", "county_rank"] == 1  # 180 first: b2's 190 does not rank
    assert ranks.loc["b1", "school_rank"] == 1  # alone in B once b2 is left out
    county = unit_stats(SCORES, EXAM, "county")
    chinese = row(county, "语文")
    assert (chinese["enrolled"], chinese["sat"]) == (4, 4)  # b2 not in enrolled either
    assert chinese["mean"] == approx(80.0)  # (90 + 70 + 90 + 70) / 4, not 83 with b2's 95
    assert chinese["max"] == 90.0
    assert chinese["excellent_rate"] == approx(0.5)  # 90, 90 ≥ 85 of 4; b2's 95 not counted
    school_b = row(unit_stats(SCORES, EXAM, "school"), "语文", school="B")
    assert (school_b["enrolled"], school_b["mean"]) == (1, approx(70.0))


def test_unit_t_score():
    schools = unit_stats(SCORES, EXAM, "school")
    assert row(schools, "语文", school="A")["t_score"] == approx(50 + 10 / 3)  # 83.33: +3.33/10
    assert row(schools, "语文", school="B")["t_score"] == approx(40.0)  # 50 + 10 × (70 − 80)/10
    assert row(schools, "数学", school="A")["t_score"] == approx(50.0)  # (90 + 50) / 2 = 70
    # school A's total mean (180 + 120) / 2 = 150
    assert row(schools, TOTAL, school="A")["t_score"] == approx(
        50 + 10 * (150 - TOTAL_MEAN) / TOTAL_STD
    )
    county = unit_stats(SCORES, EXAM, "county")
    assert list(county["t_score"]) == [approx(50.0)] * 3  # the county against itself


def test_over_school_mean_rate_of_classes_and_teachers():
    classes = unit_stats(SCORES, EXAM, "class")
    # class A/1 语文 (90 + 70) / 2 = 80 against school A's (90 + 70 + 90) / 3 = 250/3
    assert row(classes, "语文", class_="1", school="A")["over_school_mean_rate"] == approx(-0.04)
    assert row(classes, "语文", class_="2")["over_school_mean_rate"] == approx(0.08)  # 20 / 250
    assert row(classes, "数学", class_="1", school="A")["over_school_mean_rate"] == approx(0.0)
    # the county 超均率 stays against the county: (80 − 80) / 80
    assert row(classes, "语文", class_="1", school="A")["over_mean_rate"] == approx(0.0)
    teachers = unit_stats(SCORES, EXAM, "teacher", assignments=ASSIGNMENTS)
    assert row(teachers, "语文", teacher="T1")["over_school_mean_rate"] == approx(0.0)  # all of A
    # T4: (90 + 70 + 70) / 3 = 230/3 against A and B pooled, 80: (230/3 − 80) / 80 = −1/24
    assert row(teachers, "语文", teacher="T4")["over_school_mean_rate"] == approx(-1 / 24)
    for level in ("county", "school"):
        assert unit_stats(SCORES, EXAM, level)["over_school_mean_rate"].isna().all()


@pytest.mark.parametrize("rate_base", ["sat", "enrolled"])
def test_all_pass_and_all_excellent_rates_on_total_rows(rate_base):
    exam = ExamSpec([CHINESE, MATH], rate_base=rate_base)
    county = unit_stats(SCORES, exam, "county")
    total = row(county, TOTAL)
    # sat every subject: a1 (90, 90), a2 (70, 50), b1 (70, 70); a3 lacks 数学, b2 not counted
    assert total["all_pass_rate"] == approx(2 / 3)  # a1, b1 ≥ 60 in both
    assert total["all_excellent_rate"] == approx(1 / 3)  # a1 ≥ 85 in both
    schools = unit_stats(SCORES, exam, "school")
    # A: a1 and a2 sat everything (a3 did not, and is not in the base even by enrolled)
    assert row(schools, TOTAL, school="A")["all_pass_rate"] == approx(0.5)  # a1 / 2
    assert row(schools, TOTAL, school="B")["all_excellent_rate"] == approx(0.0)  # b1 70 < 85
    classes = unit_stats(SCORES, exam, "class")
    assert math.isnan(row(classes, TOTAL, class_="2")["all_pass_rate"])  # nobody sat all
    assert county.loc[county["subject"] != TOTAL, "all_pass_rate"].isna().all()


TIES = pd.DataFrame(
    [
        ("p", "A", "1", 90.0),
        ("q", "B", "1", 80.0),
        ("r", "C", "1", 80.0),
        ("s", "D", "1", 70.0),
        ("u", "A", "1", 80.0),
    ],
    columns=["student", "school", "class_", "数学"],
)


@pytest.mark.parametrize(
    ("method", "county", "schools"),
    [
        # 90, 80, 80, 80, 70: competition 1, 2, 2, 2, 5; dense 1, 2, 2, 2, 3
        ("competition", [1, 2, 2, 5, 2], [1, 2, 2, 4]),
        ("dense", [1, 2, 2, 3, 2], [1, 2, 2, 3]),
    ],
)
def test_rank_methods_for_students_and_units(method, county, schools):
    exam = ExamSpec([MATH], rank_method=method)
    ranks = student_ranks(TIES, exam)
    assert list(ranks["rank_数学"]) == county
    assert list(ranks["county_rank"]) == county  # one subject: the total is the score
    # composites by school: A (90, 80): 100 × (0.4 × 0.85 + 0.3 × 0.5 + 0.3) = 79;
    # B, C (80): 100 × (0.4 × 0.8 + 0.3) = 62; D (70): 100 × (0.28 + 0.3) = 58
    stats = unit_stats(TIES, exam, "school")
    by_school = stats[stats["subject"] == "数学"].set_index("school")["rank"]
    assert [by_school[s] for s in "ABCD"] == schools


def test_value_added_leaves_out_students_not_counted_in_either_exam():
    baseline = SCORES.assign(counted=[True, True, True, False, True])  # b1 not counted before
    added = value_added(SCORES, baseline, EXAM, EXAM, "county")
    # matched 语文: a1, a2, a3 (b1 not counted before, b2 not counted now)
    assert row(added, "语文")["matched"] == 3


def test_compute_all_carries_the_new_columns():
    results = compute_all(SCORES, EXAM, ASSIGNMENTS)
    assert results.county_means["语文"] == approx(80.0)  # b2 left out
    assert not results.students.set_index("student").loc["b2", "counted"]
    with pytest.raises(ValueError, match="rank_method"):
        ExamSpec([MATH], rank_method="olympic")
