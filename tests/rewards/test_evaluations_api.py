"""GET /api/v1/evaluations/ (SPEC §7) on the hand-made county of tests/rewards/data.py."""

import pytest

from inspections.models import AccountabilityKind, AccountabilityRecord
from rewards.models import LastPlaceAction
from rewards.services.evaluations import decision_record, last_place_summon

from .data import build

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(school, other_school):
    return build(school, other_school)


def rows(api, **query):
    response = api.get("/api/v1/evaluations/", {"year": "2026-2027", **query})
    assert response.status_code == 200, response.content
    return response.json()


def test_bottom_half_and_backbone_review(county, api_for, staff):
    api = api_for(staff)
    got = rows(api, list="bottom_half")
    # S001: T1 70, T2 60, T3 50 → m = 3, ⌈3/2⌉ = 2, T3 (rank 3) is in the bottom half;
    # S002: T4 65, T5 40 → m = 2, T5 (rank 2 > 1)
    assert [
        (r["teacher"], r["school"], r["exam"], r["rank"], r["of"], r["value"]) for r in got
    ] == [
        ("T3", "S001", "E1", 3, 3, 50.0),
        ("T5", "S002", "E1", 2, 2, 40.0),
    ]
    assert got[0]["subject"] == "数学" and got[0]["grade"] == 9
    assert [r["teacher"] for r in rows(api, list="backbone_review")] == ["T3"]  # 教学能手


def test_far_below_and_last_place(county, api_for, staff):
    api = api_for(staff)
    # 5 teacher units, p = 10 %: ⌈0.5⌉ = 1 lowest (T5, 40); mean 55 is 15 below the county's
    # 70 (≥ 10 % of 100) and value-added −0.2 < 0
    assert [(r["teacher"], r["rank"], r["of"]) for r in rows(api, list="far_below")] == [
        ("T5", 5, 5)
    ]
    # E0: S001 40 is last; E1: S004 50 is last → no school last in both (n = 2)
    assert rows(api, list="last_place") == []


def test_a_last_place_warning_becomes_an_interview(county, api_for, staff):
    from exams.models import UnitStat

    # Make S004 last in E0 as well (45 → 30): last in E0 and E1 → one warning named by E1
    UnitStat.objects.filter(exam=county["e0"], school__code="S004").update(composite=30)
    api = api_for(staff)
    (warning,) = rows(api, list="last_place")
    assert (warning["school"], warning["exam"], warning["rank"], warning["of"]) == (
        "S004",
        "E1",
        4,
        4,
    )
    assert warning["exams"] == ["E0", "E1"] and warning["record"] is None
    record = last_place_summon(year=county["year"], school_code="S004", exam_code="E1", user=staff)
    assert record.kind == AccountabilityKind.INTERVIEW
    assert sorted(record.exams.values_list("code", flat=True)) == ["E0", "E1"]
    assert record.last_place.exam.code == "E1"
    (warning,) = rows(api, list="last_place")
    assert warning["record"] == record.pk
    with pytest.raises(Exception, match="已转为问责记录"):
        last_place_summon(year=county["year"], school_code="S004", exam_code="E1", user=staff)
    assert AccountabilityRecord.objects.count() == 1 and LastPlaceAction.objects.count() == 1


def test_decisions_are_recorded_with_a_reason(county, api_for, staff):
    from core.errors import DomainError

    with pytest.raises(DomainError, match="reason"):
        decision_record(
            year=county["year"],
            teacher=county["teachers"]["T3"],
            kind="excellent",
            keep=True,
            reason=" ",
            user=staff,
        )
    decision_record(
        year=county["year"],
        teacher=county["teachers"]["T3"],
        kind="excellent",
        keep=True,
        reason="病假代课，成绩不可比",
        user=staff,
    )
    (t3, _t5) = rows(api_for(staff), list="bottom_half")
    assert t3["decision"] == {"keep": True, "reason": "病假代课，成绩不可比", "by": "staff"}


def test_classification(county, api_for, staff):
    got = rows(api_for(staff), list="classification")
    # E0 and E1 counted: means S001 50, S002 57.785, S003 52.785, S004 47.5 → percentiles
    # S002 1 (A), S003 2/3 (B), S001 1/3 (C), S004 0 (D)
    assert [(r["school"], r["class"]) for r in got] == [
        ("S002", "A"),
        ("S003", "B"),
        ("S001", "C"),
        ("S004", "D"),
    ]


def test_scoping_by_role(county, api_for, users, other_principal):
    for role, user in users.items():
        got = rows(api_for(user), list="bottom_half")
        expected = ["T3"] if role == "principal" else ["T3", "T5"]
        assert [r["teacher"] for r in got] == expected, role
    # another school's principal sees its own school only, and asking for S001 gives nothing
    assert [r["teacher"] for r in rows(api_for(other_principal), list="bottom_half")] == ["T5"]
    assert rows(api_for(other_principal), list="bottom_half", school="S001") == []


def test_bad_input(county, api_for, staff, client):
    api = api_for(staff)
    response = api.get("/api/v1/evaluations/", {"year": "1999-2000"})
    assert response.status_code == 400 and response.json()["detail"].startswith("year:")
    response = api.get("/api/v1/evaluations/", {"year": "2026-2027", "list": "nope"})
    assert response.status_code == 400 and "list" in response.json()["detail"]
    assert client.get("/api/v1/evaluations/").status_code == 403  # session auth: 403
