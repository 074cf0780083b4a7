"""Rectifications (整改): the workflow, who may do what, overdue and the API's filters
(SPEC §4 "Inspections and bulletins", docs/inspections.md)."""

import datetime

import pytest
from django.utils import timezone

from core.errors import DomainError
from inspections import services
from inspections.models import RectificationStatus
from schools.services.roster import NotAllowed

ROLES = ["admin_user", "leader", "staff", "inspector", "principal", "other_principal"]
NOT_FOUND = {"detail": "整改事项不存在"}


def _today():
    return timezone.localdate()


@pytest.fixture
def task(inspector, school, draft):
    return services.rectification_create(
        user=inspector,
        school=school,
        visit=draft,
        title="作业批改记录不全",
        detail="补齐本学期作业批改记录",
        severity="high",
        deadline=_today() + datetime.timedelta(days=30),
        responsible="教务处 王老师",
    )


def _make(user, school, *, days=30, title="问题"):
    return services.rectification_create(
        user=user,
        school=school,
        visit=None,
        title=title,
        detail="",
        severity="low",
        deadline=_today() + datetime.timedelta(days=days),
        responsible="",
    )


# --- the workflow --------------------------------------------------------------------------


def test_whole_workflow_with_history(api_for, inspector, principal, task):
    inspector_api, principal_api = api_for(inspector), api_for(principal)
    url = f"/api/v1/rectifications/{task.pk}/"

    response = principal_api.post(url + "answer/", {"text": "已补齐"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "answered"

    response = inspector_api.post(url + "verify/", {"accepted": False}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "退回重改须说明理由"

    response = inspector_api.post(
        url + "verify/", {"accepted": False, "reason": "缺九月份记录"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "reopened"

    response = principal_api.post(url + "answer/", {"text": "九月份已补"}, format="json")
    assert response.json()["status"] == "answered"

    response = inspector_api.post(url + "verify/", {"accepted": True}, format="json")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "closed"
    assert body["status_display"] == "已销号"
    assert body["overdue"] is False
    assert [(h["action"], h["by"], h["text"]) for h in body["history"]] == [
        ("created", "inspector", "补齐本学期作业批改记录"),
        ("answered", "principal", "已补齐"),
        ("reopened", "inspector", "缺九月份记录"),
        ("answered", "principal", "九月份已补"),
        ("closed", "inspector", ""),
    ]
    times = [h["at"] for h in body["history"]]
    assert all(times) and times == sorted(times)


def test_create_answers_the_task(api_for, inspector, draft):
    body = {
        "school": "S001",
        "visit": draft.pk,
        "title": "作业批改记录不全",
        "detail": "补齐",
        "severity": "medium",
        "deadline": "2026-12-31",
        "responsible": "王老师",
    }
    response = api_for(inspector).post("/api/v1/rectifications/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert isinstance(data["id"], int)
    assert (data["school"], data["visit"], data["status"]) == ("S001", draft.pk, "open")
    assert data["severity_display"] == "中"
    assert data["created_by"] == "inspector"
    assert [h["action"] for h in data["history"]] == ["created"]


def test_visit_must_be_of_the_same_school(inspector, other_school, draft):
    with pytest.raises(DomainError, match="督导记录不是该校的，不能据此下达整改"):
        services.rectification_create(
            user=inspector,
            school=other_school,
            visit=draft,
            title="问题",
            detail="",
            severity="low",
            deadline=_today(),
            responsible="",
        )


def test_create_checks(inspector, school):
    with pytest.raises(DomainError, match="整改问题不能为空"):
        services.rectification_create(
            user=inspector, school=school, title=" ", severity="low", deadline=_today()
        )
    with pytest.raises(DomainError, match="严重程度只能是 low、medium、high"):
        services.rectification_create(
            user=inspector, school=school, title="问题", severity="urgent", deadline=_today()
        )


@pytest.mark.parametrize("status", ["answered", "closed"])
def test_cannot_answer_unless_open_or_reopened(principal, inspector, school, status):
    task = _make(inspector, school)
    services.rectification_answer(task=task, user=principal, text="已改")
    if status == "closed":
        services.rectification_verify(task=task, user=inspector, accepted=True, reason="")
    label = {"answered": "已答复", "closed": "已销号"}[status]
    with pytest.raises(DomainError, match=f"整改事项{label}，不能答复"):
        services.rectification_answer(task=task, user=principal, text="再答复")


@pytest.mark.parametrize("status", ["open", "reopened", "closed"])
def test_can_verify_only_answered(principal, inspector, school, status):
    task = _make(inspector, school)
    if status != "open":
        services.rectification_answer(task=task, user=principal, text="已改")
        services.rectification_verify(
            task=task, user=inspector, accepted=status == "closed", reason="不够"
        )
    label = dict(RectificationStatus.choices)[status]
    with pytest.raises(DomainError, match=f"整改事项{label}，只有已答复的整改才能验收"):
        services.rectification_verify(task=task, user=inspector, accepted=True, reason="")


def test_answer_needs_text(principal, task):
    with pytest.raises(DomainError, match="请填写整改情况"):
        services.rectification_answer(task=task, user=principal, text="  ")


# --- overdue -------------------------------------------------------------------------------


def test_overdue_is_computed_at_request_time(api_for, inspector, principal, school):
    late = _make(inspector, school, days=-1, title="逾期")
    closed = _make(inspector, school, days=-1, title="已销号")
    services.rectification_answer(task=closed, user=principal, text="已改")
    services.rectification_verify(task=closed, user=inspector, accepted=True, reason="")
    due_today = _make(inspector, school, days=0, title="今天到期")
    rows = api_for(inspector).get("/api/v1/rectifications/").json()["results"]
    overdue = {row["id"]: row["overdue"] for row in rows}
    assert overdue == {late.pk: True, closed.pk: False, due_today.pk: False}


def test_overdue_follows_the_clock(api_for, inspector, school, monkeypatch):
    task = _make(inspector, school, days=0)
    url = f"/api/v1/rectifications/{task.pk}/"
    assert api_for(inspector).get(url).json()["overdue"] is False
    tomorrow = _today() + datetime.timedelta(days=1)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: tomorrow)
    assert api_for(inspector).get(url).json()["overdue"] is True


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_who_sees_tasks(who, request, api_for, inspector, school, other_school):
    own, other = _make(inspector, school), _make(inspector, other_school)
    user = request.getfixturevalue(who)
    rows = api_for(user).get("/api/v1/rectifications/").json()["results"]
    expected = {
        "principal": {own.pk},
        "other_principal": {other.pk},
    }.get(who, {own.pk, other.pk})
    assert {row["id"] for row in rows} == expected


def test_principal_cannot_open_another_schools_task(api_for, inspector, other_principal, task):
    client = api_for(other_principal)
    url = f"/api/v1/rectifications/{task.pk}/"
    assert client.get(url).status_code == 404
    response = client.post(url + "answer/", {"text": "x"}, format="json")
    assert response.status_code == 404
    assert response.json() == NOT_FOUND
    response = client.post(url + "verify/", {"accepted": True}, format="json")
    assert response.status_code == 404


def test_absent_task_is_404(api_for, staff):
    response = api_for(staff).post("/api/v1/rectifications/999/answer/", {"text": "x"})
    assert response.status_code == 404
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize(
    "who, code",
    [
        ("admin_user", 201),
        ("staff", 201),
        ("inspector", 201),
        ("leader", 403),
        ("principal", 403),
    ],
)
def test_who_creates(who, code, request, api_for, school):
    body = {"school": "S001", "title": "问题", "severity": "low", "deadline": "2026-12-31"}
    response = api_for(request.getfixturevalue(who)).post(
        "/api/v1/rectifications/", body, format="json"
    )
    assert response.status_code == code, response.json()
    if code == 403:
        assert response.json() == {"detail": "只有督导员、局机关工作人员或管理员可以下达整改。"}


@pytest.mark.parametrize(
    "who, code",
    [
        ("admin_user", 200),
        ("staff", 200),
        ("principal", 200),
        ("inspector", 403),
        ("leader", 403),
    ],
)
def test_who_answers(who, code, request, api_for, task):
    response = api_for(request.getfixturevalue(who)).post(
        f"/api/v1/rectifications/{task.pk}/answer/", {"text": "已改"}, format="json"
    )
    assert response.status_code == code, response.json()
    if code == 403:
        assert response.json()["detail"] == "只有该校校长、局机关工作人员或管理员可以答复整改"


@pytest.mark.parametrize(
    "who, code",
    [
        ("admin_user", 200),
        ("staff", 200),
        ("inspector", 200),
        ("principal", 403),
        ("leader", 403),
    ],
)
def test_who_verifies(who, code, request, api_for, principal, task):
    services.rectification_answer(task=task, user=principal, text="已改")
    response = api_for(request.getfixturevalue(who)).post(
        f"/api/v1/rectifications/{task.pk}/verify/", {"accepted": True}, format="json"
    )
    assert response.status_code == code, response.json()
    if code == 403:
        assert response.json()["detail"] == "只有督导员、局机关工作人员或管理员可以验收整改"


def test_services_refuse_without_the_api(principal, other_principal, leader, inspector, task):
    with pytest.raises(NotAllowed):
        services.rectification_answer(task=task, user=other_principal, text="x")
    with pytest.raises(NotAllowed):
        services.rectification_create(
            user=leader, school=task.school, title="x", severity="low", deadline=_today()
        )


# --- filters -------------------------------------------------------------------------------


def test_filters(api_for, inspector, principal, school, other_school):
    late = _make(inspector, school, days=-3)
    answered = _make(inspector, school, days=5)
    services.rectification_answer(task=answered, user=principal, text="已改")
    elsewhere = _make(inspector, other_school, days=5)
    client = api_for(inspector)

    def ids(query):
        response = client.get("/api/v1/rectifications/" + query)
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert ids("?school=S001") == {late.pk, answered.pk}
    assert ids("?school=S002") == {elsewhere.pk}
    assert ids("?status=answered") == {answered.pk}
    assert ids("?status=open") == {late.pk, elsewhere.pk}
    assert ids("?overdue=true") == {late.pk}
    assert ids("?overdue=false") == {answered.pk, elsewhere.pk}
    assert ids("?school=S001&overdue=false") == {answered.pk}
