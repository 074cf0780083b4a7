"""An inspector's student-level scope: only submitted visits of the current or previous term
open a school's student rows (bureau.access.students). Each escalation path is tried through
the service, the API and the pages."""

import datetime

import pytest
from django.utils import timezone

from bureau import access
from bureau.models import AccessLog, Role, Term
from exams.services.stats import stats_compute
from inspections import services
from inspections.models import Visit, VisitStatus

from ..exams.stats_data import build_county
from ..factories import AcademicYearFactory, TermFactory, UserFactory
from ..inspections.conftest import ITEMS, full_scores

pytestmark = pytest.mark.django_db


@pytest.fixture
def checklist(staff):
    return services.checklist_create(name="教学常规检查", pass_mark=0.6, items=ITEMS, user=staff)


@pytest.fixture
def exam(school, other_school):
    exam = build_county(school, other_school)
    stats_compute(exam_id=exam.pk)
    exam.state = "published"
    exam.save(update_fields=["state"])
    return exam


def _draft(inspector, school, checklist, day=None):
    return services.visit_create(
        user=inspector,
        school=school,
        date=day or timezone.localdate(),
        kind="unannounced",
        checklist=checklist,
    )


def _submitted(inspector, school, checklist, day=None):
    visit = _draft(inspector, school, checklist, day)
    items = list(checklist.items.order_by("order"))
    services.visit_update(visit=visit, user=inspector, scores=full_scores(items))
    return services.visit_submit(visit=visit, user=inspector)


def _scores(api_for, user, **query):
    return api_for(user).get("/api/v1/exams/M1/scores/", query)


def test_a_draft_visit_opens_nothing(inspector, school, other_school, checklist, exam, api_for):
    _draft(inspector, school, checklist)
    assert access.student_school_ids(inspector) == set()
    answer = _scores(api_for, inspector, school="S001")
    assert answer.status_code == 403
    assert answer.json()["detail"] == "没有查看学生成绩明细的权限"


def test_a_future_dated_draft_opens_nothing(inspector, school, checklist, exam, api_for):
    _draft(inspector, school, checklist, day=timezone.localdate() + datetime.timedelta(days=30))
    assert access.visited_school_ids(inspector) == set()
    assert _scores(api_for, inspector, school="S001").status_code == 403


def test_moving_a_draft_to_another_school_moves_nothing(
    inspector, school, other_school, checklist, exam, api_for, client_for
):
    visit = _draft(inspector, school, checklist)
    services.visit_update(visit=visit, user=inspector, school=other_school)
    assert access.visited_school_ids(inspector) == set()
    assert _scores(api_for, inspector, school="S002").status_code == 403
    page = client_for(inspector).get("/exams/M1/schools/S002/").content.decode()
    assert "无权查看学生明细" in page


def test_a_submitted_visit_opens_that_school_only(
    inspector, school, other_school, checklist, exam, api_for, client_for
):
    visit = _submitted(inspector, school, checklist)
    assert visit.status == VisitStatus.SUBMITTED
    assert access.visited_school_ids(inspector) == {school.pk}
    rows = _scores(api_for, inspector).json()["results"]
    assert {r["school_code"] for r in rows} == {"S001"}
    assert _scores(api_for, inspector, school="S002").status_code == 403
    own = client_for(inspector).get("/exams/M1/schools/S001/").content.decode()
    assert "无权查看学生明细" not in own
    other = client_for(inspector).get("/exams/M1/schools/S002/").content.decode()
    assert "无权查看学生明细" in other
    assert AccessLog.objects.filter(user=inspector).exists()


def test_a_submitted_visit_of_another_inspector_opens_nothing(
    inspector, school, checklist, exam, api_for
):
    _submitted(UserFactory(username="inspector2", role=Role.INSPECTOR), school, checklist)
    assert access.visited_school_ids(inspector) == set()
    assert _scores(api_for, inspector, school="S001").status_code == 403


def test_the_window_is_the_current_and_the_previous_term(inspector, school, checklist):
    """Terms: 2025-2026 second (2026-02-01 … 2026-08-31), 2026-2027 first (2026-09-01 …)."""
    TermFactory()  # 2026-09-01 … 2027-01-31
    last_year = AcademicYearFactory(
        name="2025-2026", start=datetime.date(2025, 9, 1), end=datetime.date(2026, 8, 31)
    )
    TermFactory(
        year=last_year, number=1, start=datetime.date(2025, 9, 1), end=datetime.date(2026, 1, 31)
    )
    TermFactory(
        year=last_year, number=2, start=datetime.date(2026, 2, 1), end=datetime.date(2026, 8, 31)
    )
    today = datetime.date(2026, 12, 3)
    assert access.inspection_window_start(today) == datetime.date(2026, 2, 1)
    visit = _submitted(inspector, school, checklist, day=datetime.date(2026, 3, 10))
    assert access.visited_school_ids(inspector, today=today) == {school.pk}
    # The term before the previous one no longer counts
    Visit.objects.filter(pk=visit.pk).update(date=datetime.date(2026, 1, 20))
    assert access.visited_school_ids(inspector, today=today) == set()


def test_a_submitted_visit_dated_in_the_future_opens_nothing(inspector, school, checklist):
    visit = _submitted(inspector, school, checklist)
    Visit.objects.filter(pk=visit.pk).update(date=timezone.localdate() + datetime.timedelta(1))
    assert access.visited_school_ids(inspector) == set()


def test_without_terms_a_year_back(inspector, school, checklist):
    # The first migrate makes the current year's terms; an administrator deleted them.
    Term.objects.all().delete()
    today = datetime.date(2026, 12, 3)
    assert access.inspection_window_start(today) == datetime.date(2025, 12, 3)
