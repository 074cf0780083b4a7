"""Lesson-observation pages (听课) and the quota compliance page: who opens what, the two-step
form, filters and hand-computed compliance numbers (docs/rectifications-observations.md)."""

import datetime

import pytest
from django.utils import timezone

from bureau.models import Term
from inspections import services
from inspections.models import Observation

from ..factories import TermFactory, UserFactory

ROLES = ["admin_user", "leader", "staff", "inspector", "principal", "other_principal"]
DAY = datetime.date(2026, 10, 15)


def _observe(user, teacher, *, day=DAY, announced=False, notes=""):
    return services.observation_create(
        user=user, teacher=teacher, date=day, rating="良", announced=announced, notes=notes
    )


def _form(teacher, **extra):
    return {
        "teacher": teacher.pk,
        "class_name": "九年级1班",
        "subject": "数学",
        "date": DAY.isoformat(),
        "announced": "no",
        "rating": "优",
        "notes": "板书清楚",
        **extra,
    }


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_list_per_role(request, client_for, role, inspector, teacher, other_teacher):
    _observe(inspector, teacher)
    _observe(inspector, other_teacher)
    response = client_for(request.getfixturevalue(role)).get("/observations/")
    assert response.status_code == 200
    schools = sorted(o.school.code for o in response.context["page"])
    expected = {"principal": ["S001"], "other_principal": ["S002"]}.get(role, ["S001", "S002"])
    assert schools == expected


@pytest.mark.parametrize(
    "role, code",
    [
        ("admin_user", 200),
        ("staff", 200),
        ("inspector", 200),
        ("principal", 200),
        ("other_principal", 200),
        ("leader", 403),
    ],
)
def test_new_page_per_role(request, client_for, role, code, teacher):
    assert client_for(request.getfixturevalue(role)).get("/observations/new/").status_code == code


@pytest.mark.parametrize("role", ROLES)
def test_compliance_page_per_role(request, client_for, role, term):
    assert (
        client_for(request.getfixturevalue(role)).get("/observations/compliance/").status_code
        == 200
    )


@pytest.mark.parametrize(
    "path", ["/observations/", "/observations/new/", "/observations/compliance/"]
)
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


# --- the form ------------------------------------------------------------------------------


def test_principal_records_at_own_school_only(client_for, principal, teacher, other_teacher):
    client = client_for(principal)
    page = client.get("/observations/new/")
    assert page.context["schools"] is None  # no school step for a principal
    assert list(page.context["form"].fields["teacher"].queryset) == [teacher]
    assert page.context["form"]["announced"].value() == "no"  # 推门 by default
    response = client.post("/observations/new/", _form(teacher))
    assert response.status_code == 302 and response.url == "/observations/"
    observation = Observation.objects.get()
    assert (observation.observer, observation.school.code, observation.teacher) == (
        principal,
        "S001",
        teacher,
    )
    assert (observation.rating, observation.announced, observation.subject) == ("优", False, "数学")
    # another school's teacher is not among the choices
    response = client.post("/observations/new/", _form(other_teacher))
    assert response.status_code == 200
    assert "teacher" in response.context["form"].errors
    assert Observation.objects.count() == 1


def test_inspector_picks_school_then_teacher(client_for, inspector, teacher, other_teacher):
    client = client_for(inspector)
    page = client.get("/observations/new/")
    assert page.context["form"] is None
    assert [s.code for s in page.context["schools"]] == ["S001", "S002"]
    page = client.get("/observations/new/?school=S002")
    assert list(page.context["form"].fields["teacher"].queryset) == [other_teacher]
    response = client.post("/observations/new/?school=S002", _form(other_teacher, announced="yes"))
    assert response.status_code == 302
    observation = Observation.objects.get()
    assert (observation.school.code, observation.announced) == ("S002", True)
    # a teacher of another school than the one chosen is refused
    response = client.post("/observations/new/?school=S002", _form(teacher))
    assert response.status_code == 200 and "teacher" in response.context["form"].errors
    assert client.get("/observations/new/?school=S999").status_code == 404


def test_future_date_is_refused_with_the_services_message(client_for, staff, teacher):
    future = timezone.localdate() + datetime.timedelta(days=2)
    response = client_for(staff).post(
        "/observations/new/?school=S001", _form(teacher, date=future.isoformat())
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["听课日期不能晚于今天"]
    assert Observation.objects.count() == 0


def test_leader_cannot_post(client_for, leader, teacher):
    response = client_for(leader).post("/observations/new/?school=S001", _form(teacher))
    assert response.status_code == 403
    assert Observation.objects.count() == 0


# --- list filters, escaping ----------------------------------------------------------------


def test_list_filters(client_for, staff, inspector, principal, term, teacher, other_teacher):
    _observe(principal, teacher)
    _observe(inspector, other_teacher, announced=True)
    _observe(inspector, teacher, day=datetime.date(2026, 8, 20))  # before the term
    client = client_for(staff)

    def seen(query):
        response = client.get("/observations/" + query)
        assert response.status_code == 200
        return sorted(
            (o.observer.username, o.school.code, o.date.day) for o in response.context["page"]
        )

    assert seen("?school=S002") == [("inspector", "S002", 15)]
    assert seen("?observer=principal") == [("principal", "S001", 15)]
    assert seen(f"?term={term.pk}") == [("inspector", "S002", 15), ("principal", "S001", 15)]
    assert seen("?announced=yes") == [("inspector", "S002", 15)]
    assert seen("?announced=no") == [("inspector", "S001", 20), ("principal", "S001", 15)]


def test_notes_are_escaped(client_for, inspector, teacher):
    _observe(inspector, teacher, notes="<script>x()</script>")
    html = client_for(inspector).get("/observations/").content.decode()
    assert "<script>x()</script>" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html


# --- compliance ----------------------------------------------------------------------------


def test_compliance_numbers(
    client_for, staff, principal, other_principal, inspector, term, teacher
):
    for _ in range(3):
        _observe(principal, teacher)
    _observe(principal, teacher, day=datetime.date(2026, 8, 31))  # before the term: not counted
    _observe(inspector, teacher)
    UserFactory(username="retired", role="inspector", is_active=False)

    response = client_for(staff).get("/observations/compliance/")
    assert response.status_code == 200
    rows = {r["user"]: r for r in response.context["rows"]}
    # principal: 50 − 3 = 47 behind, 3/50 = 6 %; principal2: 50 behind; inspector 80 − 1 = 79
    assert (rows["principal"]["done"], rows["principal"]["quota"], rows["principal"]["behind"]) == (
        3,
        50,
        47,
    )
    assert rows["principal"]["progress"] == 6
    assert (rows["principal2"]["done"], rows["principal2"]["behind"]) == (0, 50)
    assert (rows["inspector"]["done"], rows["inspector"]["behind"]) == (1, 79)
    assert rows["inspector"]["progress"] == 1  # 1/80 = 1.25 % → 1
    # those behind first: 79, 50, 47
    assert [r["user"] for r in response.context["rows"]] == ["inspector", "principal2", "principal"]
    schools = response.context["schools"]
    assert [(s["school"], s["done"], s["quota"], s["behind"]) for s in schools] == [
        ("S002", 0, 50, 50),
        ("S001", 3, 50, 47),
    ]
    assert response.context["behind_count"] == 3
    html = response.content.decode()
    assert "城关第一初级中学" in html and "width: 6%" in html


def test_principal_sees_own_school_only(client_for, principal, other_principal, term):
    response = client_for(principal).get("/observations/compliance/")
    assert [r["user"] for r in response.context["rows"]] == ["principal"]
    assert [s["school"] for s in response.context["schools"]] == ["S001"]


def test_compliance_term_picker(client_for, staff, principal, term, teacher):
    spring = TermFactory(
        year=term.year, number=2, start=datetime.date(2027, 2, 15), end=datetime.date(2027, 7, 10)
    )
    _observe(principal, teacher)
    client = client_for(staff)
    rows = client.get(f"/observations/compliance/?term={term.pk}").context["rows"]
    assert [(r["user"], r["done"]) for r in rows] == [("principal", 1)]
    response = client.get(f"/observations/compliance/?term={spring.pk}")
    assert response.context["term"] == spring
    assert [(r["user"], r["done"], r["behind"]) for r in response.context["rows"]] == [
        ("principal", 0, 50)
    ]


def test_compliance_without_a_term(client_for, staff):
    # The first migrate makes the current year's terms; an administrator deleted them.
    Term.objects.all().delete()
    response = client_for(staff).get("/observations/compliance/")
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["尚未设置学期，无法统计听课任务"]
    assert response.context["rows"] == []
