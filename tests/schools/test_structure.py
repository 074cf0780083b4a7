"""Teacher structure and subject shortage, with hand-computed numbers."""

import pytest

from schools.models import Backbone, Education, Gender, Title
from schools.structure import (
    STANDARD_WEEKLY_LOAD,
    age_band,
    birth_years_for_band,
    structure_summary,
    subject_shortage,
    teacher_structure,
)

YEAR = 2025


def teacher(birth_year, gender, education, title, backbone="", certified=True):
    return {
        "birth_year": birth_year,
        "gender": gender,
        "education": education,
        "title": title,
        "backbone": backbone,
        "certified": certified,
    }


FIVE = [
    teacher(1995, "F", "bachelor", "second"),  # 30
    teacher(1990, "M", "postgraduate", "first", "rising"),  # 35
    teacher(1979, "F", "associate", "senior", "expert"),  # 46
    teacher(1969, "M", "secondary", "senior", certified=False),  # 56
    teacher(1980, "F", "bachelor", "professor", "master"),  # 45
]


def structure(teachers=FIVE):
    return teacher_structure(
        teachers,
        year=YEAR,
        genders=Gender.choices,
        educations=Education.choices,
        titles=Title.choices,
        backbones=Backbone.choices,
    )


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (22, "le30"),
        (30, "le30"),
        (31, "31_35"),
        (40, "36_40"),
        (45, "41_45"),
        (46, "46_50"),
        (55, "51_55"),
        (56, "gt55"),
        (63, "gt55"),
    ],
)
def test_age_band_edges(age, band):
    assert age_band(age) == band


def test_birth_years_for_band():
    # in 2025, ages 31–35 were born 1990–1994; ≤30 from 1995 on; >55 up to 1969
    assert birth_years_for_band("31_35", year=2025) == (1990, 1994)
    assert birth_years_for_band("le30", year=2025) == (1995, None)
    assert birth_years_for_band("gt55", year=2025) == (None, 1969)


def test_distributions_count_and_share():
    s = structure()
    assert s.total == 5
    # ages 30, 35, 46, 56, 45
    assert [(x.key, x.count) for x in s.age] == [
        ("le30", 1),
        ("31_35", 1),
        ("36_40", 0),
        ("41_45", 1),
        ("46_50", 1),
        ("51_55", 0),
        ("gt55", 1),
    ]
    assert s.age[0].share == pytest.approx(0.2)  # 1 / 5
    assert {x.key: x.count for x in s.gender} == {"M": 2, "F": 3}
    assert {x.key: x.count for x in s.education} == {
        "postgraduate": 1,
        "bachelor": 2,
        "associate": 1,
        "secondary": 1,
    }
    assert {x.key: x.count for x in s.title} == {
        "professor": 1,
        "senior": 2,
        "first": 1,
        "second": 1,
        "third": 0,
        "none": 0,
    }
    assert {x.key: x.count for x in s.backbone} == {
        "": 2,
        "master": 1,
        "leader": 0,
        "expert": 1,
        "rising": 1,
    }
    assert [(x.key, x.count) for x in s.certified] == [("yes", 4), ("no", 1)]
    assert s.older == 2  # 46 and 56; 45 is not "45岁以上"
    assert s.degree_share == pytest.approx(0.6)  # postgraduate 1 + bachelor 2 = 3 / 5
    assert s.senior_title_share == pytest.approx(0.6)  # professor 1 + senior 2 = 3 / 5
    assert s.backbone_share == pytest.approx(0.6)  # 3 / 5
    assert s.certified_share == pytest.approx(0.8)  # 4 / 5


def test_summary_sentence():
    assert structure_summary(structure(), scope="全县") == (
        "全县在岗教师5人，其中45岁以上的有2人，占40.0%；本科及以上学历3人，占60.0%；"
        "高级及以上职称3人，占60.0%；骨干教师3人，占60.0%；持证率80.0%。"
    )


def test_empty_structure():
    s = structure([])
    assert s.total == 0 and s.older_share is None
    assert all(x.share is None for x in s.age)
    assert structure_summary(s, scope="本校") == "本校暂无在岗教师。"


def test_subject_shortage_per_school_and_county():
    assert STANDARD_WEEKLY_LOAD == 14
    classes = {
        "A": {7: 2, 8: 2, 9: 1},  # junior
        "B": {1: 3, 3: 2},  # primary
    }
    teachers = {
        "A": {"语文": 1, "英语": 3, "物理": 1},
        "B": {"语文": 3, "体育": 1, "数学": 2},
    }
    rows, totals = subject_shortage(classes=classes, teachers=teachers)
    got = {(r.school, r.subject): (r.classes, r.periods, r.need, r.have, r.short) for r in rows}
    # A 语文: 5 classes × 5 = 25 periods, ⌈25/14⌉ = 2, have 1 → short 1
    assert got["A", "语文"] == (5, 25, 2, 1, 1)
    # A 英语: 5 × 4 = 20, ⌈20/14⌉ = 2, have 3 → surplus, short 0
    assert got["A", "英语"] == (5, 20, 2, 3, 0)
    # A 物理: grades 8–9 only, 3 × 3 = 9, ⌈9/14⌉ = 1, have 1
    assert got["A", "物理"] == (3, 9, 1, 1, 0)
    # A 化学: grade 9 only, 1 × 3 = 3 → 1, have 0
    assert got["A", "化学"] == (1, 3, 1, 0, 1)
    # A 地理: grades 7–8, 4 × 2 = 8 → 1, have 0
    assert got["A", "地理"] == (4, 8, 1, 0, 1)
    # B 语文: 5 × 7 = 35, ⌈35/14⌉ = 3, have 3
    assert got["B", "语文"] == (5, 35, 3, 3, 0)
    # B 英语: grades 3–6 only, 2 × 2 = 4 → 1, have 0
    assert got["B", "英语"] == (2, 4, 1, 0, 1)
    # B 体育: 5 × 4 = 20 → 2, have 1
    assert got["B", "体育"] == (5, 20, 2, 1, 1)
    # junior subjects are not required of primary classes, and the other way round
    assert ("B", "物理") not in got and ("A", "科学") not in got
    by_subject = {t.subject: (t.need, t.have, t.short) for t in totals}
    # 语文: need 2 + 3 = 5, have 1 + 3 = 4, short 1 + 0 = 1
    assert by_subject["语文"] == (5, 4, 1)
    # 英语: need 2 + 1 = 3, have 3 + 0 = 3, yet short 0 + 1 = 1: A's surplus does not teach at B
    assert by_subject["英语"] == (3, 3, 1)
    # A: 语文 1 + 数学 (25 → 2, have 0) 2 + 化学 1 + 道德与法治 (5 × 2 = 10 → 1) 1 + 历史 1
    #    + 地理 1 + 生物 (4 × 2 = 8 → 1) 1 = 8; B: 英语 1 + 体育 1 + 科学 1 + 音乐 1 + 美术 1 = 5
    assert sum(r.short for r in rows if r.school == "A") == 8
    assert sum(t.short for t in totals) == 13


def test_subject_shortage_custom_load():
    # 10 classes × 5 periods = 50, at 16 a week ⌈50/16⌉ = 4
    rows, _totals = subject_shortage(
        classes={"A": {7: 10}}, teachers={}, periods={"数学": {7: 5}}, load=16
    )
    assert [(r.need, r.have, r.short) for r in rows] == [(4, 0, 4)]
