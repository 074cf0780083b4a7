"""Results upload over the API and the web pages: who may do what, and the flow."""

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bureau.models import Role
from exams.models import Exam, ExamEntry, ResultUpload
from schools.models import Subject

from ..factories import AcademicYearFactory, ClassFactory, ExamFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "成绩"
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


CLEAN = [["学籍号", "姓名", "班级", "语文", "数学"], ["G001", "刘文静", "九(1)班", 102, "缺考"]]
BAD = [["学籍号", "姓名", "班级", "语文", "数学"], ["G001", "刘文静", "九(1)班", 130, 70]]


def a_file(rows=CLEAN, name="成绩.xlsx"):
    return SimpleUploadedFile(name, xlsx(rows), content_type=XLSX)


def score_cells() -> list[tuple]:
    """Every stored score as (subject, score), sorted: one per entry and subject."""
    names = {str(pk): name for pk, name in Subject.objects.values_list("pk", "name")}
    return sorted(
        (names[subject_id], score)
        for scores in ExamEntry.objects.values_list("scores", flat=True)
        for subject_id, score in scores.items()
    )


@pytest.fixture
def exam(school):
    ClassFactory(school=school, grade=9, number=1)
    return ExamFactory(code="M1", subjects={"语文": 120, "数学": 120})


# --- API: exams ----------------------------------------------------------------------------

BODY = {
    "code": "2026-9-final",
    "name": "2026年秋季九年级期末",
    "kind": "final",
    "grade": 9,
    "date": "2027-01-12",
    "rate_base": "enrolled",
    "weights": {"a": 0.5},
    "subjects": [
        {"subject": "语文", "full_marks": 120, "excellent": 0.85, "pass": 0.6, "low": 0.4},
        {"subject": "物理", "full_marks": 70},
    ],
}


def test_staff_create_an_exam(api_for, staff):
    AcademicYearFactory()
    response = api_for(staff).post("/api/v1/exams/", BODY, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["code"], body["state"], body["rate_base"], body["academic_year"]) == (
        "2026-9-final",
        "draft",
        "enrolled",
        "2026-2027",
    )
    assert body["weights"] == {"a": 0.5, "b": 0.3, "c": 0.3, "d": 0.1}
    assert body["subjects"] == [
        {"subject": "语文", "full_marks": 120.0, "excellent": 0.85, "good": 0.75, "pass": 0.6,
         "low": 0.4},
        {"subject": "物理", "full_marks": 70.0, "excellent": 0.85, "good": 0.75, "pass": 0.6,
         "low": 0.4},
    ]  # fmt: skip
    assert Exam.objects.get(code="2026-9-final").created_by == staff


@pytest.mark.parametrize("role", [Role.LEADER, Role.INSPECTOR, Role.PRINCIPAL])
def test_only_managers_create_exams(api_for, school, role):
    AcademicYearFactory()
    user = UserFactory(username=role, role=role, school=school if role == "principal" else None)
    response = api_for(user).post("/api/v1/exams/", BODY, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "只有局机关工作人员或管理员可以创建考试。"
    assert not Exam.objects.exists()


def test_a_bad_exam_body_is_a_clear_400(api_for, staff):
    AcademicYearFactory()
    response = api_for(staff).post(
        "/api/v1/exams/",
        {**BODY, "subjects": [{"subject": "语文", "full_marks": 0}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "语文 的满分必须大于 0"


def test_drafts_are_listed_only_for_bureau_roles(api_for, users, exam):
    ExamFactory(code="DRAFT", state="draft")
    expected = {
        "admin": ["DRAFT", "M1"],
        "leader": ["DRAFT", "M1"],
        "staff": ["DRAFT", "M1"],
        "inspector": ["M1"],
        "principal": ["M1"],
    }
    for role, user in users.items():
        body = api_for(user).get("/api/v1/exams/").json()
        assert sorted(e["code"] for e in body["results"]) == expected[role], role
        status = api_for(user).get("/api/v1/exams/DRAFT/").status_code
        assert status == (200 if "DRAFT" in expected[role] else 404), role


# --- API: uploads --------------------------------------------------------------------------


def post_upload(client, code="M1", **data):
    return client.post(f"/api/v1/exams/{code}/uploads/", data, format="multipart")


def test_upload_a_dry_run_then_commit(api_for, exam, principal):
    api = api_for(principal)
    response = post_upload(api, file=a_file(), dry_run="true")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["committed"], body["rows"], body["scores"]) == (
        "checked",
        False,
        1,
        2,
    )
    assert ResultUpload.objects.filter(pk=body["id"]).exists()
    assert ExamEntry.objects.count() == 0
    response = post_upload(api, file=a_file())
    assert response.status_code == 200
    assert response.json()["committed"] is True
    assert score_cells() == [
        ("数学", None),
        ("语文", 102.0),
    ]


def test_an_upload_with_errors_answers_400_with_the_summary(api_for, exam, principal):
    response = post_upload(api_for(principal), file=a_file(BAD))
    assert response.status_code == 400
    body = response.json()
    assert body["committed"] is False and body["status"] == "rejected"
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in body["errors"]] == [
        (2, "语文", "130", "分数超出范围（0～120）")
    ]


def test_a_principal_naming_another_school_is_refused(api_for, exam, principal, other_school):
    response = post_upload(api_for(principal), file=a_file(), school="S002")
    assert response.status_code == 403
    assert response.json()["detail"] == "只能上传本校的成绩"
    assert not ResultUpload.objects.exists()


@pytest.mark.parametrize("role", [Role.LEADER, Role.INSPECTOR])
def test_readers_cannot_upload_over_the_api(api_for, exam, school, role):
    user = UserFactory(username=role, role=role)
    response = post_upload(api_for(user), file=a_file(), school="S001")
    assert response.status_code == 403


def test_staff_upload_for_a_school_or_county_wide(api_for, exam, staff, other_school):
    api = api_for(staff)
    assert post_upload(api, file=a_file(), school="S002").status_code == 200
    county = [["学校代码", *CLEAN[0]], ["S001", *CLEAN[1][:1], "王五", "1", 90, 90]]
    county[1][1] = "G002"
    response = post_upload(api, file=a_file(county))
    assert response.status_code == 200, response.json()
    assert sorted(ExamEntry.objects.values_list("school__code", flat=True).distinct()) == [
        "S001",
        "S002",
    ]


def test_unknown_exam_school_or_missing_file(api_for, exam, staff, principal):
    assert post_upload(api_for(staff), code="NOPE", file=a_file()).status_code == 404
    response = post_upload(api_for(staff), file=a_file(), school="S404")
    assert (response.status_code, response.json()["detail"]) == (400, "学校不存在：S404")
    response = post_upload(api_for(principal))
    assert (response.status_code, response.json()["detail"]) == (400, "请上传成绩文件（字段 file）")


def test_a_wrong_file_type_is_a_clear_400_and_nothing_is_stored(api_for, exam, principal):
    response = post_upload(
        api_for(principal), file=SimpleUploadedFile("成绩.xlsx", b"not a zip", content_type=XLSX)
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "文件内容与扩展名 .xlsx 不符，请上传 Excel 另存的原始文件"
    assert not ResultUpload.objects.exists()


def test_a_closed_exam_refuses_principals_with_409(api_for, exam, principal, staff):
    exam.state = "closed"
    exam.save()
    response = post_upload(api_for(principal), file=a_file())
    assert response.status_code == 409
    assert response.json()["detail"] == "本次考试当前不接受学校上传成绩（状态：已截止）"
    assert post_upload(api_for(staff), file=a_file(), school="S001").status_code == 200


def test_anonymous_is_refused(client, exam):
    response = client.post("/api/v1/exams/M1/uploads/", {"file": a_file()})
    assert response.status_code == 403  # no credentials at all: 403 (a refused token is 401)


# --- pages ---------------------------------------------------------------------------------

UPLOAD = "/exams/M1/upload/"


def token_of(response) -> str:
    match = re.fullmatch(r"/exams/M1/upload/([0-9a-f]{32})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


def test_upload_page_per_role(client_for, users, exam, other_principal):
    expected = {"admin": 200, "staff": 200, "principal": 200, "leader": 403, "inspector": 403}
    for role, user in users.items():
        assert client_for(user).get(UPLOAD).status_code == expected[role], role
    page = client_for(users["principal"]).get(UPLOAD).content.decode()
    assert "城关第一初级中学" in page and 'name="school"' not in page
    page = client_for(users["staff"]).get(UPLOAD).content.decode()
    assert 'name="school"' in page and "S002 河口乡中心学校" in page
    assert client_for(other_principal).get(UPLOAD).status_code == 200


def test_the_web_flow_upload_preview_confirm(client_for, exam, principal):
    c = client_for(principal)
    response = c.post(UPLOAD, {"file": a_file()})
    assert response.status_code == 302
    token = token_of(response)
    page = c.get(f"/exams/M1/upload/{token}/")
    assert page.status_code == 200
    assert "确认导入" in page.content.decode()
    assert ExamEntry.objects.count() == 0
    response = c.post(f"/exams/M1/upload/{token}/", follow=True)
    assert "已导入 1 名学生的成绩，统计正在后台更新" in response.content.decode()
    assert ExamEntry.objects.count() == 1 and len(score_cells()) == 2
    # Confirming the same upload again (a double click) commits nothing more.
    again = c.post(f"/exams/M1/upload/{token}/", follow=True)
    assert "这个文件已经导入过了" in again.content.decode()
    assert ExamEntry.objects.count() == 1
    assert ResultUpload.objects.filter(status="committed").count() == 1


def kept_files(settings) -> list[str]:
    folder = settings.MEDIA_ROOT / "results"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_file_with_errors_shows_every_problem_and_no_confirm(
    client_for, exam, principal, settings
):
    c = client_for(principal)
    token = token_of(c.post(UPLOAD, {"file": a_file(BAD)}))
    page = c.get(f"/exams/M1/upload/{token}/").content.decode()
    assert "分数超出范围（0～120）" in page and "确认导入" not in page
    # The refused file is not kept: its annotated copy needs the file chosen again.
    assert "有错误的文件不会保存在系统中" in page
    assert kept_files(settings) == []
    # The confirmation cannot be forced for a rejected upload.
    forced = c.post(f"/exams/M1/upload/{token}/", follow=True)
    assert "这个文件有错误，不能导入，请修改后重新上传" in forced.content.decode()
    assert ExamEntry.objects.count() == 0
    annotated = c.post(f"/exams/M1/upload/{token}/annotated/", {"file": a_file(BAD)})
    assert annotated.status_code == 200 and annotated["Content-Type"] == XLSX
    assert kept_files(settings) == []
    book = openpyxl.load_workbook(io.BytesIO(annotated.content))
    assert book["成绩"]["D2"].comment.text == "分数超出范围（0～120）"


def test_the_confirmation_revalidates_the_stored_file(client_for, exam, principal):
    c = client_for(principal)
    token = token_of(c.post(UPLOAD, {"file": a_file()}))
    exam.exam_subjects.filter(subject__name="语文").update(full_marks=100)  # lowered meanwhile
    response = c.post(f"/exams/M1/upload/{token}/")
    assert response.status_code == 400
    assert "分数超出范围（0～100）" in response.content.decode()
    assert ExamEntry.objects.count() == 0


def test_another_users_preview_is_not_found(client_for, exam, principal, other_principal, staff):
    token = token_of(client_for(principal).post(UPLOAD, {"file": a_file()}))
    for user in (other_principal, staff):
        c = client_for(user)
        assert c.get(f"/exams/M1/upload/{token}/").status_code == 404
        assert c.post(f"/exams/M1/upload/{token}/").status_code == 404
        assert c.get(f"/exams/M1/upload/{token}/annotated/").status_code == 404
    assert ExamEntry.objects.count() == 0
    assert client_for(principal).get("/exams/M1/upload/../../etc/").status_code == 404


def test_a_principal_posting_another_school_is_refused(client_for, exam, principal, other_school):
    response = client_for(principal).post(UPLOAD, {"file": a_file(), "school": "S002"})
    assert response.status_code == 403
    assert "只能上传本校的成绩" in response.content.decode()
    assert not ResultUpload.objects.exists()


def test_an_unreadable_file_on_the_page(client_for, exam, principal):
    bad = SimpleUploadedFile("成绩.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client_for(principal).post(UPLOAD, {"file": bad})
    assert response.status_code == 400
    assert "只能上传 .xlsx、.xls 或 .csv 文件" in response.content.decode()


def test_a_draft_exam_is_not_found_for_a_principal(client_for, principal):
    ExamFactory(code="M1", state="draft")
    assert client_for(principal).get(UPLOAD).status_code == 404


def test_template_downloads(client_for, exam, principal, staff):
    response = client_for(principal).get("/exams/M1/upload/template/")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1] == ("学籍号", "姓名", "班级", "语文", "数学")
    response = client_for(staff).get("/exams/M1/upload/template/")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1][0] == "学校代码"
    response = client_for(staff).get("/exams/M1/upload/template/?school=S001")
    assert (
        list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)[1][0] == "学籍号"
    )


def test_progress_lists_missing_schools_first(client_for, users, exam, other_school, api_for):
    SchoolFactory(code="S003", name="县第一小学", stage="primary")  # not a grade-9 school
    post_upload(api_for(users["principal"]), file=a_file())
    page = client_for(users["staff"]).get("/exams/M1/progress/").content.decode()
    assert page.index("河口乡中心学校") < page.index("城关第一初级中学")
    assert "县第一小学" not in page and "1 / 2" in page
    for role in ("admin", "leader", "inspector"):
        assert client_for(users[role]).get("/exams/M1/progress/").status_code == 200
    page = client_for(users["principal"]).get("/exams/M1/progress/").content.decode()
    assert "城关第一初级中学" in page and "河口乡中心学校" not in page
