"""Student-level responses carry Cache-Control: no-store, private (bureau.privacy): pages,
exports, the API, templates pre-filled with students, the upload preview, Django admin."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory

from bureau.models import AccessLog
from bureau.privacy import NoStoreStudentDataMiddleware, mark_student_data
from exams.models import Exam
from exams.services.stats import stats_compute
from schools.models import Student
from tests.exams.stats_data import build_county
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def assert_no_store(response):
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private", "no-cache", "must-revalidate", "max-age=0"} <= directives, (
        response.get("Cache-Control")
    )
    assert "Expires" in response


def assert_cacheable_as_before(response):
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.fixture
def exam(school, other_school):
    exam = build_county(school, other_school)
    stats_compute(exam_id=exam.pk)
    Exam.objects.filter(pk=exam.pk).update(state="published")
    return exam


@pytest.fixture
def root(db):
    return UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)


# --- exams: the school drill-down, its export, the scores API --------------------------------


@pytest.mark.parametrize("role", ["admin", "leader", "staff", "principal"])
def test_school_page_with_students(exam, client_for, users, role):
    response = client_for(users[role]).get("/exams/M1/schools/S001/")
    assert response.status_code == 200
    assert_no_store(response)


def test_school_page_without_students_is_left_alone(exam, client_for, inspector):
    # An inspector who has not visited S001 sees its aggregates only.
    response = client_for(inspector).get("/exams/M1/schools/S001/")
    assert response.status_code == 200
    assert not AccessLog.objects.filter(user=inspector).exists()
    assert_cacheable_as_before(response)


@pytest.mark.parametrize("role", ["staff", "principal"])
def test_student_export(exam, client_for, users, role):
    response = client_for(users[role]).get(
        "/exams/M1/schools/S001/", {"table": "students", "export": "xlsx"}
    )
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert_no_store(response)


@pytest.mark.parametrize("role", ["admin", "leader", "staff", "principal"])
def test_scores_api(exam, api_for, users, role):
    response = api_for(users[role]).get("/api/v1/exams/M1/scores/")
    assert response.status_code == 200 and response.json()["count"] > 0
    assert_no_store(response)


def test_aggregate_pages_are_left_alone(exam, client_for, api_for, staff):
    assert_cacheable_as_before(client_for(staff).get("/exams/M1/"))
    assert_cacheable_as_before(
        api_for(staff).get("/api/v1/exams/M1/stats/", {"level": "school", "subject": "语文"})
    )


# --- results upload: template, preview, annotated workbook ----------------------------------


def a_file():
    book = openpyxl.Workbook()
    for row in [["学籍号", "姓名", "班级", "语文", "数学"], ["G001", "刘文静", "1", 130, 70]]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("成绩.xlsx", out.getvalue(), content_type=XLSX)


def test_upload_template_prefilled_with_students(exam, client_for, principal, staff):
    Exam.objects.filter(pk=exam.pk).update(state="open")
    assert Student.objects.filter(school__code="S001").exists()
    response = client_for(principal).get("/exams/M1/upload/template/")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert_no_store(response)
    response = client_for(staff).get("/exams/M1/upload/template/?school=S001")
    assert response.status_code == 200
    assert_no_store(response)


def test_upload_preview_and_annotated_workbook(exam, client_for, principal):
    Exam.objects.filter(pk=exam.pk).update(state="open")
    client = client_for(principal)
    response = client.post("/exams/M1/upload/", {"file": a_file()})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.status_code == 200 and "130" in preview.content.decode()
    assert_no_store(preview)
    # A refused file is not kept: its annotated copy comes from the file chosen again.
    annotated = client.post(response["Location"] + "annotated/", {"file": a_file()})
    assert annotated.status_code == 200 and annotated["Content-Type"] == XLSX
    assert_no_store(annotated)


# --- Django admin ------------------------------------------------------------------------


def test_admin_student_list_and_page(exam, client_for, root):
    client = client_for(root)
    response = client.get("/admin/schools/student/")
    assert response.status_code == 200
    assert_no_store(response)
    student = Student.objects.first()
    response = client.get(f"/admin/schools/student/{student.pk}/change/")
    assert response.status_code == 200
    assert_no_store(response)
    assert_no_store(client.get("/admin/bureau/user/"))


# --- the mechanism -----------------------------------------------------------------------


def test_any_response_that_writes_the_access_log_is_no_store(staff):
    def logging_view(request):
        AccessLog.objects.create(user=staff, action="export", what="x", rows=3)
        return HttpResponse("names")

    response = NoStoreStudentDataMiddleware(logging_view)(RequestFactory().get("/anything/"))
    assert_no_store(response)


def test_a_marked_response_is_no_store_and_others_are_not(db):
    def marked(request):
        mark_student_data()
        return HttpResponse("names")

    middleware = NoStoreStudentDataMiddleware(marked)
    assert_no_store(middleware(RequestFactory().get("/x/")))
    plain = NoStoreStudentDataMiddleware(lambda request: HttpResponse("county"))
    assert_cacheable_as_before(plain(RequestFactory().get("/x/")))
    # A mark outside any request is harmless.
    mark_student_data()
