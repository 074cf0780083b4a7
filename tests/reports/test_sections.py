"""The data of a bulletin's sections (reports.rendering.sections), on the county of ``world.py``."""

import datetime

import pytest

from reports.rendering import sections
from schools.models import Student

from .world import PERIOD, build_world

NOV = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))


@pytest.fixture
def world(school, other_school, staff, inspector):
    return build_world(school, other_school, staff, inspector)


def test_month_bounds():
    assert sections.month_bounds(datetime.date(2026, 2, 17)) == (
        datetime.date(2026, 2, 1),
        datetime.date(2026, 2, 28),
    )
    assert sections.month_bounds(datetime.date(2026, 12, 31))[1] == datetime.date(2026, 12, 31)


def test_exam_section_reads_the_stored_statistics(world):
    [exam] = sections.exam_sections(*NOV)  # P1 is October's
    assert exam["code"] == "N1"
    assert exam["grade"] == "九年级"
    county = {r["subject"]: r for r in exam["county"]}
    assert list(county) == ["语文", "数学", "total"]
    assert county["语文"]["mean"] == pytest.approx(67.5)  # (90 + 70 + 60 + 50) / 4
    assert county["语文"]["excellent_rate"] == pytest.approx(0.25)  # 90 ≥ 85
    assert county["语文"]["pass_rate"] == pytest.approx(0.75)  # 90, 70, 60 ≥ 60
    assert county["total"]["full_marks"] == 200
    assert county["total"]["mean"] == pytest.approx(125)  # (170 + 130 + 110 + 90) / 4
    ranking = [(s["name"], s["rank"]) for s in exam["schools"]]
    assert ranking == [("城关第一初级中学", 1), ("河口乡中心学校", 2)]
    assert exam["schools"][0]["mean"] == pytest.approx(150)  # (170 + 130) / 2
    assert exam["ranked"] == 2
    assert exam["target"] is None


def test_movers_against_the_previous_exam_of_the_grade(world):
    [exam] = sections.exam_sections(*NOV)
    assert exam["previous"]["code"] == "P1"
    assert exam["movers"]["up"] == [
        {"name": "城关第一初级中学", "rank": 1, "previous_rank": 2, "change": 1, "steps": 1}
    ]
    assert exam["movers"]["down"] == [
        {"name": "河口乡中心学校", "rank": 2, "previous_rank": 1, "change": -1, "steps": 1}
    ]
    va = exam["value_added"]
    assert va["baseline"] == "九年级十月月考"
    assert va["top"][0]["name"] == "城关第一初级中学"
    assert va["top"][0]["value_added"] > 0 > va["bottom"][0]["value_added"]
    assert va["top"][0]["small_sample"] is True  # 2 matched students < 15


def test_max_gap_per_stage(world):
    [exam] = sections.exam_sections(*NOV)
    [gap] = exam["gaps"]
    assert gap["stage"] == "初中"
    assert gap["max_gap"] == pytest.approx(50)  # 150 − 100
    assert gap["highest"]["name"] == "城关第一初级中学"
    assert gap["lowest"]["name"] == "河口乡中心学校"


def test_rank_movers_pure():
    now = [
        {"code": "A", "name": "甲校", "rank": 1},
        {"code": "B", "name": "乙校", "rank": 2},
        {"code": "C", "name": "丙校", "rank": 3},
        {"code": "D", "name": "丁校", "rank": None},
    ]
    before = [
        {"code": "A", "name": "甲校", "rank": 3},
        {"code": "B", "name": "乙校", "rank": 2},
        {"code": "C", "name": "丙校", "rank": 1},
        {"code": "D", "name": "丁校", "rank": 4},
    ]
    moves = sections.rank_movers(now, before)
    assert [(m["name"], m["change"]) for m in moves["up"]] == [("甲校", 2)]
    assert [(m["name"], m["change"]) for m in moves["down"]] == [("丙校", -2)]


def test_no_exam_in_a_month_without_one(world):
    assert sections.exam_sections(datetime.date(2026, 12, 1), datetime.date(2026, 12, 31)) == []


def test_inspection_section(world):
    ins = sections.inspection_section(*NOV)
    assert ins["visits"] == 3  # the draft does not count
    assert ins["schools"] == 2
    assert ins["unannounced"] == 2
    kinds = {k["kind"]: k["count"] for k in ins["by_kind"]}
    assert kinds == {"routine": 1, "special": 0, "unannounced": 2, "teaching": 0}
    assert ins["coverage"]["visited"] == 2 and ins["coverage"]["total"] == 2
    assert ins["coverage"]["share"] == pytest.approx(1.0)
    [template] = ins["by_template"]
    # 17/20, 11/20, 20/20 → (0.85 + 0.55 + 1.0) / 3 = 0.8
    assert template["average"] == pytest.approx(0.8)
    assert template["passed"] == 2  # 0.55 < 0.6
    assert [b["count"] for b in ins["score_bands"]] == [1, 0, 0, 1, 1]
    assert [(f["school"], f["text"]) for f in ins["findings"]] == [
        ("城关第一初级中学", "作业批改记录不全"),  # first line only
        ("河口乡中心学校", "课堂纪律松散"),
    ]


def test_rectification_section(world):
    rec = sections.rectification_section(*NOV)
    assert (rec["opened"], rec["closed"], rec["overdue"]) == (2, 2, 2)
    by_school = {r["school"]: r for r in rec["schools"]}
    assert by_school["河口乡中心学校"] == {
        "school": "河口乡中心学校",
        "opened": 1,
        "closed": 0,
        "overdue": 2,
    }
    assert by_school["城关第一初级中学"]["closed"] == 2


def test_observation_section(world):
    obs = sections.observation_section(*NOV)
    roles = {r["role"]: r for r in obs["roles"]}
    principals = roles["principal"]
    assert (principals["people"], principals["done"], principals["required"]) == (2, 5, 8)
    assert principals["behind_people"] == 1 and principals["behind_lessons"] == 3
    assert obs["principals_behind"] == ["河口乡中心学校"]
    assert roles["inspector"]["behind_people"] == 0


def test_exchange_section(world):
    ex = sections.exchange_section(*NOV)
    assert ex["started_month"] == 1
    assert ex["started_year"] == 2
    assert ex["month_pairs"] == [
        {"from": "城关第一初级中学", "to": "河口乡中心学校", "count": 1, "backbone": 1}
    ]
    assert ex["exchanged"] == 2 and ex["backbone"] == 1
    assert ex["backbone_share"] == pytest.approx(0.5)
    assert ex["target_share"] == pytest.approx(0.10)


def test_gather_is_json_safe_and_stable(world):
    import json

    content = sections.gather_sections(PERIOD)
    assert json.loads(json.dumps(content)) == content
    assert content["period"] == "2026-11"
    assert sections.gather_sections(datetime.date(2026, 11, 17)) == content


def test_mask_students(world):
    names = sections.student_names()
    assert sections.mask_students("表扬张小明和王芳芳同学", names) == "表扬张*明和王*芳同学"
    assert sections.mask_students("李华同学进步大", names) == "李*同学进步大"
    assert sections.mask_students("", names) == ""
    Student.objects.filter(name="李华").update(name="李")  # one character: not masked
    assert sections.mask_students("李老师", sections.student_names()) == "李老师"


def test_a_build_reads_the_names_once(world, django_assert_num_queries):
    with django_assert_num_queries(1), sections.student_names_once():
        first = sections.student_names()
        assert sections.student_names() is first
        assert "张小明" in first
    # Outside, every call reads the registry as it is now.
    Student.objects.filter(name="张小明").update(name="张小红")
    with django_assert_num_queries(1):
        assert "张小红" in sections.student_names()
