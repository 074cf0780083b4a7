"""``/exams/{code}/stats/``, ``/bands/``, ``/scores/``, ``/gap/``, ``/recompute/`` (SPEC §4):
shapes, rounding, and who reads what (see stats_data for the county)."""

import pytest

from bureau.models import AccessLog
from exams.models import Exam
from exams.selectors import stats as stats_selectors
from exams.services.stats import stats_compute

from .stats_data import STD_CHINESE, build_county

pytestmark = pytest.mark.django_db

STAT_KEYS = {
    "school_code", "school_name", "class_name", "teacher", "teacher_name", "subject",
    "enrolled", "sat", "absent", "participation", "mean", "mean_rate", "median", "max", "min",
    "std", "excellent_rate", "good_rate", "pass_rate", "low_rate", "over_mean_rate",
    "composite", "rank", "over_school_mean_rate", "t_score", "all_pass_rate",
    "all_excellent_rate",
}  # fmt: skip
ALL_ROLES = ["admin", "leader", "staff", "inspector", "principal"]


@pytest.fixture
def exam(school, other_school):
    exam = build_county(school, other_school)
    stats_compute(exam_id=exam.pk)
    exam.state = "published"
    exam.save(update_fields=["state"])
    return exam


def get(api, user, path, status=200, **query):
    """The answer's JSON; of the paginated lists (bands, scores) the rows of the first page."""
    answer = api(user).get(f"/api/v1/exams/M1/{path}/", query)
    assert answer.status_code == status, answer.content.decode()
    body = answer.json()
    if status == 200 and path in ("bands", "scores"):
        assert set(body) == {"count", "next", "previous", "results"}
        return body["results"]
    return body


def set_state(exam, state):
    Exam.objects.filter(pk=exam.pk).update(state=state)


# --- stats ---------------------------------------------------------------------------------


def test_school_rows_rounded_and_ranked(exam, api_for, staff):
    got = get(api_for, staff, "stats", level="school", subject="语文")
    assert [r["school_code"] for r in got] == ["S002", "S001"]  # composites 75, 44
    ours = got[1]
    assert set(ours) == STAT_KEYS
    assert ours["school_name"] == "城关第一初级中学"
    assert (ours["class_name"], ours["teacher"], ours["rank"]) == (None, None, 2)
    assert ours["composite"] == 44.0  # stored 43.99999999999999, rounded to 6 decimals
    assert ours["over_mean_rate"] == -0.076923  # (60 − 65) / 65 = −0.0769230…
    assert ours["std"] == 22.36068  # √500 = 22.3606797…
    assert (ours["enrolled"], ours["sat"], ours["absent"]) == (4, 4, 0)
    assert ours["t_score"] == round(50 + 10 * (60 - 65) / STD_CHINESE, 6)  # 47.664497
    # Defined for classes and teachers, and for total rows only.
    assert (ours["over_school_mean_rate"], ours["all_pass_rate"]) == (None, None)


def test_class_and_teacher_rows(exam, api_for, staff):
    classes = get(api_for, staff, "stats", level="class", subject="语文")
    # 77 (S001 九(1)), 75 (S002 九(1)), 11 (S001 九(2))
    assert [(r["school_code"], r["class_name"], r["rank"]) for r in classes] == [
        ("S001", "九(1)班", 1),
        ("S002", "九(1)班", 2),
        ("S001", "九(2)班", 3),
    ]
    teachers = get(api_for, staff, "stats", level="teacher", subject="语文")
    assert [(r["teacher"], r["teacher_name"], r["school_code"], r["mean"]) for r in teachers] == [
        ("T2", "李老师", "S002", 75.0),
        ("T1", "王老师", "S001", 60.0),  # (90 + 70 + 50 + 30) / 4 over both classes
    ]
    county = get(api_for, staff, "stats", level="county", subject="total")
    assert len(county) == 1 and county[0]["mean"] == 130.0 and county[0]["school_code"] is None


def test_value_added_stored_and_on_the_fly(exam, api_for, staff):
    got = get(api_for, staff, "stats", level="school", subject="语文", baseline="M0")
    by_school = {r["school_code"]: r for r in got}
    assert by_school["S001"]["value_added"] == round(5 / STD_CHINESE, 6)  # 0.233550
    assert by_school["S002"]["value_added"] == round(10 / STD_CHINESE, 6)  # 0.467099
    assert (by_school["S001"]["matched"], by_school["S001"]["small_sample"]) == (2, True)
    # Without a configured baseline the same numbers are computed on request.
    Exam.objects.filter(pk=exam.pk).update(baseline=None)
    stats_compute(exam_id=exam.pk)
    assert get(api_for, staff, "stats", level="school", subject="语文", baseline="M0") == got
    plain = get(api_for, staff, "stats", level="school", subject="语文")
    assert "value_added" not in plain[0]
    # A subject the baseline lacks: no value-added.
    maths = get(api_for, staff, "stats", level="class", subject="数学", baseline="M0")
    assert {(r["value_added"], r["matched"]) for r in maths} == {(None, None)}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"level": "zone", "subject": "语文"}, "未知的统计层级：zone"),
        ({"level": "school", "subject": "物理"}, "本次考试没有该学科：物理"),
        ({"level": "teacher", "subject": "total"}, "教师层级没有总分统计"),
        ({"subject": "语文"}, "缺少查询参数 level"),
        ({"level": "school", "subject": "语文", "baseline": "NOPE"}, "基线考试不存在：NOPE"),
    ],
)
def test_bad_queries_answer_400(exam, api_for, staff, query, message):
    assert message in get(api_for, staff, "stats", status=400, **query)["detail"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_aggregates_of_a_published_exam_for_everyone(exam, api_for, users, role):
    assert len(get(api_for, users[role], "stats", level="county", subject="语文")) == 1
    assert len(get(api_for, users[role], "stats", level="school", subject="语文")) == 2


@pytest.mark.parametrize(
    ("role", "codes"),
    [
        ("admin", ["S001", "S002", "S001"]),
        ("leader", ["S001", "S002", "S001"]),
        ("staff", ["S001", "S002", "S001"]),
        ("inspector", ["S001", "S002", "S001"]),
        ("principal", ["S001", "S001"]),  # own school only
    ],
)
def test_classes_by_role(exam, api_for, users, role, codes):
    got = get(api_for, users[role], "stats", level="class", subject="语文")
    assert [r["school_code"] for r in got] == codes


def test_a_principal_never_gets_another_schools_classes(exam, api_for, principal, other_principal):
    for level, subject in [("class", "语文"), ("teacher", "语文")]:
        assert get(api_for, principal, "stats", level=level, subject=subject, school="S002") == []
        theirs = get(api_for, other_principal, "stats", level=level, subject=subject)
        assert {r["school_code"] for r in theirs} == {"S002"}
        assert get(api_for, principal, "bands", level=level, subject=subject, school="S002") == []


@pytest.mark.parametrize(
    ("role", "county", "schools"),
    [
        ("admin", 1, ["S002", "S001"]),
        ("leader", 1, ["S002", "S001"]),
        ("staff", 1, ["S002", "S001"]),
        ("inspector", 0, []),  # has visited no school
        ("principal", 0, ["S001"]),  # own school only, no county before publication
    ],
)
def test_before_publication(exam, api_for, users, role, county, schools):
    set_state(exam, "closed")
    assert len(get(api_for, users[role], "stats", level="county", subject="语文")) == county
    got = get(api_for, users[role], "stats", level="school", subject="语文")
    assert [r["school_code"] for r in got] == schools


def test_a_draft_is_not_found_for_principals_and_inspectors(exam, api_for, principal, inspector):
    set_state(exam, "draft")
    for user in (principal, inspector):
        for path in ("stats", "bands", "scores", "gap"):
            get(api_for, user, path, status=404, level="school", subject="语文")


# --- bands ---------------------------------------------------------------------------------


def test_bands(exam, api_for, leader):
    got = get(api_for, leader, "bands", level="school", subject="语文", school="S001")
    assert got == [
        {
            "school_code": "S001",
            "school_name": "城关第一初级中学",
            "class_name": None,
            "teacher": None,
            "teacher_name": None,
            "subject": "语文",
            "enrolled": 4,
            "sat": 4,
            "rank": 2,
            "bands": [0, 0, 0, 1, 0, 1, 0, 1, 0, 1],  # 30 | 50 | 70 | 90
        }
    ]


# --- scores --------------------------------------------------------------------------------


def test_score_rows(exam, api_for, staff):
    got = get(api_for, staff, "scores")
    assert [r["student_number"] for r in got] == ["G01", "G02", "G03", "G04", "G05", "G06"]
    assert got[0] == {
        "student_number": "G01",
        "name": "甲",
        "school_code": "S001",
        "class_name": "九(1)班",
        "scores": {"语文": 90.0, "数学": 80.0},
        "total": 170.0,
        "county_rank": 2,
        "school_rank": 1,
        "subject_ranks": {"语文": 1, "数学": 2},
        # 语文 (90 − 65) / √(2750/6); 数学 sat 80, 60, 40, 100, 50: mean 66, std √464,
        # (80 − 66) / 21.540659; totals 170, 110, 70, 190, 110: mean 130, std √1920
        "z": {"语文": 1.167748, "数学": 0.649934, "total": 0.912871},
        "t": {"语文": 61.677484, "数学": 56.499337, "total": 59.128709},  # 50 + 10z
        "counted": True,
        "not_counted": "",
    }
    assert got[1]["scores"] == {"语文": 70.0, "数学": None}  # 缺考
    assert (got[1]["total"], got[1]["county_rank"]) == (None, None)
    assert got[1]["z"]["数学"] is None and got[1]["t"]["total"] is None
    log = AccessLog.objects.get(user=staff)
    assert (log.action, log.what, log.rows, log.school) == ("view", "成绩明细 M1", 6, None)


def test_scores_are_paginated(exam, api_for, staff):
    answer = api_for(staff).get("/api/v1/exams/M1/scores/", {"page_size": 4, "page": 2}).json()
    assert answer["count"] == 6
    assert [r["student_number"] for r in answer["results"]] == ["G05", "G06"]


def test_scores_of_one_class(exam, api_for, leader, school):
    got = get(api_for, leader, "scores", school="S001", **{"class": "九(2)班"})
    assert [r["student_number"] for r in got] == ["G03", "G04"]
    assert AccessLog.objects.get(user=leader).school == school
    assert get(api_for, leader, "scores", school="S009") == []  # no such school


@pytest.mark.parametrize(("role", "count"), [("admin", 6), ("leader", 6), ("staff", 6)])
def test_scores_for_the_bureau(exam, api_for, users, role, count):
    assert len(get(api_for, users[role], "scores")) == count


def test_scores_for_a_principal(exam, api_for, principal, other_principal, school):
    own = get(api_for, principal, "scores")
    assert {r["school_code"] for r in own} == {"S001"} and len(own) == 4
    assert AccessLog.objects.get(user=principal).school == school
    answer = get(api_for, principal, "scores", status=403, school="S002")
    assert answer["detail"] == "只能查看本校学生的成绩明细"
    assert len(get(api_for, other_principal, "scores")) == 2
    get(api_for, other_principal, "scores", status=403, school="S001")


def test_scores_for_an_inspector_who_visited_no_school(exam, api_for, inspector):
    answer = get(api_for, inspector, "scores", status=403)
    assert answer["detail"] == "没有查看学生成绩明细的权限"
    get(api_for, inspector, "scores", status=403, school="S001")
    assert not AccessLog.objects.filter(user=inspector).exists()


def test_scores_for_an_inspector_who_visited(exam, api_for, inspector, school, monkeypatch):
    monkeypatch.setattr("bureau.access.students.visited_school_ids", lambda user: {school.pk})
    assert len(get(api_for, inspector, "scores")) == 4
    get(api_for, inspector, "scores", status=403, school="S002")


# --- gap -----------------------------------------------------------------------------------


def test_gap(exam, api_for, principal):
    got = get(api_for, principal, "gap")
    # Total means: S002 (190 + 110) / 2 = 150, S001 (170 + 110 + 70) / 3 = 116.666667
    assert got == {
        "max_gap": 33.333333,
        "highest": {"code": "S002", "name": "河口乡中心学校", "mean": 150.0},
        "lowest": {"code": "S001", "name": "城关第一初级中学", "mean": 116.666667},
        "schools": 2,
    }
    assert get(api_for, principal, "gap", subject="语文")["max_gap"] == 15.0  # 75 − 60
    get(api_for, principal, "gap", status=400, stage="moon")


def test_gap_by_stage(exam, api_for, staff, other_school):
    other_school.stage = "primary"
    other_school.save(update_fields=["stage"])
    junior = get(api_for, staff, "gap", stage="junior")
    assert junior["max_gap"] == 0 and junior["highest"]["code"] == "S001"  # one school
    assert get(api_for, staff, "gap", stage="senior")["max_gap"] is None  # no school
    stages = stats_selectors.gaps_by_stage(exam=exam, subject="语文")
    assert set(stages) == {"junior", "primary"}
    assert stages["primary"]["highest"] == {"code": "S002", "name": "河口乡中心学校", "mean": 75}


@pytest.mark.parametrize(("role", "status"), [("staff", 200), ("inspector", 403)])
def test_gap_before_publication(exam, api_for, users, role, status):
    set_state(exam, "closed")
    get(api_for, users[role], "gap", status=status)


# --- recompute -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 202), ("staff", 202), ("leader", 403), ("inspector", 403), ("principal", 403)],
)
def test_recompute(exam, api_for, users, role, status, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answer = api_for(users[role]).post("/api/v1/exams/M1/recompute/")
    assert answer.status_code == status, answer.content.decode()
    if status == 202:
        assert answer.json() == {"exam": "M1", "stats_status": "queued"}
        assert Exam.objects.get(pk=exam.pk).stats_status == "fresh"  # ran in-process
    else:
        assert Exam.objects.get(pk=exam.pk).stats_status == "fresh"  # untouched


def test_schema_lists_the_endpoints(exam, api_for, staff):
    schema = api_for(staff).get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in ("stats", "bands", "scores", "gap", "recompute"):
        assert f"/api/v1/exams/{{code}}/{path}/" in schema
