"""Coverage of schools per term (督导覆盖): counts from hand-made visits across two terms."""

import datetime

import pytest

from inspections import services
from schools.models import Stage
from tests.factories import AcademicYearFactory, SchoolFactory, TermFactory, UserFactory

from .conftest import full_scores

ROLES = ["admin_user", "leader", "staff", "inspector", "principal", "other_principal"]


@pytest.fixture
def terms(db):
    year = AcademicYearFactory()
    autumn = TermFactory(
        year=year, number=1, start=datetime.date(2026, 9, 1), end=datetime.date(2027, 1, 31)
    )
    spring = TermFactory(
        year=year, number=2, start=datetime.date(2027, 2, 1), end=datetime.date(2027, 7, 15)
    )
    return autumn, spring


@pytest.fixture
def visits(inspector, staff, school, other_school, checklist, items):
    """S001: autumn routine (8/15/中 → 44/60) and autumn unannounced (10/20/好 → 60/60),
    spring routine; S002: autumn draft only (not counted); S003 (primary, 河口镇): spring
    only; S004 closed: never counted."""
    SchoolFactory(code="S003", name="河口镇小学", stage=Stage.PRIMARY, township="河口镇")
    SchoolFactory(code="S004", name="已停办小学", stage=Stage.PRIMARY, active=False)
    second = UserFactory(username="inspector2", role="inspector", full_name="李督导")

    def visit(code, day, kind="routine", scores=None, submit=True, who=inspector, people=()):
        from schools.models import School

        v = services.visit_create(
            user=who,
            school=School.objects.get(code=code),
            date=day,
            kind=kind,
            checklist=checklist,
            inspectors=list(people),
            scores=scores or full_scores(items),
        )
        return services.visit_submit(visit=v, user=who) if submit else v

    return {
        "s1_autumn_1": visit("S001", datetime.date(2026, 9, 20)),
        "s1_autumn_2": visit(
            "S001",
            datetime.date(2026, 11, 5),
            kind="unannounced",
            scores=full_scores(items, a=10, b=20, level="好"),
            who=staff,
            people=[second],
        ),
        "s1_spring": visit("S001", datetime.date(2027, 3, 1)),
        "s2_draft": visit("S002", datetime.date(2026, 10, 1), submit=False),
        "s3_spring": visit("S003", datetime.date(2027, 4, 2), kind="unannounced"),
    }


@pytest.mark.parametrize("role", ROLES)
def test_coverage_access(request, client_for, terms, role):
    response = client_for(request.getfixturevalue(role)).get("/inspections/coverage/")
    assert response.status_code == (403 if "principal" in role else 200)


def rows_of(response):
    return {r.school.code: r for r in response.context["report"].rows}


def test_autumn_term(client_for, leader, terms, visits):
    autumn, _spring = terms
    response = client_for(leader).get(f"/inspections/coverage/?term={autumn.pk}")
    report = response.context["report"]
    # S001, S002, S003 are active; only S001 has submitted visits in the autumn: 1 / 3.
    assert (report.visited, report.total) == (1, 3)
    assert [r.school.code for r in report.rows] == ["S002", "S003", "S001"]  # not visited first
    s1 = rows_of(response)["S001"]
    assert (s1.visits, s1.unannounced) == (2, 1)
    assert s1.last_date == datetime.date(2026, 11, 5)
    assert s1.last_inspectors == ["李督导"]  # staff who record are not added themselves
    assert s1.last_percentage == 1.0  # 10 + 40 + 10 of 60
    s2 = rows_of(response)["S002"]
    assert (s2.visits, s2.last_date, s2.last_percentage) == (0, None, None)  # a draft: no
    html = response.content.decode()
    assert "已督导 1 / 3 所（33.3%）" in html and "100.0%" in html


def test_spring_term_and_filters(client_for, inspector, terms, visits):
    _autumn, spring = terms
    client = client_for(inspector)
    response = client.get(f"/inspections/coverage/?term={spring.pk}")
    report = response.context["report"]
    assert (report.visited, report.total, report.unannounced) == (2, 3, 1)
    assert [r.school.code for r in report.rows] == ["S002", "S001", "S003"]
    s1 = rows_of(response)["S001"]
    assert (s1.visits, s1.last_percentage) == (1, pytest.approx(0.733333))  # 44 / 60

    primary = client.get(f"/inspections/coverage/?term={spring.pk}&stage=primary")
    assert [r.school.code for r in primary.context["report"].rows] == ["S003"]
    town = client.get(f"/inspections/coverage/?term={spring.pk}&township=河口镇")
    assert town.context["report"].visited == 1 and town.context["report"].total == 1


def test_default_is_the_current_term(client_for, staff, terms, visits, monkeypatch):
    from django.utils import timezone

    autumn, _spring = terms
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2026, 12, 1))
    response = client_for(staff).get("/inspections/coverage/")
    assert response.context["term"] == autumn
    assert "本学期已督导 1 / 3 所（33.3%）" in response.content.decode()


def test_no_term_set_up(client_for, staff, school):
    from bureau.models import Term

    Term.objects.all().delete()  # the first migrate makes the current year's terms
    response = client_for(staff).get("/inspections/coverage/")
    assert response.status_code == 200
    assert "尚未设置学期，无法统计督导覆盖情况。" in response.content.decode()
