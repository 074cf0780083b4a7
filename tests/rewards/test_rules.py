"""The pure reward and evaluation rules (rewards.rules), with hand-computed answers."""

import pytest

from rewards import rules
from rewards.rules import Award, TargetRow, TeacherResult, Unit


def school(code, composite, *, sat=50, enrolled=50, **values):
    return Unit(
        key=code,
        label=f"学校{code}",
        school=code,
        school_name=f"学校{code}",
        subject="total",
        sat=sat,
        enrolled=enrolled,
        values={"composite": composite, **values},
    )


def test_competition_ranks_share_the_best_number():
    assert rules.competition_ranks([90, 80, 80, 70]) == [1, 2, 2, 4]
    assert rules.competition_ranks([90, 80, 80, 70], descending=False) == [4, 2, 2, 1]


def test_top_k_ties_share_the_higher_tier():
    units = [school("A", 60), school("B", 55.57), school("C", 55.57), school("D", 50)]
    award = Award(name="质量奖", rule="top_k", amounts={1: 5000, 2: 3000, 3: 2000})
    lines = rules.top_k(units, award)
    # ranks 1, 2, 2, 4: B and C share rank 2 (3000 each); D is 4th > k = 3
    assert [(x.key, x.rank, x.amount) for x in lines] == [
        ("A", 1, 5000),
        ("B", 2, 3000),
        ("C", 2, 3000),
    ]
    assert lines[1].reason == "综合指数第2名（55.57）"


def test_top_k_flat_amount_cap_and_tiers_from_a_rank():
    units = [school(c, v) for c, v in [("A", 9), ("B", 8), ("C", 7), ("D", 6), ("E", 5)]]
    award = Award(name="x", rule="top_k", k=4, amounts={1: 5000, 2: 3000, 4: 1000}, cap=4000)
    # rank 1: 5000 capped at 4000; ranks 2–3: tier 2 (3000); rank 4: tier 4 (1000)
    assert [x.amount for x in rules.top_k(units, award)] == [4000, 3000, 3000, 1000]
    flat = Award(name="x", rule="top_k", k=2, amount=800)
    assert [x.amount for x in rules.top_k(units, flat)] == [800, 800]


def test_participation_eligibility_takes_no_place():
    # A keeps a third of its students home (30 / 45 = 0.667 < 0.95): not ranked at all,
    # so B becomes first and C second.
    units = [school("A", 70, sat=30, enrolled=45), school("B", 60), school("C", 50, sat=48)]
    award = Award(name="x", rule="top_k", amounts={1: 1000, 2: 500}, min_participation=0.95)
    lines = rules.top_k(units, award)
    assert [(x.key, x.rank, x.amount) for x in lines] == [("B", 1, 1000), ("C", 2, 500)]
    # min_sat 31 drops A (30 sat); exclude drops B; C (48 sat) is first
    award = Award(name="x", rule="top_k", k=3, amount=1, min_sat=31, exclude=frozenset({"B"}))
    assert [(x.key, x.rank) for x in rules.top_k(units, award)] == [("C", 1)]


def test_threshold_and_value_added_needs_15_matched():
    units = [
        school("A", 70, excellent_rate=0.42),
        school("B", 60, excellent_rate=0.40),
        school("C", 50, excellent_rate=0.39),
    ]
    award = Award(name="x", rule="threshold", metric="excellent_rate", value=0.4, amount=600)
    lines = rules.threshold(units, award)
    assert [(x.key, x.amount) for x in lines] == [("A", 600), ("B", 600)]
    assert lines[0].reason == "优秀率42.0%，达到40.0%"
    va = [school("A", 1, value_added=0.3, matched=14), school("B", 1, value_added=0.2, matched=15)]
    award = Award(name="x", rule="threshold", metric="value_added", value=0.1, amount=1)
    assert [x.key for x in rules.threshold(va, award)] == ["B"]  # A has only 14 matched


def test_progress_ranks_among_the_same_set():
    # Baseline: A 90, B 80, C 70, D 60, E 50 (E not in the current exam).
    base = [school(c, v) for c, v in [("A", 90), ("B", 80), ("C", 70), ("D", 60), ("E", 50)]]
    # Now: D 95, C 85, A 75, B 65, F 99 (F not in the baseline).
    now = [school(c, v) for c, v in [("D", 95), ("C", 85), ("A", 75), ("B", 65), ("F", 99)]]
    award = Award(name="进步奖", rule="progress", k=2, amount=1000)
    lines = rules.progress(now, base, award)
    # Common set A B C D. Baseline ranks A1 B2 C3 D4; now D1 C2 A3 B4: D rose 3, C rose 1.
    assert [(x.key, x.rank, x.amount) for x in lines] == [("D", 1, 1000)]
    assert lines[0].reason == "综合指数名次由第4名升至第1名（进步3名）"


def test_per_student_capped_and_target_attained():
    rows = [
        TargetRow("A", "甲校", quota=20, actual=32, attainment=1.6),
        TargetRow("B", "乙校", quota=10, actual=10, attainment=1.0),
        TargetRow("C", "丙校", quota=15, actual=16, attainment=16 / 15),
        TargetRow("D", "丁校", quota=15, actual=12, attainment=0.8),
    ]
    award = Award(name="x", rule="per_student", per_student=200, cap=2000)
    lines = rules.per_student(rows, award)
    # A: 12 × 200 = 2400 → capped 2000; C: 1 × 200 = 200; B equals its quota: nothing
    assert [(x.key, x.amount) for x in lines] == [("A", 2000), ("C", 200)]
    assert lines[0].reason == "超出目标 12 人 × 200 元，封顶 2000 元"
    assert lines[1].reason == "超出目标 1 人 × 200 元"
    attained = rules.target_attained(rows, Award(name="y", rule="target_attained", amount=3000))
    assert [x.key for x in attained] == ["A", "B", "C"]  # attainment ≥ 1


def test_largest_remainder_scales_to_the_exact_budget():
    # 5000 + 3000 + 3000 = 11000 over a 10000 budget: shares 4545.45, 2727.27, 2727.27;
    # floors 4545 + 2727 + 2727 = 9999; the one yuan left goes to the largest fraction (.45)
    assert rules.scale_to_budget([5000, 3000, 3000], 10000) == [4546, 2727, 2727]
    # Equal fractions: 3 × 1000 into 1000 = 333.33 each; 1 left goes to the first one
    assert rules.scale_to_budget([1000, 1000, 1000], 1000) == [334, 333, 333]
    # Under budget: unchanged
    assert rules.scale_to_budget([100, 200], 1000) == [100, 200]
    # Tie in fraction broken by the larger weight: 300·7/10 = 2.1, 300·3/10 = 0.9... use
    # weights 3 and 1 into 2: shares 1.5 and 0.5, floors 1 + 0; the seat goes to .5 of the
    # larger weight (first).
    assert rules.largest_remainder([1, 3], 2) == [0, 2]


def teacher(t, school, composite, *, sat=40, subject="数学", exam="E1", backbone=False, **kw):
    return TeacherResult(
        teacher=t,
        teacher_name=f"教师{t}",
        school=school,
        school_name=f"学校{school}",
        exam=exam,
        exam_name="期中",
        grade=9,
        subject=subject,
        sat=sat,
        composite=composite,
        backbone=backbone,
        **kw,
    )


@pytest.mark.parametrize(
    "composites, expected",
    [
        ([80], []),  # m = 1: nobody
        ([80, 70], ["T2"]),  # m = 2: ⌈2/2⌉ = 1, rank 2 > 1
        ([80, 80], []),  # m = 2 tied: both rank 1
        ([80, 70, 60], ["T3"]),  # m = 3: ⌈3/2⌉ = 2, rank 3
        ([80, 70, 70], []),  # m = 3 ranks 1 2 2: nobody above 2
        ([80, 70, 70, 60], ["T4"]),  # m = 4 ranks 1 2 2 4: only rank 4 > 2
        ([80, 70, 60, 60], ["T3", "T4"]),  # m = 4 ranks 1 2 3 3
        ([80, 70, 60, 50, 40], ["T4", "T5"]),  # m = 5: ⌈5/2⌉ = 3, ranks 4, 5
        ([80, 70, 60, 60, 40], ["T5"]),  # m = 5 ranks 1 2 3 3 5: only 5 > 3
    ],
)
def test_bottom_half_for_m_1_to_5(composites, expected):
    results = [teacher(f"T{i + 1}", "S1", c) for i, c in enumerate(composites)]
    # A teacher who sat nobody and one of another school never count in this group
    results += [teacher("T9", "S1", 10, sat=0), teacher("T8", "S2", 1)]
    listed = rules.bottom_half(results)
    assert [x.teacher for x in listed] == expected
    for x in listed:
        assert x.of == len(composites)


def test_backbone_review_keeps_backbone_teachers_of_the_bottom_half():
    listed = rules.bottom_half(
        [teacher("T1", "S1", 80), teacher("T2", "S1", 70, backbone=True), teacher("T3", "S1", 60)]
    )
    # m = 3: only T3 (rank 3) is in the bottom half; T2 is a backbone teacher but rank 2
    assert [x.teacher for x in rules.backbone_review(listed)] == []
    listed = rules.bottom_half([teacher("T1", "S1", 80), teacher("T2", "S1", 70, backbone=True)])
    assert [x.teacher for x in rules.backbone_review(listed)] == ["T2"]


def test_far_below_peers():
    county = {("E1", "数学"): rules.CountyFigures(mean=70, full_marks=100)}
    results = [teacher(f"T{i}", "S1", 90 - i, mean=70.0) for i in range(1, 10)]
    results.append(teacher("T10", "S2", 20, mean=59.0, value_added=-0.2))  # 11 below, va < 0
    results.append(teacher("T11", "S2", 20, mean=60.0, value_added=0.1))  # value-added ≥ 0
    # n = 11, p = 10 %: ⌈1.1⌉ = 2 lowest (T10 and T11 tie at 20); T10 is 11 ≥ 10 below
    listed = rules.far_below(results, county, p=10, d=0.10)
    assert [(x.teacher, x.rank, x.of) for x in listed] == [("T10", 10, 11)]


def test_last_place_in_two_consecutive_exams():
    exams = [
        rules.ExamRef("E1", "一", 9, 1),
        rules.ExamRef("E2", "二", 9, 2),
        rules.ExamRef("E3", "三", 9, 3),
    ]

    def res(values):
        return [rules.SchoolResult(s, s, "junior", "初中", 10, v) for s, v in values.items()]

    results = {
        "E1": res({"A": 50, "B": 40, "C": 30}),
        "E2": res({"A": 50, "B": 30, "C": 30}),  # B and C tie last
        "E3": res({"A": 50, "B": 20, "C": 40}),
    }
    warned = rules.last_place_warnings(exams, results, n=2, k=1)
    # E2 run (E1, E2): C last both times; E3 run (E2, E3): B last in both (tied in E2)
    assert [(x.school, x.exam, x.rank, x.of) for x in warned] == [
        ("C", "E2", 2, 3),
        ("B", "E3", 3, 3),
    ]


def test_classify_by_percentile():
    # 5 schools: percentiles 0, .25, .5, .75, 1
    got = rules.classify({"A": 1, "B": 2, "C": 3, "D": 4, "E": 5})
    assert {k: v[0] for k, v in got.items()} == {"A": "D", "B": "C", "C": "B", "D": "A", "E": "A"}
