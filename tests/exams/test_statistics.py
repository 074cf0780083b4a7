"""The statistics engine against numbers worked out by hand (SPEC §1)."""

import math

import numpy as np
import pandas as pd
import pytest

from exams.engine.statistics import (
    BAND_COLUMNS,
    STAT_COLUMNS,
    TOTAL,
    ExamSpec,
    SubjectSpec,
    Weights,
    compute_all,
    county_means,
    max_gap,
    score_bands,
    stats_to_records,
    student_ranks,
    unit_stats,
    value_added,
)

NaN = math.nan
MATH = SubjectSpec("数学", 100)
CHINESE = SubjectSpec("语文", 120)


def frame(rows: list[tuple], subjects: list[str]) -> pd.DataFrame:
    """Rows of (student, school, class_, score, score, …) in the order of `subjects`."""
    return pd.DataFrame(rows, columns=["student", "school", "class_", *subjects])


def row(df: pd.DataFrame, subject: str = "数学", **keys: str) -> pd.Series:
    mask = df["subject"] == subject
    for column, value in keys.items():
        mask &= df[column] == value
    (index,) = np.flatnonzero(mask.to_numpy())
    return df.iloc[index]


def approx(value: float) -> object:
    return pytest.approx(value, rel=1e-12, abs=1e-12)


# --- one subject, one class ---------------------------------------------------------------

TINY = frame(
    [
        ("s1", "A", "1", 85.0),
        ("s2", "A", "1", 84.99),
        ("s3", "A", "1", 60.0),
        ("s4", "A", "1", 0.0),
        ("s5", "A", "1", NaN),
    ],
    ["数学"],
)


@pytest.mark.parametrize("level", ["county", "school", "class"])
def test_tiny_exam(level):
    stats = unit_stats(TINY, ExamSpec([MATH]), level)
    r = row(stats)
    assert list(stats.columns[-len(STAT_COLUMNS) :]) == STAT_COLUMNS
    assert (r["enrolled"], r["sat"], r["absent"]) == (5, 4, 1)
    assert r["participation"] == approx(0.8)  # 4 / 5
    assert r["mean"] == approx(57.4975)  # (85 + 84.99 + 60 + 0) / 4 = 229.99 / 4
    assert r["mean_rate"] == approx(0.574975)  # 57.4975 / 100
    assert r["median"] == approx(72.495)  # (60 + 84.99) / 2
    assert (r["max"], r["min"]) == (85.0, 0.0)
    # Σx² = 7225 + 7223.3001 + 3600 + 0 = 18048.3001; /4 = 4512.075025; − 57.4975² (3305.96250625)
    # = 1206.11251875; √ = 34.729131…
    assert r["std"] == approx(math.sqrt(1206.11251875))
    assert r["excellent_rate"] == approx(0.25)  # 85 ≥ 85 counts, 84.99 does not: 1 / 4
    assert r["good_rate"] == approx(0.5)  # 85, 84.99 ≥ 75: 2 / 4
    assert r["pass_rate"] == approx(0.75)  # 85, 84.99, 60 (at the line) ≥ 60: 3 / 4
    assert r["low_rate"] == approx(0.25)  # 0 < 40: 1 / 4
    assert r["over_mean_rate"] == 0.0  # the only unit is the county
    # 100 × (0.4 × 0.574975 + 0.3 × 0.25 + 0.3 × 0.75 − 0.1 × 0.25) = 22.999 + 7.5 + 22.5 − 2.5
    assert r["composite"] == approx(50.499)
    assert r["rank"] == 1


def test_rate_base_enrolled_divides_by_the_listed_students():
    stats = unit_stats(TINY, ExamSpec([MATH], rate_base="enrolled"), "school")
    r = row(stats, school="A")
    assert r["excellent_rate"] == approx(0.2)  # 1 / 5
    assert r["good_rate"] == approx(0.4)  # 2 / 5
    assert r["pass_rate"] == approx(0.6)  # 3 / 5
    assert r["low_rate"] == approx(0.2)  # 1 / 5
    assert r["mean"] == approx(57.4975)  # the mean still divides by sat
    # 100 × (0.4 × 0.574975 + 0.3 × 0.2 + 0.3 × 0.6 − 0.1 × 0.2) = 22.999 + 6 + 18 − 2
    assert r["composite"] == approx(44.999)


def test_a_score_at_the_low_line_is_not_low():
    scores = frame([("a", "A", "1", 40.0), ("b", "A", "1", 39.99)], ["数学"])
    r = row(unit_stats(scores, ExamSpec([MATH]), "county"))
    assert r["low_rate"] == approx(0.5)  # 39.99 < 40, 40 is not: 1 / 2
    assert r["pass_rate"] == 0.0


def test_lines_follow_the_subjects_fractions():
    spec = SubjectSpec("数学", 120, excellent=0.9, pass_=0.5)
    assert spec.lines == (108.0, 90.0, 60.0, 48.0)  # 0.9, 0.75, 0.5, 0.4 × 120
    scores = frame([("a", "A", "1", 108.0), ("b", "A", "1", 107.5)], ["数学"])
    r = row(unit_stats(scores, ExamSpec([spec]), "county"))
    assert r["excellent_rate"] == approx(0.5)  # 108 ≥ 108; 107.5 not


def test_a_line_that_floats_badly_still_catches_the_score_on_it():
    # 0.7 × 110 is 77.00000000000001 in floats; the line is 77 and 77 is good.
    spec = SubjectSpec("数学", 110, good=0.7)
    assert spec.line(0.7) == 77.0
    scores = frame([("a", "A", "1", 77.0)], ["数学"])
    assert row(unit_stats(scores, ExamSpec([spec]), "county"))["good_rate"] == 1.0


# --- two schools, two subjects, the total --------------------------------------------------

TWO = frame(
    [
        ("a1", "A", "1", 110.0, 90.0),  # total 200
        ("a2", "A", "1", 102.0, 85.0),  # total 187, exactly the total's excellent line
        ("a3", "A", "1", 60.0, NaN),  # absent in 数学: no total
        ("b1", "B", "1", 72.0, 40.0),  # total 112
        ("b2", "B", "1", 47.99, 100.0),  # total 147.99
    ],
    ["语文", "数学"],
)
TWO_EXAM = ExamSpec([CHINESE, MATH])


def test_total_counts_only_students_who_sat_every_subject():
    stats = unit_stats(TWO, TWO_EXAM, "school")
    a = row(stats, TOTAL, school="A")
    assert (a["enrolled"], a["sat"], a["absent"]) == (3, 2, 1)
    assert a["mean"] == approx(193.5)  # (200 + 187) / 2
    assert a["mean_rate"] == approx(193.5 / 220)  # F_total = 120 + 100
    assert a["excellent_rate"] == 1.0  # lines 187 / 165 / 132 / 88: 200 and 187 ≥ 187
    assert a["pass_rate"] == 1.0
    b = row(stats, TOTAL, school="B")
    assert b["mean"] == approx(129.995)  # (112 + 147.99) / 2
    assert b["excellent_rate"] == 0.0
    assert b["good_rate"] == 0.0  # 147.99 < 165
    assert b["pass_rate"] == approx(0.5)  # 147.99 ≥ 132, 112 not
    assert b["low_rate"] == 0.0  # 112 ≥ 88
    assert TWO_EXAM.total.lines == (187.0, 165.0, 132.0, 88.0)


def test_subject_rows_of_two_schools():
    stats = unit_stats(TWO, TWO_EXAM, "school")
    a = row(stats, "语文", school="A")
    assert a["mean"] == approx(272 / 3)  # (110 + 102 + 60) / 3
    assert a["excellent_rate"] == approx(2 / 3)  # 110 and 102 (= 0.85 × 120) ≥ 102
    assert a["pass_rate"] == approx(2 / 3)  # 60 < 72
    b = row(stats, "语文", school="B")
    assert b["pass_rate"] == approx(0.5)  # 72 = 0.6 × 120 counts
    assert b["low_rate"] == approx(0.5)  # 47.99 < 48
    math_a = row(stats, "数学", school="A")
    assert (math_a["enrolled"], math_a["sat"], math_a["absent"]) == (3, 2, 1)
    assert math_a["excellent_rate"] == 1.0  # 90, 85 ≥ 85


def test_over_mean_rate():
    stats = unit_stats(TWO, TWO_EXAM, "school")
    # county 语文: (110 + 102 + 60 + 72 + 47.99) / 5 = 391.99 / 5 = 78.398
    expected = (272 / 3 - 78.398) / 78.398
    assert row(stats, "语文", school="A")["over_mean_rate"] == approx(expected)
    # county total: (200 + 187 + 112 + 147.99) / 4 = 161.7475; A: 193.5
    expected = (193.5 - 161.7475) / 161.7475
    assert row(stats, TOTAL, school="A")["over_mean_rate"] == approx(expected)
    assert county_means(TWO, TWO_EXAM)["语文"] == approx(78.398)


def test_over_mean_rate_against_given_county_means():
    only_a = TWO[TWO["school"] == "A"]
    stats = unit_stats(only_a, TWO_EXAM, "school", county_means={"语文": 80.0, "数学": 90.0})
    assert row(stats, "语文", school="A")["over_mean_rate"] == approx((272 / 3 - 80) / 80)
    assert math.isnan(row(stats, TOTAL, school="A")["over_mean_rate"])  # no mean given


def test_total_lines_use_shared_fractions_or_the_defaults():
    shared = ExamSpec(
        [SubjectSpec("甲", 100, 0.9, 0.8, 0.7, 0.3), SubjectSpec("乙", 50, 0.9, 0.8, 0.7, 0.3)]
    )
    assert shared.total.lines == (135.0, 120.0, 105.0, 45.0)  # 0.9, 0.8, 0.7, 0.3 × 150
    mixed = ExamSpec([SubjectSpec("甲", 100, 0.9), SubjectSpec("乙", 50)])
    assert mixed.total.lines == (127.5, 112.5, 90.0, 60.0)  # 0.85, 0.75, 0.6, 0.4 × 150


# --- ranks -----------------------------------------------------------------------------------

MEAN_ONLY = Weights(a=1, b=0, c=0, d=0)  # composite = 100 × mean_rate = the mean when F = 100


def test_competition_ranks_share_the_lowest_number_and_skip():
    scores = frame(
        [
            ("x", "X", "1", 80.0),
            ("y1", "Y", "1", 70.0),
            ("y2", "Y", "1", 90.0),  # Y: (70 + 90) / 2 = 80, tied with X
            ("z", "Z", "1", 70.0),
            ("w", "W", "1", NaN),  # nobody sat in W
        ],
        ["数学"],
    )
    stats = unit_stats(scores, ExamSpec([MATH], weights=MEAN_ONLY), "school")
    ranks = {r.school: r.rank for r in stats[stats["subject"] == "数学"].itertuples()}
    assert ranks["X"] == 1 and ranks["Y"] == 1 and ranks["Z"] == 3
    assert math.isnan(ranks["W"])
    w = row(stats, school="W")
    assert (w["enrolled"], w["sat"], w["absent"]) == (1, 0, 1)
    assert all(math.isnan(w[c]) for c in ("mean", "median", "std", "excellent_rate", "composite"))


def test_equal_composites_tie_despite_float_noise():
    # 0.1 + 0.2 + 0.7 = 1.0000000000000002 but 0.7 + 0.2 + 0.1 = 0.9999999999999999
    scores = frame(
        [("p1", "P", "1", 0.1), ("p2", "P", "1", 0.2), ("p3", "P", "1", 0.7)]
        + [("q1", "Q", "1", 0.7), ("q2", "Q", "1", 0.2), ("q3", "Q", "1", 0.1)],
        ["数学"],
    )
    stats = unit_stats(scores, ExamSpec([MATH]), "school")
    assert list(stats.loc[stats["subject"] == "数学", "rank"]) == [1, 1]


def test_empty_school_with_rate_base_enrolled_has_zero_rates_but_no_composite():
    scores = frame([("a", "A", "1", 50.0), ("b", "B", "1", NaN)], ["数学"])
    stats = unit_stats(scores, ExamSpec([MATH], rate_base="enrolled"), "school")
    b = row(stats, school="B")
    assert b["excellent_rate"] == 0.0  # 0 / 1 enrolled
    assert math.isnan(b["composite"]) and math.isnan(b["rank"])


def test_student_ranks_1224_in_county_and_school():
    scores = frame(
        [
            ("a1", "A", "1", 90.0, 0.0),  # total 90
            ("a2", "A", "1", 80.0, 0.0),  # 80
            ("a3", "A", "2", 40.0, 40.0),  # 80
            ("a4", "A", "2", 70.0, 0.0),  # 70
            ("b1", "B", "1", 85.0, 0.0),  # 85
            ("b2", "B", "1", 99.0, NaN),  # no total
        ],
        ["语文", "数学"],
    )
    ranks = student_ranks(scores, ExamSpec([CHINESE, MATH])).set_index("student")
    assert list(ranks.columns) == [
        "school",
        "class_",
        "counted",
        "total",
        "county_rank",
        "school_rank",
        "rank_语文",
        "school_rank_语文",
        "rank_数学",
        "school_rank_数学",
        "z_语文",
        "t_语文",
        "z_数学",
        "t_数学",
        "z_total",
        "t_total",
    ]
    # totals 90, 85, 80, 80, 70 → 1, 2, 3, 3, 5
    assert ranks["county_rank"].to_dict() == {
        "a1": 1,
        "a2": 3,
        "a3": 3,
        "a4": 5,
        "b1": 2,
        "b2": pytest.approx(NaN, nan_ok=True),
    }
    # in A: 90, 80, 80, 70 → 1, 2, 2, 4
    assert list(ranks.loc[["a1", "a2", "a3", "a4"], "school_rank"]) == [1, 2, 2, 4]
    assert ranks.loc["b1", "school_rank"] == 1
    # 语文: 99, 90, 85, 80, 70, 40
    assert list(ranks["rank_语文"]) == [2, 4, 6, 5, 3, 1]
    # 数学: 40 first, then five 0s (b2 absent) → 1, 2, 2, 2, 2
    assert list(ranks["rank_数学"].iloc[:5]) == [2, 2, 1, 2, 2]
    assert math.isnan(ranks.loc["b2", "rank_数学"])
    assert list(ranks["school_rank_数学"].iloc[:5]) == [2, 2, 1, 2, 1]


# --- teachers ----------------------------------------------------------------------------------

CLASSES = frame(
    [
        ("c1", "A", "1", 100.0, 90.0),
        ("c2", "A", "1", 80.0, 70.0),
        ("d1", "A", "2", 60.0, 50.0),
        ("d2", "A", "2", 40.0, NaN),
    ],
    ["语文", "数学"],
)
ASSIGNMENTS = pd.DataFrame(
    [
        ("T1", "A", "1", "数学"),
        ("T1", "A", "2", "数学"),  # T1 teaches 数学 in both classes
        ("T1", "A", "2", "数学"),  # listed twice: counted once
        ("T2", "A", "1", "语文"),  # class 1 has T2 in 语文 and T1 in 数学
        ("T4", "A", "1", "语文"),  # shares class 1 语文 with T2
        ("T3", "A", "2", "语文"),
        ("T3", "A", "2", "英语"),  # not a subject of this exam
        ("T5", "A", "9", "语文"),  # a class with nobody listed
    ],
    columns=["teacher", "school", "class_", "subject"],
)


def test_teacher_pools_all_classes_and_has_no_total():
    stats = unit_stats(CLASSES, ExamSpec([CHINESE, MATH]), "teacher", assignments=ASSIGNMENTS)
    assert TOTAL not in set(stats["subject"])
    assert list(stats.columns[:2]) == ["teacher", "subject"]
    t1 = row(stats, "数学", teacher="T1")
    assert (t1["enrolled"], t1["sat"], t1["absent"]) == (4, 3, 1)
    assert t1["mean"] == approx(70.0)  # (90 + 70 + 50) / 3
    t2 = row(stats, "语文", teacher="T2")
    assert (t2["enrolled"], t2["mean"]) == (2, approx(90.0))  # (100 + 80) / 2
    t4 = row(stats, "语文", teacher="T4")
    assert t4["mean"] == approx(90.0)  # the same students as T2
    assert row(stats, "语文", teacher="T3")["mean"] == approx(50.0)  # (60 + 40) / 2
    assert set(stats["teacher"]) == {"T1", "T2", "T3", "T4"}
    # 语文 composites: T2 = T4 (same students) ahead of T3
    ranks = stats[stats["subject"] == "语文"].set_index("teacher")["rank"].to_dict()
    assert ranks == {"T2": 1, "T3": 3, "T4": 1}


def test_teacher_level_needs_assignments():
    with pytest.raises(ValueError, match="assignments"):
        unit_stats(CLASSES, ExamSpec([CHINESE, MATH]), "teacher")


# --- score bands ---------------------------------------------------------------------------------


def test_score_bands_edges():
    scores = frame(
        [
            ("a", "A", "1", 0.0, 0.0),  # band 0
            ("b", "A", "1", 9.99, 4.6),  # 9.99 < 0.1F: band 0; 4.6 = 0.2 × 23: band 2
            ("c", "A", "1", 10.0, 23.0),  # exactly 0.1F: band 1; 23 = F: band 9
            ("d", "A", "1", 30.0, 20.7),  # 0.3F: band 3; 20.7 = 0.9 × 23: band 9
            ("e", "A", "1", 89.99, NaN),  # band 8; absent: not counted
            ("f", "A", "1", 90.0, 20.69),  # band 9; 20.69 < 20.7: band 8
            ("g", "A", "1", 100.0, NaN),  # F itself: band 9
        ],
        ["数学", "其他"],
    )
    exam = ExamSpec([MATH, SubjectSpec("其他", 23)])
    bands = score_bands(scores, exam, "class")
    assert list(bands.columns) == ["school", "class_", "subject", *BAND_COLUMNS]
    assert list(row(bands)[BAND_COLUMNS]) == [2, 1, 0, 1, 0, 0, 0, 0, 1, 2]
    assert list(row(bands, "其他")[BAND_COLUMNS]) == [1, 0, 1, 0, 0, 0, 0, 0, 1, 2]
    # totals (F = 123) of a, b, c, d, f: 0, 14.59, 33, 50.7, 110.69 → bands 0, 1, 2, 4, 8
    assert list(row(bands, TOTAL)[BAND_COLUMNS]) == [1, 1, 1, 0, 1, 0, 0, 0, 1, 0]


# --- max gap ---------------------------------------------------------------------------------------


def test_max_gap_by_stage():
    schools = pd.DataFrame(
        {
            "school": ["A", "B", "C", "D", "E", "F"],
            "mean": [80.0, 60.0, NaN, 90.0, 90.0, 70.5],
            "sat": [10, 12, 0, 5, 7, 9],
            "stage": ["junior", "junior", "junior", "primary", "primary", "primary"],
        }
    )
    gaps = max_gap(schools, "stage")
    assert gaps["junior"]["max_gap"] == approx(20.0)  # 80 − 60; C (sat 0) left out
    assert (gaps["junior"]["highest"], gaps["junior"]["lowest"]) == ("A", "B")
    assert gaps["junior"]["schools"] == 2
    assert gaps["primary"]["max_gap"] == approx(19.5)  # 90 − 70.5
    assert gaps["primary"]["highest"] == "D"  # D and E tie at 90: the smaller code
    by_mapping = max_gap(schools.drop(columns="stage"), {"A": "x", "B": "x", "D": "y"})
    assert by_mapping["x"]["max_gap"] == approx(20.0)
    assert by_mapping["y"]["max_gap"] == 0.0
    whole = max_gap(schools)
    assert whole["max_gap"] == approx(30.0)  # 90 − 60
    assert (whole["highest"], whole["lowest"]) == ("D", "B")
    assert max_gap(schools[schools["sat"] == 0])["max_gap"] is None


# --- value-added -------------------------------------------------------------------------------------


def test_value_added_by_hand():
    # baseline 60, 70, 80, 90 and g 75 (not in the current exam): mean 75,
    # Σ(x − 75)² = 225 + 25 + 25 + 225 + 0 = 500, std √(500 / 5) = 10 → z −1.5, −0.5, 0.5, 1.5
    baseline = frame(
        [
            ("a", "P", "1", 60.0),
            ("b", "P", "1", 70.0),
            ("c", "P", "1", 80.0),
            ("d", "P", "1", 90.0),
            ("g", "P", "1", 75.0),
        ],
        ["数学"],
    )
    # now a, b in X, c, d in Y: 60, 90, 70, 80 (mean 75, std √125); e absent
    current = frame(
        [
            ("a", "X", "1", 60.0),
            ("b", "X", "1", 90.0),
            ("c", "Y", "1", 70.0),
            ("d", "Y", "1", 80.0),
            ("e", "Y", "1", NaN),
        ],
        ["数学"],
    )
    exam = ExamSpec([MATH])
    result = value_added(current, baseline, exam, exam, "school")
    assert list(result.columns) == ["school", "subject", "matched", "value_added", "small_sample"]
    # gains: a −15/√125 + 1.5, b 15/√125 + 0.5; X: (0 + 2) / 2 = 1
    x = row(result, school="X")
    assert (x["matched"], x["value_added"], x["small_sample"]) == (2, approx(1.0), True)
    # c −5/√125 − 0.5, d 5/√125 − 1.5; Y: (0 − 2) / 2 = −1 (e is not matched)
    assert row(result, school="Y")["value_added"] == approx(-1.0)
    county = row(value_added(current, baseline, exam, exam, "county"))
    assert county["matched"] == 4 and county["value_added"] == approx(0.0)
    assert row(result, TOTAL, school="X")["value_added"] == approx(1.0)  # one subject: same


def test_value_added_small_sample_flag_and_flat_exams():
    students = [(f"s{i:02d}", "A", "1", float(40 + i)) for i in range(15)]
    scores = frame(students, ["数学"])
    exam = ExamSpec([MATH])
    result = value_added(scores, scores, exam, exam, "class")
    r = row(result, school="A")
    assert (r["matched"], r["value_added"], r["small_sample"]) == (15, 0.0, False)
    flat = scores.assign(数学=50.0)  # std 0: z undefined, nobody matched
    r = row(value_added(flat, scores, exam, exam, "school"))
    assert r["matched"] == 0 and math.isnan(r["value_added"]) and r["small_sample"]


def test_value_added_only_for_common_subjects_and_teachers_without_total():
    exam = ExamSpec([CHINESE, MATH])
    baseline_exam = ExamSpec([MATH, SubjectSpec("英语", 100)])
    baseline = CLASSES.rename(columns={"语文": "英语"})
    result = value_added(CLASSES, baseline, exam, baseline_exam, "teacher", ASSIGNMENTS)
    assert set(result["subject"]) == {"数学"}
    assert set(result["teacher"]) == {"T1"}
    school = value_added(CLASSES, baseline, exam, baseline_exam, "school")
    assert list(school["subject"]) == ["数学", TOTAL]


# --- everything at once, and the API shape ------------------------------------------------------------


def test_compute_all_matches_the_single_functions():
    results = compute_all(CLASSES, ExamSpec([CHINESE, MATH]), ASSIGNMENTS)
    assert set(results.stats) == {"county", "school", "class", "teacher"}
    for level in ("county", "school", "class"):
        alone = unit_stats(CLASSES, ExamSpec([CHINESE, MATH]), level)
        pd.testing.assert_frame_equal(results.stats[level], alone)
        bands = score_bands(CLASSES, ExamSpec([CHINESE, MATH]), level)
        pd.testing.assert_frame_equal(results.bands[level], bands)
    assert results.value_added == {}
    without = compute_all(CLASSES, ExamSpec([CHINESE, MATH]))
    assert "teacher" not in without.stats
    with_baseline = compute_all(
        CLASSES,
        ExamSpec([CHINESE, MATH]),
        baseline_scores=CLASSES,
        baseline_exam=ExamSpec([CHINESE, MATH]),
    )
    assert set(with_baseline.value_added) == {"county", "school", "class"}


def test_county_rows_exist_without_students():
    empty = unit_stats(TINY.iloc[:0], ExamSpec([MATH]), "county")
    assert list(empty["subject"]) == ["数学", TOTAL]
    assert list(empty["enrolled"]) == [0, 0]
    assert empty["mean"].isna().all() and empty["rank"].isna().all()


def test_stats_to_records_rounds_and_turns_nan_into_none():
    stats = unit_stats(TINY, ExamSpec([MATH]), "school")
    (record,) = [r for r in stats_to_records(stats) if r["subject"] == "数学"]
    assert record["std"] == 34.729131  # 34.7291306… rounded to 6 decimals
    assert record["rank"] == 1 and isinstance(record["rank"], int)
    assert isinstance(record["sat"], int)
    ranks = stats_to_records(student_ranks(TINY, ExamSpec([MATH])))
    assert ranks[4]["total"] is None and ranks[4]["county_rank"] is None
    assert ranks[0]["rank_数学"] == 1 and isinstance(ranks[0]["rank_数学"], int)
    assert isinstance(ranks[0]["school_rank_数学"], int)
    assert ranks[1]["total"] == 84.99 and isinstance(ranks[1]["total"], float)
    bands = stats_to_records(score_bands(TINY, ExamSpec([MATH]), "county"))
    assert bands[0]["band_8"] == 2 and isinstance(bands[0]["band_8"], int)
    added = stats_to_records(value_added(TINY, TINY, ExamSpec([MATH]), ExamSpec([MATH]), "school"))
    assert added[0]["small_sample"] is True and added[0]["matched"] == 4


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="twice"):
        unit_stats(pd.concat([TINY, TINY]), ExamSpec([MATH]), "school")
    with pytest.raises(ValueError, match="columns"):
        unit_stats(TINY, ExamSpec([CHINESE]), "school")
    with pytest.raises(ValueError):
        ExamSpec([SubjectSpec(TOTAL, 100)])
    with pytest.raises(ValueError):
        ExamSpec([MATH], rate_base="listed")
    with pytest.raises(ValueError):
        unit_stats(TINY, ExamSpec([MATH]), "zone")
