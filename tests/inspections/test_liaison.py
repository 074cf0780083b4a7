"""The liaison (包联) page: who may open it, and each school's figures from hand-made rows
(docs/rectifications-observations.md)."""

import datetime

import pytest
from django.utils import timezone

from exams.models import TOTAL, ExamState, Level, UnitStat
from inspections import services

from ..factories import ExamFactory, SchoolFactory, TeacherFactory, TermFactory
from .conftest import full_scores


def _stat(exam, school, *, composite, rank):
    return UnitStat.objects.create(
        exam=exam,
        level=Level.SCHOOL,
        subject=TOTAL,
        school=school,
        enrolled=10,
        sat=10,
        absent=0,
        composite=composite,
        rank=rank,
    )


@pytest.fixture
def liaison_of_s001(inspector, school):
    school.liaison = inspector
    school.save(update_fields=["liaison"])
    return inspector


@pytest.fixture
def figures(staff, inspector, principal, school, other_school, checklist, items):
    """S001's figures:
    - exams: an older published one (rank 3), the latest published one (composite 72.5, rank
      2 of 3 ranked schools), a newer one still closed (ignored);
    - visits: a submitted one scored 8 + 15×2 + 6 = 44 of 60 = 73.3 % (passed at 60 %), a
      newer draft (ignored);
    - rectifications: one open and late, one open on time, one closed: 2 open, 1 overdue;
    - the principal observed 3 lessons this term against 50."""
    third = SchoolFactory(code="S003", name="第三中学")
    old = ExamFactory(code="old", date=datetime.date(2026, 9, 20), state=ExamState.PUBLISHED)
    _stat(old, school, composite=60.0, rank=3)
    latest = ExamFactory(
        code="latest",
        name="九年级期中",
        date=datetime.date(2026, 11, 10),
        state=ExamState.PUBLISHED,
    )
    _stat(latest, school, composite=72.5, rank=2)
    _stat(latest, other_school, composite=80.0, rank=1)
    _stat(latest, third, composite=50.0, rank=3)
    newer = ExamFactory(code="newer", date=datetime.date(2026, 11, 25), state=ExamState.CLOSED)
    _stat(newer, school, composite=99.0, rank=1)

    visit = services.visit_create(
        user=inspector,
        school=school,
        date=datetime.date(2026, 10, 1),
        kind="routine",
        checklist=checklist,
        scores=full_scores(items),
    )
    services.visit_submit(visit=visit, user=inspector)
    services.visit_create(
        user=inspector, school=school, date=datetime.date(2026, 11, 1), kind="routine",
        checklist=checklist,
    )  # fmt: skip

    today = timezone.localdate()
    for days, title in ((-4, "逾期"), (10, "未到期"), (-9, "已销号")):
        task = services.rectification_create(
            user=inspector, school=school, title=title, severity="low",
            deadline=today + datetime.timedelta(days=days),
        )  # fmt: skip
        if title == "已销号":
            services.rectification_answer(task=task, user=principal, text="已改")
            services.rectification_verify(task=task, user=inspector, accepted=True)

    TermFactory()
    teacher = TeacherFactory(school=school)
    for _ in range(3):
        services.observation_create(
            user=principal, teacher=teacher, date=datetime.date(2026, 10, 15), rating="良"
        )
    return {"visit": visit, "latest": latest}


@pytest.mark.parametrize(
    "role, code",
    [
        ("admin_user", 200),
        ("leader", 200),
        ("staff", 200),
        ("inspector", 200),
        ("principal", 403),
        ("other_principal", 403),
    ],
)
def test_access_per_role(request, client_for, role, code):
    assert client_for(request.getfixturevalue(role)).get("/liaison/").status_code == code


def test_anonymous_is_sent_to_login(client):
    response = client.get("/liaison/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_figures_per_school(client_for, liaison_of_s001, figures):
    response = client_for(liaison_of_s001).get("/liaison/")
    assert response.status_code == 200
    [row] = response.context["overview"]
    assert row["school"].code == "S001"
    result = row["result"]
    assert (result["exam"].code, result["composite"], result["rank"], result["ranked"]) == (
        "latest",
        72.5,
        2,
        3,
    )
    assert row["visit"] == figures["visit"]
    # 44 / 60 = 0.733333
    assert (row["visit_result"].percentage, row["visit_result"].passed) == (0.733333, True)
    assert (row["open"], row["overdue"]) == (2, 1)
    [principal_row] = row["principals"]
    assert (principal_row["user"], principal_row["done"], principal_row["quota"]) == (
        "principal",
        3,
        50,
    )
    html = response.content.decode()
    assert "九年级期中" in html and "72.50" in html and "全县第 2 名（共 3 校）" in html
    assert "73.3%" in html and "合格" in html
    assert "逾期 1 项" in html and "3 / 50" in html


def test_school_without_anything_yet(client_for, staff, other_school):
    other_school.liaison = staff
    other_school.save(update_fields=["liaison"])
    [row] = client_for(staff).get("/liaison/").context["overview"]
    assert (row["result"], row["visit"], row["open"], row["overdue"]) == (None, None, 0, 0)
    assert row["principals"] == []  # no term set up


def test_empty_state(client_for, leader, school):
    response = client_for(leader).get("/liaison/")
    assert response.context["overview"] == []
    assert "您目前没有包联学校" in response.content.decode()


def test_staff_may_look_at_someone_else(client_for, staff, admin_user, liaison_of_s001, figures):
    for user in (staff, admin_user):
        response = client_for(user).get("/liaison/?user=inspector")
        assert response.status_code == 200
        assert response.context["person"] == liaison_of_s001
        assert [r["school"].code for r in response.context["overview"]] == ["S001"]
        assert [u.username for u in response.context["liaisons"]] == ["inspector"]
    assert client_for(staff).get("/liaison/?user=nobody").status_code == 404


@pytest.mark.parametrize("role", ["leader", "inspector"])
def test_others_may_not_look_at_someone_else(request, client_for, role, staff):
    user = request.getfixturevalue(role)
    assert client_for(user).get("/liaison/?user=staff").status_code == 403
    assert client_for(user).get(f"/liaison/?user={user.username}").status_code == 200


def test_school_name_is_escaped(client_for, staff):
    SchoolFactory(code="S009", name="<b>某校</b>", liaison=staff)
    html = client_for(staff).get("/liaison/").content.decode()
    assert "<b>某校</b>" not in html and "&lt;b&gt;某校&lt;/b&gt;" in html
