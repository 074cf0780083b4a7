"""What a results upload refuses and how (SPEC §2): personal columns, formula-like text, the
class rule; refused files are not kept; confirming twice commits once."""

import io
import os
import threading
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections

from exams.models import ExamEntry, ResultUpload
from exams.services import results as service
from exams.services.results import class_numbers_text, results_confirm, results_import
from schools.models import SchoolClass, Student

from ..factories import ClassFactory, ExamFactory, SchoolFactory, StudentFactory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["学籍号", "姓名", "班级", "语文", "数学"]


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "成绩"
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:  # text exactly as typed, never a formula
            if isinstance(cell.value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def kept_files() -> list[str]:
    folder = Path(settings.MEDIA_ROOT) / "results"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def exam(db):
    return ExamFactory(code="M1", subjects={"语文": 120, "数学": 120})


@pytest.fixture
def six_classes(school):
    """九(1)班 … 九(6)班 registered for the school."""
    return {n: ClassFactory(school=school, grade=9, number=n) for n in range(1, 7)}


def run(exam, rows, *, user, school=None, dry_run=False):
    return results_import(
        exam=exam, data=xlsx(rows), file_name="成绩.xlsx", user=user, school=school,
        dry_run=dry_run,
    )  # fmt: skip


def problems(result, key="errors") -> list[tuple]:
    return [(p["row"], p["column"], p["value"], p["message"]) for p in result[key]]


# --- personal columns ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    ["身份证号", "证件号", "身 份 证", "联系电话", "手机", "联系方式", "家庭住址", "地址",
     "家长姓名", "监护人", "家长\u3000电话", "ＩＤ身份证号码"],
)  # fmt: skip
def test_a_personal_column_is_an_error_on_the_header_and_the_file_is_not_kept(
    exam, school, principal, header
):
    rows = [["九年级月考"], HEADER[:3] + [header] + HEADER[3:], ["G1", "甲", "1", "x", 90, 80]]
    result = run(exam, rows, user=principal)
    assert result["committed"] is False and result["status"] == "rejected"
    assert problems(result) == [
        (
            2,  # the header row as Excel numbers it
            header,
            header,
            f"“{header}”是个人信息列，成绩分析不需要，系统不保存此类信息：请删除该列后重新上传",
        )
    ]
    assert result["errors"][0]["sheet"] == "成绩"
    assert kept_files() == []
    assert ExamEntry.objects.count() == 0 and Student.objects.count() == 0


@pytest.mark.django_db
def test_every_personal_column_is_named_and_a_dry_run_keeps_nothing_either(exam, school, principal):
    rows = [HEADER + ["身份证号", "家长电话"], ["G1", "甲", "1", 90, 80, "x", "y"]]
    result = run(exam, rows, user=principal, dry_run=True)
    assert [(p["column"], p["row"]) for p in result["errors"]] == [
        ("身份证号", 1),
        ("家长电话", 1),
    ]
    assert kept_files() == []


@pytest.mark.django_db
def test_a_clean_file_is_kept_and_other_columns_are_still_ignored(exam, school, principal):
    result = run(exam, [HEADER + ["备注"], ["G1", "甲", "1", 90, 80, "转学"]], user=principal)
    assert result["committed"] is True
    assert kept_files() == [ResultUpload.objects.get(pk=result["id"]).stored_name]


# --- formula-like text ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["=HYPERLINK(\"http://x\",\"点\")", "+1+2", "-2+3", "@SUM(A1)", "＝1+1", "＠SUM(A1)",
     "\u200b=1+1", "\u200c+1", "\u200d-1", "\u200e@x", "\u200f=1", "\u2060=1", "\ufeff=1",
     "\t=1+1", "\r=1", " +cmd"],
)  # fmt: skip
def test_a_formula_like_name_is_refused_naming_row_column_value(exam, school, principal, name):
    result = run(
        exam, [HEADER, ["G1", "甲", "1", 90, 80], ["G2", name, "1", 70, 60]], user=principal
    )
    assert result["committed"] is False
    [(row, column, _value, message)] = problems(result)
    assert (row, column) == (3, "姓名")
    assert result["errors"][0]["value"] == name.replace("\r", "\n")  # XML keeps no CR
    assert "公式" in message
    assert Student.objects.count() == 0 and kept_files() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("column", "value"),
    [(0, "-G1"), (0, "=G1"), (0, "@G1"), (2, "+1"), (2, "\u200b=1"), (2, "-3")],
)
def test_formula_like_student_numbers_and_classes_are_refused(
    exam, school, principal, column, value
):
    row = ["G1", "甲", "1", 90, 80]
    row[column] = value
    result = run(exam, [HEADER, row], user=principal)
    assert [(p["row"], p["column"]) for p in result["errors"]] == [(2, HEADER[column])]
    assert "公式" in result["errors"][0]["message"]


@pytest.mark.django_db
def test_a_negative_score_is_out_of_range_not_a_formula_and_hyphenated_names_pass(
    exam, school, principal
):
    result = run(
        exam,
        [HEADER, ["G1", "甲", "1", -5, "-3"], ["G2", "阿卜杜-热合曼", "1", "-", 80]],
        user=principal,
    )
    assert problems(result) == [
        (2, "语文", "-5", "分数超出范围（0～120）"),
        (2, "数学", "-3", "分数超出范围（0～120）"),
    ]  # "-" alone in a score column is absent, and a hyphen inside a name is fine


# --- the class rule ------------------------------------------------------------------------


def test_class_numbers_are_written_as_runs():
    assert class_numbers_text([3, 1, 2, 4, 6]) == "1–4、6"  # 1,2,3,4 run; 6 alone
    assert class_numbers_text([1, 2, 3, 4, 5, 6]) == "1–6"
    assert class_numbers_text([5]) == "5"


@pytest.mark.django_db
def test_an_unknown_class_in_a_school_with_classes_is_an_error_and_nothing_is_committed(
    exam, school, six_classes, principal
):
    rows = [HEADER, ["G1", "甲", "九(1)班", 90, 80], ["G2", "乙", "九(7)班", 70, 60]]
    result = run(exam, rows, user=principal)
    assert result["committed"] is False
    assert problems(result) == [(3, "班级", "九(7)班", "本校九年级没有7班（现有1–6班）")]
    assert not SchoolClass.objects.filter(number=7).exists()
    assert ExamEntry.objects.count() == 0 and Student.objects.count() == 0


@pytest.mark.django_db
def test_a_county_file_names_the_school_without_the_class(exam, school, six_classes, staff):
    other = SchoolFactory(code="S009", name="新建学校")
    rows = [
        ["学校代码", *HEADER],
        ["S001", "G1", "甲", "7", 90, 80],
        ["S009", "G2", "乙", "7", 70, 60],
    ]
    result = run(exam, rows, user=staff)
    assert problems(result) == [(2, "班级", "7", "城关第一初级中学九年级没有7班（现有1–6班）")]
    # The school without grade-9 classes gets the file's class, as a warning.
    assert problems(result, "warnings") == [
        (3, "班级", "7", "新建学校 还没有九年级的班级，导入时将新建九(7)班")
    ]
    assert not SchoolClass.objects.filter(school=other).exists()


@pytest.mark.django_db
def test_a_school_without_classes_gets_the_files_classes_with_a_warning(exam, school, principal):
    rows = [HEADER, ["G1", "甲", "九(1)班", 90, 80], ["G2", "乙", "2", 70, 60]]
    result = run(exam, rows, user=principal)
    assert result["committed"] is True and result["classes_created"] == 2
    assert [w["message"] for w in result["warnings"]] == [
        "城关第一初级中学 还没有九年级的班级，导入时将新建九(1)班",
        "城关第一初级中学 还没有九年级的班级，导入时将新建九(2)班",
    ]
    assert sorted(SchoolClass.objects.values_list("grade", "number")) == [(9, 1), (9, 2)]
    # A class created by this commit counts as registered afterwards: a typo is now an error.
    again = run(exam, [HEADER, ["G1", "甲", "九(7)班", 90, 80]], user=principal)
    assert problems(again) == [(2, "班级", "九(7)班", "本校九年级没有7班（现有1–2班）")]


@pytest.mark.django_db
def test_a_student_whose_class_changed_is_a_warning_and_is_moved_on_commit(
    exam, school, six_classes, principal
):
    StudentFactory(student_number="G1", name="甲", school_class=six_classes[1])
    StudentFactory(student_number="G2", name="乙", school_class=six_classes[1])
    StudentFactory(student_number="G3", name="丙", school_class=six_classes[2])
    rows = [
        HEADER,
        ["G1", "甲", "九(2)班", 90, 80],
        ["G2", "乙", "九(1)班", 70, 60],
        ["G3", "丙", "九(2)班", 70, 60],
    ]
    preview = run(exam, rows, user=principal, dry_run=True)
    assert problems(preview, "warnings") == [
        (2, "班级", "九(2)班", "学生班级由九(1)班变为九(2)班，导入时将调整")
    ]
    assert preview["students_moved"] == 1 and preview["classes_emptied"] == []
    assert Student.objects.get(student_number="G1").school_class == six_classes[1]  # dry run
    result = results_confirm(upload=ResultUpload.objects.get(pk=preview["id"]), user=principal)
    assert result["committed"] is True and result["students_moved"] == 1
    assert Student.objects.get(student_number="G1").school_class == six_classes[2]
    assert ExamEntry.objects.get(student__student_number="G1").school_class == six_classes[2]


@pytest.mark.django_db
def test_a_class_left_without_students_is_reported(exam, school, six_classes, principal):
    StudentFactory(student_number="G1", name="甲", school_class=six_classes[3])
    StudentFactory(student_number="G2", name="乙", school_class=six_classes[3])
    StudentFactory(student_number="G3", name="丙", school_class=six_classes[4])
    rows = [
        HEADER,
        ["G1", "甲", "4", 90, 80],
        ["G2", "乙", "4", 70, 60],
        ["G3", "丙", "4", 70, 60],
    ]
    result = run(exam, rows, user=principal)
    assert result["committed"] is True
    # 九(3)班 had 2 students, both leave, none arrive: 2 − 2 + 0 = 0.
    assert result["classes_emptied"] == ["九(3)班"]
    assert problems(result, "warnings")[0] == (
        None,
        "班级",
        "九(3)班",
        "导入后九(3)班将没有学生（班级记录仍保留；如该班已撤销，请告知教育局在名册中处理）",
    )
    assert not Student.objects.filter(school_class=six_classes[3]).exists()
    # The warning is stored with the upload, so the preview page lists it.
    assert ResultUpload.objects.get(pk=result["id"]).warnings[0]["value"] == "九(3)班"


@pytest.mark.django_db
def test_the_preview_page_shows_the_class_changes(client_for, exam, school, six_classes, principal):
    StudentFactory(student_number="G1", name="甲", school_class=six_classes[1])
    c = client_for(principal)
    response = c.post(
        "/exams/M1/upload/",
        {
            "file": SimpleUploadedFile(
                "成绩.xlsx", xlsx([HEADER, ["G1", "甲", "2", 90, 80]]), content_type=XLSX
            )
        },
        follow=True,
    )
    page = response.content.decode()
    assert "学生班级由九(1)班变为九(2)班，导入时将调整" in page
    assert "导入后九(1)班将没有学生" in page
    assert "确认导入" in page


# --- confirming twice ----------------------------------------------------------------------


@pytest.mark.django_db
def test_confirming_the_same_upload_twice_commits_once(exam, school, six_classes, principal):
    checked = run(exam, [HEADER, ["G1", "甲", "1", 90, 80]], user=principal, dry_run=True)
    upload = ResultUpload.objects.get(pk=checked["id"])
    first = results_confirm(upload=upload, user=principal)
    second = results_confirm(upload=upload, user=principal)
    assert first["committed"] is True and second["committed"] is True
    assert first["id"] == second["id"] == upload.pk
    assert (second["rows"], second["students"], second["scores"]) == (1, 1, 2)
    assert ResultUpload.objects.filter(status="committed").count() == 1
    assert ResultUpload.objects.count() == 1  # the checked upload itself became committed
    assert ExamEntry.objects.count() == 1


@pytest.mark.django_db
def test_the_api_confirms_a_dry_run_once(api_for, exam, school, six_classes, principal, staff):
    api = api_for(principal)
    checked = api.post(
        "/api/v1/exams/M1/uploads/",
        {
            "file": SimpleUploadedFile("成绩.xlsx", xlsx([HEADER, ["G1", "甲", "1", 90, 80]])),
            "dry_run": "true",
        },
        format="multipart",
    ).json()
    assert checked["status"] == "checked"
    url = f"/api/v1/exams/M1/uploads/{checked['id']}/confirm/"
    # another user's upload: not found, whoever asks
    assert api_for(staff).post(url).status_code == 404
    assert api.post("/api/v1/exams/M1/uploads/999999/confirm/").status_code == 404
    first, second = api.post(url), api.post(url)
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["committed"] is True and second.json()["committed"] is True
    assert second.json()["id"] == checked["id"]
    assert ExamEntry.objects.count() == 1
    assert ResultUpload.objects.filter(status="committed").count() == 1


@pytest.mark.django_db
def test_a_refused_upload_cannot_be_confirmed(api_for, exam, school, six_classes, principal):
    api = api_for(principal)
    refused = api.post(
        "/api/v1/exams/M1/uploads/",
        {"file": SimpleUploadedFile("成绩.xlsx", xlsx([HEADER, ["G1", "甲", "1", 130, 80]]))},
        format="multipart",
    ).json()
    assert refused["status"] == "rejected" and kept_files() == []
    response = api.post(f"/api/v1/exams/M1/uploads/{refused['id']}/confirm/")
    assert response.status_code == 409
    assert "这个文件有错误，不能导入" in str(response.json())
    assert ExamEntry.objects.count() == 0


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="row locks need PostgreSQL (DATABASE_URL=postgres://…)",
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_confirmations_commit_once(exam, school, six_classes, principal):
    assert connection.vendor == "postgresql"
    checked = run(exam, [HEADER, ["G1", "甲", "1", 90, 80]], user=principal, dry_run=True)
    upload = ResultUpload.objects.get(pk=checked["id"])
    barrier = threading.Barrier(2)
    results, failures = [], []

    def confirm():
        try:
            barrier.wait()
            results.append(results_confirm(upload=upload, user=principal))
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert [r["committed"] for r in results] == [True, True]
    assert {r["id"] for r in results} == {upload.pk}
    assert ResultUpload.objects.filter(status="committed").count() == 1
    assert ExamEntry.objects.count() == 1
    assert Student.objects.count() == 1


@pytest.mark.django_db
def test_a_confirmation_refused_now_removes_the_kept_file(
    exam, school, six_classes, principal, django_capture_on_commit_callbacks
):
    checked = run(exam, [HEADER, ["G1", "甲", "1", 110, 80]], user=principal, dry_run=True)
    upload = ResultUpload.objects.get(pk=checked["id"])
    assert kept_files() == [upload.stored_name]
    exam.exam_subjects.filter(subject__name="语文").update(full_marks=100)  # lowered meanwhile
    with django_capture_on_commit_callbacks(execute=True):
        result = service.results_confirm(upload=upload, user=principal)
    assert result["status"] == "rejected"
    assert [e["message"] for e in result["errors"]] == ["分数超出范围（0～100）"]
    assert kept_files() == [] and ExamEntry.objects.count() == 0


@pytest.mark.django_db
def test_the_command_and_the_api_refuse_a_personal_column_and_keep_nothing(
    exam, school, principal, api_for, tmp_path, capsys
):
    import json

    from django.core.management import CommandError, call_command

    rows = [HEADER + ["监护人电话"], ["G1", "甲", "1", 90, 80, "139"]]
    path = tmp_path / "成绩.xlsx"
    path.write_bytes(xlsx(rows))
    with pytest.raises(CommandError) as caught:
        call_command("import_results", "M1", str(path), "--school", "S001")
    assert caught.value.returncode == 1
    out = json.loads(capsys.readouterr().out)
    assert [(e["row"], e["column"]) for e in out["errors"]] == [(1, "监护人电话")]
    response = api_for(principal).post(
        "/api/v1/exams/M1/uploads/",
        {"file": SimpleUploadedFile("成绩.xlsx", xlsx(rows))},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"].endswith("请删除该列后重新上传")
    assert kept_files() == [] and Student.objects.count() == 0
