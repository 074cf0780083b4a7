"""A school code from user input answers the same for "no such school" and "not yours"
(docs/access.md): every path that resolves one, for principals, inspectors and the rest."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from exams.models import Exam, ResultUpload
from exams.services.stats import stats_compute
from tests.exams.stats_data import build_county

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OTHER, NOWHERE = "S002", "S404"


def a_file():
    book = openpyxl.Workbook()
    for row in [["学籍号", "姓名", "班级", "语文"], ["G001", "刘文静", "1", 90]]:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("成绩.xlsx", out.getvalue(), content_type=XLSX)


@pytest.fixture
def exam(school, other_school):
    exam = build_county(school, other_school)  # M1: S001 and S002, 语文 and 数学
    stats_compute(exam_id=exam.pk)
    Exam.objects.filter(pk=exam.pk).update(state="open")
    exam.refresh_from_db()
    return exam


def same(a, b):
    """Two answers that cannot be told apart."""
    assert a.status_code == b.status_code
    assert a.content == b.content
    return a


# --- results upload ------------------------------------------------------------------------


def test_upload_api_principal_other_school_and_unknown_answer_alike(exam, api_for, principal):
    api = api_for(principal)
    uploads = ResultUpload.objects.count()
    answers = [
        api.post("/api/v1/exams/M1/uploads/", {"file": a_file(), "school": code})
        for code in (OTHER, NOWHERE)
    ]
    answer = same(*answers)
    assert answer.status_code == 403
    assert answer.json()["detail"] == "只能上传本校的成绩"
    assert ResultUpload.objects.count() == uploads


@pytest.mark.parametrize("role", ["leader", "inspector"])
def test_upload_api_readers_get_one_answer_whatever_the_code(exam, api_for, users, role):
    api = api_for(users[role])
    answers = [
        api.post("/api/v1/exams/M1/uploads/", {"file": a_file(), "school": code})
        for code in ("S001", OTHER, NOWHERE)
    ]
    same(answers[0], answers[1])
    answer = same(answers[1], answers[2])
    assert (answer.status_code, answer.json()["detail"]) == (403, "没有上传成绩的权限")


@pytest.mark.parametrize("role", ["admin", "staff"])
def test_upload_api_managers_are_told_the_code_is_unknown(exam, api_for, users, role):
    response = api_for(users[role]).post(
        "/api/v1/exams/M1/uploads/", {"file": a_file(), "school": NOWHERE, "dry_run": "1"}
    )
    assert (response.status_code, response.json()["detail"]) == (400, "学校不存在：S404")
    response = api_for(users[role]).post(
        "/api/v1/exams/M1/uploads/", {"file": a_file(), "school": OTHER, "dry_run": "1"}
    )
    # Another school's code is the manager's to name: the file is read for that school (and
    # refused for its own problem, a missing subject column), not answered "学校不存在".
    body = response.json()
    assert (response.status_code, body["committed"]) == (400, False)
    assert [e["message"] for e in body["errors"]] == ["缺少本次考试学科“数学”的列"]


def test_upload_page_principal_other_school_and_unknown_answer_alike(exam, client_for, principal):
    client = client_for(principal)
    uploads = ResultUpload.objects.count()
    answers = [
        client.post("/exams/M1/upload/", {"file": a_file(), "school": code})
        for code in (OTHER, NOWHERE)
    ]
    assert answers[0].status_code == answers[1].status_code == 403
    for answer in answers:
        page = answer.content.decode()
        assert "只能上传本校的成绩" in page and "学校不存在" not in page
    assert ResultUpload.objects.count() == uploads


def test_upload_page_staff_are_told_the_code_is_unknown(exam, client_for, staff):
    response = client_for(staff).post("/exams/M1/upload/", {"file": a_file(), "school": NOWHERE})
    assert response.status_code == 400
    assert "学校不存在：S404" in response.content.decode()


def test_upload_template_of_a_principal_ignores_the_code(exam, client_for, principal):
    client = client_for(principal)
    own = client.get("/exams/M1/upload/template/")
    for code in (OTHER, NOWHERE):
        response = client.get(f"/exams/M1/upload/template/?school={code}")
        assert response.status_code == 200
        assert response["Content-Disposition"] == own["Content-Disposition"]


def test_upload_template_staff_unknown_code_is_not_found(exam, client_for, staff):
    assert client_for(staff).get(f"/exams/M1/upload/template/?school={NOWHERE}").status_code == 404


# --- statistics, bands, scores -------------------------------------------------------------


@pytest.mark.parametrize("path", ["stats", "bands"])
@pytest.mark.parametrize("level", ["class", "teacher"])
@pytest.mark.parametrize("state", ["open", "published"])
def test_stats_and_bands_principal_other_school_and_unknown_alike(
    exam, api_for, principal, path, level, state
):
    Exam.objects.filter(pk=exam.pk).update(state=state)
    api = api_for(principal)
    query = {"level": level, "subject": "语文"}
    answers = [
        api.get(f"/api/v1/exams/M1/{path}/", {**query, "school": code}) for code in (OTHER, NOWHERE)
    ]
    answer = same(*answers)
    assert answer.status_code == 200
    rows = answer.json() if path == "stats" else answer.json()["results"]
    assert rows == []


@pytest.mark.parametrize("path", ["stats", "bands"])
def test_stats_and_bands_inspector_before_publication_alike(exam, api_for, inspector, path):
    api = api_for(inspector)
    answers = [
        api.get(f"/api/v1/exams/M1/{path}/", {"level": "school", "subject": "语文", "school": c})
        for c in (OTHER, NOWHERE)
    ]
    assert same(*answers).status_code == 200


@pytest.mark.parametrize("role", ["principal", "inspector"])
def test_scores_other_school_and_unknown_alike(exam, api_for, users, role):
    api = api_for(users[role])
    answers = [api.get("/api/v1/exams/M1/scores/", {"school": c}) for c in (OTHER, NOWHERE)]
    answer = same(*answers)
    assert answer.status_code == 403


# --- pages and inspections -----------------------------------------------------------------


def test_exam_school_page_principal_other_school_and_unknown_alike(exam, client_for, principal):
    client = client_for(principal)
    answers = [client.get(f"/exams/M1/schools/{code}/") for code in (OTHER, NOWHERE)]
    assert answers[0].status_code == answers[1].status_code == 404
    assert client.get("/exams/M1/schools/S001/").status_code == 200


def test_compliance_api_principal_other_school_and_unknown_alike(api_for, principal, other_school):
    api = api_for(principal)
    answers = [api.get("/api/v1/observations/compliance/", {"school": c}) for c in (OTHER, NOWHERE)]
    assert same(*answers).status_code == 404


@pytest.mark.parametrize("resource", ["visits", "rectifications", "observations", "accountability"])
def test_list_filters_principal_other_school_and_unknown_alike(
    api_for, principal, other_school, resource
):
    api = api_for(principal)
    answers = [api.get(f"/api/v1/{resource}/", {"school": c}) for c in (OTHER, NOWHERE)]
    answer = same(*answers)
    assert answer.status_code == 200 and answer.json()["count"] == 0


def test_school_api_and_page_principal_other_school_and_unknown_alike(
    api_for, client_for, principal, other_school
):
    api = api_for(principal)
    same(api.get(f"/api/v1/schools/{OTHER}/"), api.get(f"/api/v1/schools/{NOWHERE}/"))
    client = client_for(principal)
    pages = [client.get(f"/schools/{code}/") for code in (OTHER, NOWHERE)]
    assert pages[0].status_code == pages[1].status_code == 404
