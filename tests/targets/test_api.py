"""Targets over the API (SPEC §6): creation with its allocation, fixing and releasing a quota,
publishing, bad input, and who may do what."""

import pytest

from targets.models import Allocation, AllocationChange, Target

from .conftest import create

PASS_COUNT = {
    "code": "PASS-9",
    "year": "2026-2027",
    "name": "九年级语文及格人数",
    "measure": "count_over_line",
    "grade": 9,
    "subject": "语文",
    "line": "pass",
    "value": 10,
    "basis": "enrolled",
    "schools": ["S001", "S002"],
}


def allocations(answer):
    return {a["school"]: (a["quota"], a["fixed"], a["reason"]) for a in answer["allocations"]}


def test_create_apportions_by_enrolled(county, api_for, staff):
    answer = create(api_for(staff), PASS_COUNT)
    # enrolled 4 and 2 (Σ6), T=10: shares 6.667 and 3.333 → 6 and 3, the seat left to S001.
    assert allocations(answer) == {"S001": (7, False, ""), "S002": (3, False, "")}
    assert answer["status"] == "draft"
    assert [a["weight"] for a in answer["allocations"]] == [4.0, 2.0]
    assert answer["allocations"][0]["share"] == pytest.approx(20 / 3, abs=1e-6)


def test_custom_and_equal_bases(county, api_for, staff):
    api = api_for(staff)
    custom = create(api, {**PASS_COUNT, "basis": "custom", "weights": {"S001": 1, "S002": 3}})
    # 10 × 1/4 = 2.5 and 7.5 → 2 and 7, one seat left, a tie at .5: S002, the larger weight.
    assert allocations(custom) == {"S001": (2, False, ""), "S002": (8, False, "")}
    equal = create(api, {**PASS_COUNT, "code": "EQ", "basis": "equal", "value": 9})
    # 9 / 2 = 4.5 each: tie at .5 and at weight 1, the smaller code S001 gets the seat.
    assert allocations(equal) == {"S001": (5, False, ""), "S002": (4, False, "")}


def test_baseline_and_blend_bases(county, api_for, staff):
    api = api_for(staff)
    body = {**PASS_COUNT, "line": "good", "baseline_exam": "M0"}
    # M0 语文 ≥ 75: S001 1 (80), S002 1 (80): weights 1 and 1, T=10 → 5 and 5.
    assert allocations(create(api, {**body, "code": "B1", "basis": "baseline"})) == {
        "S001": (5, False, ""),
        "S002": (5, False, ""),
    }
    # Blend α=.5: good rate .5 in both, county .5: S001 4 × .5 = 2, S002 2 × .5 = 1 → T=10
    # 6.667 and 3.333 → 7 and 3.
    answer = create(api, {**body, "code": "B2", "basis": "blend"})
    assert allocations(answer) == {"S001": (7, False, ""), "S002": (3, False, "")}
    assert [a["weight"] for a in answer["allocations"]] == [2.0, 1.0]


def test_fix_and_release_a_quota_keeps_the_history(county, api_for, staff):
    api = api_for(staff)
    create(api, PASS_COUNT)
    response = api.post(
        "/api/v1/targets/PASS-9/allocations/",
        {"school": "S002", "quota": 5, "reason": "该校新建班级"},
        format="json",
    )
    assert response.status_code == 200, response.content
    # S002 fixed at 5; the 5 left all go to S001, the only other school.
    assert allocations(response.json()) == {
        "S001": (5, False, ""),
        "S002": (5, True, "该校新建班级"),
    }
    changes = list(AllocationChange.objects.filter(target__code="PASS-9").order_by("pk"))
    latest = [(c.school.code, c.from_quota, c.to_quota, c.by.username) for c in changes[-2:]]
    assert sorted(latest) == [("S001", 7, 5, "staff"), ("S002", 3, 5, "staff")]
    assert any(c.reason == "该校新建班级" for c in changes)

    released = api.post(
        "/api/v1/targets/PASS-9/allocations/", {"school": "S002", "quota": None}, format="json"
    )
    assert released.status_code == 200
    assert allocations(released.json()) == {"S001": (7, False, ""), "S002": (3, False, "")}
    assert AllocationChange.objects.filter(target__code="PASS-9").count() == 2 + 2 + 2


@pytest.mark.parametrize(
    "body, field",
    [
        ({"basis": "custom", "weights": {"S001": -1, "S002": 1}}, "weights"),
        ({"basis": "custom", "weights": {"S001": "多", "S002": 1}}, "weights"),
        ({"basis": "baseline"}, "baseline_exam"),
        ({"basis": "blend"}, "baseline_exam"),
        ({"baseline_exam": "OTHER-GRADE", "basis": "baseline"}, "baseline_exam"),
        ({"value": 2.5}, "value"),
        ({"measure": "rate"}, "metric"),
        ({"line": ""}, "line"),
        ({"schools": ["S001", "S999"]}, "schools"),
        ({"subject": "物理"}, "subject"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_saves_nothing(county, api_for, staff, body, field):
    from tests.factories import ExamFactory

    ExamFactory(code="OTHER-GRADE", grade=8, subjects={"语文": 100})
    response = api_for(staff).post("/api/v1/targets/", {**PASS_COUNT, **body}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"].startswith(field)
    assert response.json()["errors"] == {"field": field}
    assert not Target.objects.exists() and not Allocation.objects.exists()


@pytest.mark.parametrize(
    "body, field, message",
    [
        (
            {"school": "S001", "quota": 11, "reason": "多"},
            "quota",
            "quota：学校 S001 的固定名额 11 超过目标总数 10",
        ),
        ({"school": "S001", "quota": 3}, "reason", "reason：固定名额必须填写理由"),
        ({"school": "S001", "quota": -1, "reason": "少"}, "quota", None),
        ({"school": "S009", "quota": 1, "reason": "少"}, "school", None),
    ],
)
def test_bad_quota_changes(county, api_for, staff, body, field, message):
    api = api_for(staff)
    create(api, PASS_COUNT)
    before = list(Allocation.objects.values_list("school__code", "quota", "fixed"))
    changes = AllocationChange.objects.count()
    response = api.post("/api/v1/targets/PASS-9/allocations/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {"field": field}
    if message:
        assert response.json()["detail"] == message
    assert list(Allocation.objects.values_list("school__code", "quota", "fixed")) == before
    assert AllocationChange.objects.count() == changes


def test_publish_freezes_the_allocation(county, api_for, staff):
    api = api_for(staff)
    create(api, PASS_COUNT)
    published = api.post("/api/v1/targets/PASS-9/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    response = api.post(
        "/api/v1/targets/PASS-9/allocations/",
        {"school": "S001", "quota": 1, "reason": "调整"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "status：目标已下达，分配不能再修改"
    again = api.patch("/api/v1/targets/PASS-9/", {"value": 12}, format="json")
    assert again.status_code == 400
    assert api.post("/api/v1/targets/PASS-9/publish/").status_code == 400
    assert Target.objects.get().value == 10


@pytest.fixture
def targets(county, api_for, staff, school, other_school):
    """PASS-9 published over both schools; ONLY-2 published over S002 only; DRAFT a draft."""
    api = api_for(staff)
    create(api, PASS_COUNT)
    create(api, {**PASS_COUNT, "code": "ONLY-2", "schools": ["S002"]})
    create(api, {**PASS_COUNT, "code": "DRAFT"})
    api.post("/api/v1/targets/PASS-9/publish/")
    api.post("/api/v1/targets/ONLY-2/publish/")


def codes(api):
    return [t["code"] for t in api.get("/api/v1/targets/").json()["results"]]


def test_who_sees_which_targets(targets, api_for, users, other_principal):
    assert codes(api_for(users["admin"])) == ["DRAFT", "ONLY-2", "PASS-9"]
    assert codes(api_for(users["staff"])) == ["DRAFT", "ONLY-2", "PASS-9"]
    assert codes(api_for(users["leader"])) == ["DRAFT", "ONLY-2", "PASS-9"]
    assert codes(api_for(users["inspector"])) == ["ONLY-2", "PASS-9"]
    assert codes(api_for(users["principal"])) == ["PASS-9"]
    assert codes(api_for(other_principal)) == ["ONLY-2", "PASS-9"]


def test_a_principal_sees_only_its_school_rows(targets, api_for, principal):
    api = api_for(principal)
    answer = api.get("/api/v1/targets/PASS-9/").json()
    assert [a["school"] for a in answer["allocations"]] == ["S001"]
    rows = api.get("/api/v1/targets/PASS-9/progress/", {"exam": "M1"}).json()
    assert [r["school"] for r in rows] == [None, "S001"]
    # Absent and not yours: the same 404.
    for code in ("ONLY-2", "DRAFT", "NOPE"):
        assert api.get(f"/api/v1/targets/{code}/").status_code == 404
        assert api.get(f"/api/v1/targets/{code}/progress/").status_code == 404
        assert api.post(f"/api/v1/targets/{code}/publish/").status_code == 404


@pytest.mark.parametrize("role", ["leader", "inspector", "principal"])
def test_only_managers_change_allocations(targets, api_for, users, role, staff):
    api = api_for(users[role])
    change = {"school": "S001", "quota": 1, "reason": "调整"}
    # On a draft (the leader sees it; the others do not: 404).
    draft = api.post("/api/v1/targets/DRAFT/allocations/", change, format="json")
    assert draft.status_code == (403 if role == "leader" else 404)
    published = api.post("/api/v1/targets/PASS-9/allocations/", change, format="json")
    assert published.status_code == 403
    assert api.post("/api/v1/targets/DRAFT/publish/").status_code == (
        403 if role == "leader" else 404
    )
    assert (
        api.post("/api/v1/targets/", PASS_COUNT | {"code": "NEW"}, format="json").status_code == 403
    )
    assert api.patch("/api/v1/targets/PASS-9/", {"value": 1}, format="json").status_code == 403
    assert Allocation.objects.filter(target__code="DRAFT", fixed=True).count() == 0


def test_acknowledge(targets, api_for, principal, staff):
    api = api_for(principal)
    response = api.post("/api/v1/targets/PASS-9/acknowledge/")
    assert response.status_code == 200
    assert response.json()["acknowledgements"][0]["school"] == "S001"
    assert response.json()["acknowledgements"][0]["by"] == "principal"
    assert api_for(staff).post("/api/v1/targets/PASS-9/acknowledge/").status_code == 403
