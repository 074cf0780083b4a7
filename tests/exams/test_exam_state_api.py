"""POST /api/v1/exams/{code}/state/ (SPEC §4): the exam page's state buttons over the API."""

import pytest

from exams.models import Exam
from tests.factories import ExamFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/exams/E1/state/"
LABEL = {"draft": "草稿", "open": "开放上传", "closed": "已截止", "published": "已发布"}
ALLOWED = [
    ("draft", "open"),
    ("open", "closed"),
    ("closed", "published"),
    ("open", "draft"),
    ("closed", "open"),
    ("published", "closed"),
]
STATES = ["draft", "open", "closed", "published"]
REFUSED = [(a, b) for a in STATES for b in STATES if (a, b) not in ALLOWED]


def exam_in(state):
    return ExamFactory(code="E1", state=state)


@pytest.mark.parametrize("role", ["admin", "staff"])
@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_every_move_of_the_page_is_a_move_of_the_api(api_for, users, role, source, target):
    exam_in(source)
    response = api_for(users[role]).post(URL, {"state": target}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["code"], body["state"], body["state_display"]) == ("E1", target, LABEL[target])
    assert Exam.objects.get(code="E1").state == target


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_a_refused_move_is_400_with_the_reason(api_for, staff, source, target):
    exam_in(source)
    response = api_for(staff).post(URL, {"state": target}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == f"考试状态不能从“{LABEL[source]}”改为“{LABEL[target]}”"
    assert Exam.objects.get(code="E1").state == source


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"state": "archived"}, "未知的考试状态“archived”"),
        ({"state": ""}, "缺少字段 state（draft、open、closed 或 published）"),
        ({}, "缺少字段 state（draft、open、closed 或 published）"),
    ],
)
def test_an_unknown_or_missing_state_is_400(api_for, admin_user, body, detail):
    exam_in("open")
    response = api_for(admin_user).post(URL, body, format="json")
    assert (response.status_code, response.json()["detail"]) == (400, detail)
    assert Exam.objects.get(code="E1").state == "open"


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("role", ["leader", "inspector", "principal"])
def test_other_roles_are_refused(api_for, users, role, state):
    exam_in(state)
    target = "closed" if state != "closed" else "open"
    response = api_for(users[role]).post(URL, {"state": target}, format="json")
    # Inspectors and principals do not see drafts at all: the exam is "not found" to them.
    hidden = state == "draft" and role in ("inspector", "principal")
    assert response.status_code == (404 if hidden else 403)
    if not hidden:
        assert response.json()["detail"] == "只有局机关工作人员或管理员可以更改考试状态。"
    assert Exam.objects.get(code="E1").state == state


def test_an_unknown_exam_is_404_and_anonymous_is_refused(api_for, staff, client):
    exam_in("open")
    response = api_for(staff).post("/api/v1/exams/NOPE/state/", {"state": "closed"})
    assert response.status_code == 404
    assert client.post(URL, {"state": "closed"}).status_code == 403
    assert api_for(staff).get(URL).status_code == 405
    assert Exam.objects.get(code="E1").state == "open"


def test_the_schema_documents_the_state_move(api_for, staff):
    schema = api_for(staff).get("/api/v1/schema/", {"format": "json"}).json()
    assert "post" in schema["paths"]["/api/v1/exams/{code}/state/"]
