"""Lesson observations (推门听课) and their quotas (SPEC §4 "Inspections and bulletins")."""

import datetime

import pytest

from bureau.models import Term
from inspections.models import ObservationQuota

from ..factories import TermFactory, UserFactory

DAY = datetime.date(2026, 10, 15)


def _body(teacher="T001", **extra):
    return {
        "teacher": teacher,
        "class_name": "九年级1班",
        "subject": "数学",
        "date": DAY.isoformat(),
        "announced": False,
        "rating": "良",
        "notes": "板书清楚",
        **extra,
    }


def _observe(client, **extra):
    return client.post("/api/v1/observations/", _body(**extra), format="json")


def test_default_quotas(db):
    assert {(q.role, q.per, q.quota) for q in ObservationQuota.objects.all()} == {
        ("principal", "term", 50),
        ("inspector", "year", 80),
    }


@pytest.mark.parametrize("who", ["admin_user", "staff", "inspector", "principal"])
def test_who_records(who, request, api_for, teacher):
    user = request.getfixturevalue(who)
    response = _observe(api_for(user))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert isinstance(body["id"], int)
    assert (body["observer"], body["school"], body["teacher"]) == (user.username, "S001", "T001")
    assert (body["rating"], body["announced"]) == ("良", False)


def test_leader_cannot_record(api_for, leader, teacher):
    response = _observe(api_for(leader))
    assert response.status_code == 403
    assert response.json() == {"detail": "只有校长、督导员、局机关工作人员或管理员可以记录听课。"}


def test_principal_only_at_own_school(api_for, principal, other_teacher):
    response = _observe(api_for(principal), teacher="T002")
    assert response.status_code == 400
    assert response.json()["detail"] == "教师不存在：T002"


def test_inspector_anywhere(api_for, inspector, other_teacher):
    response = _observe(api_for(inspector), teacher="T002")
    assert response.status_code == 201
    assert response.json()["school"] == "S002"


def test_checks(api_for, inspector, teacher):
    client = api_for(inspector)
    response = _observe(client, rating="很好")
    assert response.status_code == 400
    future = datetime.date.today() + datetime.timedelta(days=2)
    response = _observe(client, date=future.isoformat())
    assert response.status_code == 400
    assert response.json()["detail"] == "听课日期不能晚于今天"


def test_who_sees_observations(api_for, users, other_principal, teacher, other_teacher):
    mine = _observe(api_for(users["inspector"])).json()["id"]
    theirs = _observe(api_for(users["inspector"]), teacher="T002").json()["id"]
    for role, user in users.items():
        rows = api_for(user).get("/api/v1/observations/").json()["results"]
        expected = {mine} if role == "principal" else {mine, theirs}
        assert {r["id"] for r in rows} == expected, role
    rows = api_for(other_principal).get("/api/v1/observations/").json()["results"]
    assert {r["id"] for r in rows} == {theirs}
    response = api_for(other_principal).get(f"/api/v1/observations/{mine}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "听课记录不存在"}


def test_compliance(api_for, staff, principal, other_principal, inspector, term, teacher):
    client = api_for(principal)
    for _ in range(3):
        assert _observe(client).status_code == 201
    # Before the term: counts for neither the term nor the year.
    assert _observe(client, date="2026-08-31").status_code == 201
    assert _observe(api_for(inspector)).status_code == 201
    UserFactory(username="retired", role="inspector", is_active=False)

    response = api_for(staff).get("/api/v1/observations/compliance/")
    assert response.status_code == 200, response.json()
    rows = {r["user"]: r for r in response.json()}
    assert set(rows) == {"principal", "principal2", "inspector"}
    # 50 − 3 = 47 behind; 80 − 1 = 79; 50 − 0 = 50
    assert (rows["principal"]["done"], rows["principal"]["behind"]) == (3, 47)
    assert (rows["inspector"]["done"], rows["inspector"]["quota"], rows["inspector"]["behind"]) == (
        1,
        80,
        79,
    )
    assert (rows["principal2"]["school"], rows["principal2"]["behind"]) == ("S002", 50)
    assert rows["inspector"]["school"] is None

    rows = api_for(staff).get("/api/v1/observations/compliance/?school=S002").json()
    assert [r["user"] for r in rows] == ["principal2"]

    rows = api_for(principal).get("/api/v1/observations/compliance/").json()
    assert [r["user"] for r in rows] == ["principal"]


def test_compliance_of_another_term(api_for, staff, principal, term, teacher):
    spring = TermFactory(
        year=term.year,
        number=2,
        start=datetime.date(2027, 2, 15),
        end=datetime.date(2027, 7, 10),
    )
    assert _observe(api_for(principal)).status_code == 201
    rows = api_for(staff).get(f"/api/v1/observations/compliance/?term={spring.pk}").json()
    assert [(r["user"], r["done"]) for r in rows] == [("principal", 0)]
    response = api_for(staff).get("/api/v1/observations/compliance/?term=999")
    assert response.status_code == 400
    assert response.json()["detail"] == "学期不存在：999"


def test_compliance_needs_a_term(api_for, staff):
    # The first migrate makes the current year's terms; an administrator deleted them.
    Term.objects.all().delete()
    response = api_for(staff).get("/api/v1/observations/compliance/")
    assert response.status_code == 400
    assert response.json()["detail"] == "尚未设置学期，无法统计听课任务"
