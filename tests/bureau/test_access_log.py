"""The access log (SPEC §9): every path that shows or downloads student names writes exactly
one row, through the one service; ``GET /api/v1/access-log/`` lists them for admins."""

import pytest

from bureau.models import AccessLog, Role

from ..exams.pages_data import S001_ROWS, S002_ROWS, build_exam
from ..factories import StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(staff, school, other_school):
    exam = build_exam(staff=staff, schools_rows=[(school, S001_ROWS), (other_school, S002_ROWS)])
    AccessLog.objects.all().delete()  # building it wrote none, but start from nothing
    return exam


def only_row() -> AccessLog:
    logs = list(AccessLog.objects.all())
    assert len(logs) == 1, [str(x) for x in logs]
    return logs[0]


def test_the_school_page_writes_one_view_row(client_for, principal, exam, school):
    assert client_for(principal).get("/exams/P1/schools/S001/").status_code == 200
    log = only_row()
    # S001 has 3 students: G001, G002, G003
    assert (log.user, log.action, log.school, log.exam, log.rows) == (
        principal,
        "view",
        school,
        exam,
        3,
    )


def test_a_class_the_grade_cannot_have_still_writes_one_row(client_for, staff, exam):
    """The page falls back to the whole school (a second read): still one row."""
    assert client_for(staff).get("/exams/P1/schools/S001/?class=八(1)班").status_code == 200
    assert only_row().rows == 3


def test_one_class_counts_its_students(client_for, staff, exam):
    client_for(staff).get("/exams/P1/schools/S001/?class=九(1)班")
    assert only_row().rows == 2  # G001, G002


def test_the_export_writes_one_export_row(client_for, staff, exam, school):
    response = client_for(staff).get("/exams/P1/schools/S001/?table=students&export=xlsx")
    assert response.status_code == 200
    log = only_row()
    assert (log.action, log.school, log.rows) == ("export", school, 3)


def test_the_api_writes_one_row_per_call(api_for, principal, exam, school):
    assert api_for(principal).get("/api/v1/exams/P1/scores/").status_code == 200
    log = only_row()
    assert (log.action, log.school, log.exam, log.rows) == ("view", school, exam, 3)


def test_the_api_refusal_writes_nothing(api_for, principal, exam):
    assert api_for(principal).get("/api/v1/exams/P1/scores/", {"school": "S002"}).status_code == 403
    assert not AccessLog.objects.exists()


def test_the_pre_filled_template_is_logged(client_for, principal, staff, exam, school):
    exam.state = "open"
    exam.save()
    assert client_for(principal).get("/exams/P1/upload/template/").status_code == 200
    log = only_row()
    # the template lists S001's grade-9 students: G001, G002, G003
    assert (log.user, log.action, log.school, log.exam, log.rows) == (
        principal,
        "export",
        school,
        exam,
        3,
    )
    AccessLog.objects.all().delete()
    client_for(staff).get("/exams/P1/upload/template/?school=S001")
    assert only_row().user == staff
    AccessLog.objects.all().delete()
    # The county-wide template names no student: nothing to log.
    client_for(staff).get("/exams/P1/upload/template/")
    assert not AccessLog.objects.exists()


def test_the_django_admin_student_pages_are_logged(client_for, admin_user, school):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    student = StudentFactory(school=school, name="孙悟空")
    StudentFactory(school=school)
    client = client_for(admin_user)
    assert client.get("/admin/schools/student/").status_code == 200
    log = only_row()
    assert (log.user, log.action, log.rows) == (admin_user, "view", 2)
    AccessLog.objects.all().delete()
    assert client.get(f"/admin/schools/student/{student.pk}/change/").status_code == 200
    log = only_row()
    assert (log.rows, log.school) == (1, school)
    assert "孙悟空" in log.what


def test_the_api_lists_the_log_for_admins(api_for, users, other_principal, principal, exam):
    api_for(principal).get("/api/v1/exams/P1/scores/")
    body = api_for(users[Role.ADMIN]).get("/api/v1/access-log/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert {k: row[k] for k in ("user", "action", "what", "school", "exam", "rows")} == {
        "user": "principal",
        "action": "view",
        "what": "成绩明细 P1",
        "school": "S001",
        "exam": "P1",
        "rows": 3,
    }
    filtered = api_for(users[Role.ADMIN]).get("/api/v1/access-log/", {"user": "staff"}).json()
    assert filtered["count"] == 0
    for role in (Role.LEADER, Role.STAFF, Role.INSPECTOR, Role.PRINCIPAL):
        assert api_for(users[role]).get("/api/v1/access-log/").status_code == 403
    assert api_for(other_principal).get("/api/v1/access-log/").status_code == 403
