"""Reward schemes over the API (SPEC §7): create, compute, what-if, adjust, approve, publish,
bad input, and who sees what."""

import copy

import pytest

from rewards.models import AwardLine, LineAdjustment, Scheme

from .data import SCHEME, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(school, other_school):
    return build(school, other_school)


def create(api, body=None):
    return api.post("/api/v1/schemes/", body or SCHEME, format="json")


def awards(api, code="2026-awards"):
    response = api.get(f"/api/v1/schemes/{code}/awards/")
    assert response.status_code == 200, response.content
    return response.json()


def test_create_compute_and_read_the_lines(county, api_for, staff, compute):
    api = api_for(staff)
    response = create(api)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "draft"
    response = compute(api)
    assert response.status_code == 202
    scheme = Scheme.objects.get(code="2026-awards")  # tasks run in-process in tests
    assert (scheme.status, scheme.compute_status, scheme.progress) == ("computed", "done", 100)
    rows = awards(api)
    # top_k among S001 60, S002 55.57, S003 55.57, S004 50: ranks 1, 2, 2, 4 → 5000, 3000, 3000
    # progress: E0 ranks S002 1, S003 2, S004 3, S001 4; E1: S001 1, S002 2, S003 2, S004 4:
    # S001 rose 3 places (≥ 2) → 2000
    got = [(r["award"], r["school"], r["rank"], r["amount"], r["reason"]) for r in rows]
    assert got == [
        ("中考质量奖", "S001", 1, 5000, "综合指数第1名（60.00）"),
        ("中考质量奖", "S002", 2, 3000, "综合指数第2名（55.57）"),
        ("中考质量奖", "S003", 2, 3000, "综合指数第2名（55.57）"),
        ("中考成绩进步学校奖", "S001", 1, 2000, "综合指数名次由第4名升至第1名（进步3名）"),
    ]
    totals = api.get("/api/v1/schemes/2026-awards/").json()["totals"]
    assert totals == {
        "budget": 20000,
        "total_before": 13000,
        "total": 13000,
        "over": 0,
        "scaled": False,
    }
    # Recomputing stores the same lines
    compute(api)
    assert [(r["school"], r["amount"]) for r in awards(api)] == [(r[1], r[3]) for r in got]


def test_participation_eligibility_over_the_api(county, api_for, staff, compute):
    body = copy.deepcopy(SCHEME)
    body["awards"] = [dict(SCHEME["awards"][0], min_participation=0.9)]
    api = api_for(staff)
    assert create(api, body).status_code == 201
    compute(api)
    # S003 sat 30 of 45 (0.667 < 0.9) is not ranked: S001 1, S002 2, S004 3
    assert [(r["school"], r["rank"], r["amount"]) for r in awards(api)] == [
        ("S001", 1, 5000),
        ("S002", 2, 3000),
        ("S004", 3, 2000),
    ]


def test_over_budget_is_refused_unless_scaled(county, api_for, staff, leader, compute):
    body = dict(SCHEME, budget=10000)
    api = api_for(staff)
    create(api, body)
    compute(api)
    response = api_for(leader).post("/api/v1/schemes/2026-awards/approve/")
    assert response.status_code == 400
    assert response.json()["detail"] == "超出预算 3000 元"  # 13000 − 10000
    # With scaling: 5000, 3000, 3000, 2000 × 10000 / 13000 = 3846.15, 2307.69, 2307.69,
    # 1538.46; floors sum 9998; the 2 yuan left go to .69 (3000, first) and .69 (3000, next)
    response = api.patch("/api/v1/schemes/2026-awards/", {"scale_to_budget": True}, format="json")
    assert response.status_code == 200, response.content
    rows = awards(api)
    assert [r["amount"] for r in rows] == [3846, 2308, 2308, 1538]
    assert sum(r["amount"] for r in rows) == 10000
    assert [r["base_amount"] for r in rows] == [5000, 3000, 3000, 2000]
    response = api_for(leader).post("/api/v1/schemes/2026-awards/approve/")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    assert response.json()["approved_by"] == "leader"
    again = api_for(leader).post("/api/v1/schemes/2026-awards/approve/")
    assert again.status_code == 400
    changed = api.patch("/api/v1/schemes/2026-awards/", {"budget": 1}, format="json")
    assert changed.status_code == 400
    assert Scheme.objects.get(code="2026-awards").budget == 10000


def test_adjusting_a_line_needs_a_reason_and_is_kept(county, api_for, staff, compute):
    api = api_for(staff)
    create(api)
    compute(api)
    line = AwardLine.objects.get(award__name="中考质量奖", school__code="S003")
    response = api.post(
        "/api/v1/schemes/2026-awards/adjust/", {"line": line.pk, "amount": 1000}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["detail"]
    assert not LineAdjustment.objects.exists()
    response = api.post(
        "/api/v1/schemes/2026-awards/adjust/",
        {"line": line.pk, "amount": 1000, "reason": "参考率偏低，酌减"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert [r["amount"] for r in response.json() if r["school"] == "S003"] == [1000]
    # A recomputation applies the adjustment again
    compute(api)
    assert (
        AwardLine.objects.get(
            pk__isnull=False, award__name="中考质量奖", school__code="S003"
        ).amount
        == 1000
    )
    history = api.get("/api/v1/schemes/2026-awards/history/").json()
    assert [(h["from"], h["to"], h["reason"], h["by"]) for h in history] == [
        (3000, 1000, "参考率偏低，酌减", "staff")
    ]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"exam": "NOPE"}, "awards[0].exam"),
        ({"subject": "物理"}, "awards[0].subject"),
        ({"amounts": {"1": -5}}, "awards[0].amounts.1"),
        ({"amounts": {"first": 5000}}, "awards[0].amounts"),
        ({"rule": "lottery"}, "awards[0].rule"),
        ({"rule": "per_student", "target": "T-NONE", "per_student": 200}, "awards[0].target"),
        ({"min_participation": 1.5}, "awards[0].min_participation"),
        ({"exclude": ["S999"]}, "awards[0].exclude"),
    ],
)
def test_bad_awards_are_refused_with_the_field_named(county, api_for, staff, change, field):
    body = copy.deepcopy(SCHEME)
    body["awards"][0].update(change)
    response = create(api_for(staff), body)
    assert response.status_code == 400
    assert response.json()["detail"].startswith(field + ":"), response.json()
    assert field in response.json()["errors"]
    assert not Scheme.objects.exists()


def test_an_exam_without_statistics_is_refused(county, api_for, staff):
    from tests.factories import ExamFactory

    ExamFactory(code="E9", subjects={"数学": 100})
    body = copy.deepcopy(SCHEME)
    body["awards"][0]["exam"] = "E9"
    response = create(api_for(staff), body)
    assert response.status_code == 400
    assert "还没有统计数据" in response.json()["detail"]


def test_negative_budget(county, api_for, staff):
    response = create(api_for(staff), dict(SCHEME, budget=-1))
    assert response.status_code == 400
    assert response.json()["detail"].startswith("budget:")


def test_a_stats_change_marks_the_scheme_stale(county, api_for, staff, leader, compute):
    from django.utils import timezone

    from exams.models import Exam
    from exams.signals import stats_computed

    api = api_for(staff)
    create(api)
    compute(api)
    Exam.objects.filter(code="E1").update(stats_updated_at=timezone.now())
    stats_computed.send(sender=Exam, exam_id=county["e1"].pk)
    assert Scheme.objects.get(code="2026-awards").stale is True
    response = api_for(leader).post("/api/v1/schemes/2026-awards/approve/")
    assert response.status_code == 400
    compute(api)
    assert Scheme.objects.get(code="2026-awards").stale is False


# --- who sees and does what ----------------------------------------------------------------


@pytest.fixture
def published(county, staff, leader, api_for, compute):
    api = api_for(staff)
    body = copy.deepcopy(SCHEME)
    body["awards"].append(
        {
            "name": "优秀教师奖",
            "recipient": "teacher",
            "rule": "top_k",
            "exam": "E1",
            "subject": "数学",
            "k": 1,
            "amount": 800,
        }
    )
    create(api, body)
    compute(api)
    return api


def test_drafts_are_seen_by_bureau_roles_only(published, api_for, users, other_principal):
    expected = {"admin": 200, "leader": 200, "staff": 200, "inspector": 404, "principal": 404}
    for role, user in users.items():
        assert api_for(user).get("/api/v1/schemes/2026-awards/").status_code == expected[role]
        assert (
            api_for(user).get("/api/v1/schemes/2026-awards/awards/").status_code == (expected[role])
        )
        count = api_for(user).get("/api/v1/schemes/").json()["count"]
        assert count == (1 if expected[role] == 200 else 0), role
    assert api_for(other_principal).get("/api/v1/schemes/2026-awards/").status_code == 404
    assert api_for(users["principal"]).get("/api/v1/schemes/NOPE/").status_code == 404


def test_writes_and_approval_by_role(published, api_for, users):
    for role in ("leader", "inspector", "principal"):
        assert create(api_for(users[role]), dict(SCHEME, code=f"x-{role}")).status_code == 403
    # principals and inspectors do not see the draft at all: 404; a leader may not compute
    assert api_for(users["leader"]).post("/api/v1/schemes/2026-awards/compute/").status_code == 403
    assert api_for(users["staff"]).post("/api/v1/schemes/2026-awards/approve/").status_code == 403
    assert (
        api_for(users["principal"]).post("/api/v1/schemes/2026-awards/approve/").status_code == 404
    )
    assert api_for(users["admin"]).post("/api/v1/schemes/2026-awards/approve/").status_code == 200
    assert api_for(users["leader"]).post("/api/v1/schemes/2026-awards/publish/").status_code == 403
    assert api_for(users["staff"]).post("/api/v1/schemes/2026-awards/publish/").status_code == 200


def test_a_principal_reads_own_lines_and_the_school_list(
    published, api_for, users, other_principal
):
    api_for(users["admin"]).post("/api/v1/schemes/2026-awards/approve/")
    api_for(users["staff"]).post("/api/v1/schemes/2026-awards/publish/")
    everything = awards(api_for(users["inspector"]))
    assert len(everything) == 5  # 3 quality, 1 progress, 1 teacher (T1 of S001)
    mine = awards(api_for(users["principal"]))  # S001
    assert [(r["award"], r["school"]) for r in mine] == [
        ("中考质量奖", "S001"),
        ("中考质量奖", "S002"),
        ("中考质量奖", "S003"),
        ("中考成绩进步学校奖", "S001"),
        ("优秀教师奖", "S001"),
    ]
    theirs = awards(api_for(other_principal))  # S002: school-level lines only
    assert [r["award"] for r in theirs] == ["中考质量奖"] * 3 + ["中考成绩进步学校奖"]
    assert all("student" not in key for r in theirs for key in r)
