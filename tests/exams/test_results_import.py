"""The results import service and command (SPEC §2, §3): what is stored, what is refused."""

import io
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from bureau.models import Role
from core.errors import DomainError, NotAllowed
from core.spreadsheets import SpreadsheetError
from exams.models import ExamEntry, ResultUpload
from exams.services import results as service
from exams.services.results import ExamStateError, results_import
from exams.services.templates import results_template
from schools.models import SchoolClass, Student, Subject

from ..factories import ClassFactory, ExamFactory, StudentFactory, UserFactory

pytestmark = pytest.mark.django_db


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "成绩"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ["学籍号", "姓名", "班级", "语文", "数学"]
CLEAN = [
    ["九年级月考成绩"],
    [],
    HEADER,
    ["G001", "刘文静", "九(1)班", 102, 74],
    ["G002", "张红霞", "九(1)班", "缺考", "99"],
    ["G003", "王文静", "九（2）班", 88, 0],
]


@pytest.fixture
def exam(db):
    return ExamFactory(code="M1", subjects={"语文": 120, "数学": 120})


@pytest.fixture
def class1(school):
    """The school's registered grade-9 classes: 九(1)班 (returned) and 九(2)班."""
    ClassFactory(school=school, grade=9, number=2)
    return ClassFactory(school=school, grade=9, number=1)


def stored(exam) -> list[tuple]:
    """Stored scores as (student number, subject, school code, class, score), sorted: one per
    entry and subject, None for absent."""
    names = {str(pk): name for pk, name in Subject.objects.values_list("pk", "name")}
    return sorted(
        (
            e.student.student_number,
            names[subject_id],
            e.school.code,
            e.school_class.name if e.school_class else None,
            score,
        )
        for e in ExamEntry.objects.filter(exam=exam).select_related(
            "student", "school", "school_class"
        )
        for subject_id, score in e.scores.items()
    )


def run(exam, rows, *, user, school=None, dry_run=False, name="成绩.xlsx"):
    return results_import(
        exam=exam, data=xlsx(rows), file_name=name, user=user, school=school, dry_run=dry_run
    )


def test_a_clean_file_stores_exact_scores_and_creates_the_classes_of_a_new_school(
    exam, school, principal
):
    result = run(exam, CLEAN, user=principal)
    assert result["committed"] is True
    assert result["status"] == "committed"
    assert (result["rows"], result["students"], result["scores"]) == (3, 3, 6)
    assert (result["students_created"], result["classes_created"]) == (3, 2)
    assert result["errors"] == []
    # The school has no grade-9 class yet: the file's classes are created, each a warning.
    assert result["warnings"] == [
        {
            "level": "warning",
            "sheet": "成绩",
            "row": 4,
            "column": "班级",
            "value": "九(1)班",
            "message": "城关第一初级中学 还没有九年级的班级，导入时将新建九(1)班",
        },
        {
            "level": "warning",
            "sheet": "成绩",
            "row": 6,
            "column": "班级",
            "value": "九（2）班",
            "message": "城关第一初级中学 还没有九年级的班级，导入时将新建九(2)班",
        },
    ]
    assert stored(exam) == [
        ("G001", "数学", "S001", "九(1)班", 74.0),
        ("G001", "语文", "S001", "九(1)班", 102.0),
        ("G002", "数学", "S001", "九(1)班", 99.0),
        ("G002", "语文", "S001", "九(1)班", None),  # 缺考: absent
        ("G003", "数学", "S001", "九(2)班", 0.0),  # a 0 is a score
        ("G003", "语文", "S001", "九(2)班", 88.0),
    ]
    # One entry per student; every subject of the exam is a key, absent is null.
    chinese, maths = (str(s.subject_id) for s in exam.exam_subjects.order_by("order"))
    assert ExamEntry.objects.get(student__student_number="G002").scores == {
        chinese: None,
        maths: 99.0,
    }
    assert ExamEntry.objects.filter(exam=exam).count() == 3
    assert SchoolClass.objects.filter(school=school, grade=9, number=2).exists()
    assert sorted(Student.objects.values_list("student_number", "name", "school__code")) == [
        ("G001", "刘文静", "S001"),
        ("G002", "张红霞", "S001"),
        ("G003", "王文静", "S001"),
    ]
    upload = ResultUpload.objects.get(pk=result["id"])
    assert (upload.status, upload.school, upload.uploaded_by) == ("committed", school, principal)
    assert upload.file_name == "成绩.xlsx"
    assert len(upload.sha256) == 64 and upload.committed_at is not None
    # Kept under a random name, never the user's.
    path = Path(service._store()) / upload.stored_name
    assert path.is_file() and upload.stored_name != "成绩.xlsx"
    exam.refresh_from_db()
    assert exam.stats_status == "queued"


def test_the_same_file_twice_gives_identical_scores(exam, school, class1, principal):
    run(exam, CLEAN, user=principal)
    first = stored(exam)
    again = run(exam, CLEAN, user=principal)
    assert again["committed"] and again["students_created"] == 0
    assert again["students_updated"] == 0 and again["warnings"] == []
    assert stored(exam) == first
    assert Student.objects.count() == 3
    assert ResultUpload.objects.filter(exam=exam).count() == 2


def test_a_reupload_replaces_everything_the_school_had(exam, school, class1, principal):
    run(exam, CLEAN, user=principal)
    run(exam, [HEADER, ["G001", "刘文静", "九(1)班", 100, 70]], user=principal)
    assert stored(exam) == [
        ("G001", "数学", "S001", "九(1)班", 70.0),
        ("G001", "语文", "S001", "九(1)班", 100.0),
    ]


def test_changed_names_and_classes_are_updated(exam, school, class1, principal):
    run(exam, CLEAN, user=principal)
    result = run(exam, [HEADER, ["G001", "刘文晶", "2", 100, 70]], user=principal)
    assert result["students_updated"] == 1 and result["students_moved"] == 1
    assert [w["message"] for w in result["warnings"]] == [
        "学生班级由九(1)班变为九(2)班，导入时将调整"
    ]
    student = Student.objects.get(student_number="G001")
    assert (student.name, student.school_class.name) == ("刘文晶", "九(2)班")


def test_an_error_file_commits_nothing_and_keeps_the_previous_results(
    exam, school, class1, principal
):
    run(exam, CLEAN, user=principal)
    before = stored(exam)
    result = run(exam, [HEADER, ["G001", "刘文静", "九(1)班", 130, 70]], user=principal)
    assert result["committed"] is False and result["status"] == "rejected"
    assert result["errors"] == [
        {
            "level": "error",
            "sheet": "成绩",
            "row": 2,
            "column": "语文",
            "value": "130",
            "message": "分数超出范围（0～120）",
        }
    ]
    assert stored(exam) == before
    assert ResultUpload.objects.get(pk=result["id"]).errors == result["errors"]


def test_scores_are_written_as_json_of_numbers_and_null():
    frame = pd.DataFrame(
        {"语文": [95.5, np.nan, 0.0, 0.1 + 0.2], "数学": [120.0, 1e-7, np.nan, 3.0]}
    )
    texts = service.scores_json(frame, {"语文": 3, "数学": 14})
    assert texts[1] == '{"3": null, "14": 1e-07}'
    assert [json.loads(t) for t in texts] == [
        {"3": 95.5, "14": 120.0},
        {"3": None, "14": 1e-7},
        {"3": 0.0, "14": None},
        {"3": 0.30000000000000004, "14": 3.0},  # exactly the float, not rounded
    ]


def test_a_dry_run_stores_no_scores(exam, school, principal):
    result = run(exam, CLEAN, user=principal, dry_run=True)
    assert (result["committed"], result["status"], result["rows"]) == (False, "checked", 3)
    assert ExamEntry.objects.count() == 0 and Student.objects.count() == 0
    assert not SchoolClass.objects.filter(number=2).exists()


def test_a_failure_midway_leaves_the_previous_results(exam, school, class1, principal, monkeypatch):
    run(exam, CLEAN, user=principal)
    before = stored(exam)

    def broken_insert(*args, **kwargs):
        assert ExamEntry.objects.filter(exam=exam).count() == 0  # the delete has happened
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_insert_entries", broken_insert)
    with pytest.raises(RuntimeError):
        run(exam, [HEADER, ["G009", "新同学", "九(1)班", 90, 90]], user=principal)
    assert stored(exam) == before
    assert not Student.objects.filter(student_number="G009").exists()


def test_a_student_registered_at_another_school_is_an_error(
    exam, school, other_school, class1, principal, staff
):
    StudentFactory(
        student_number="G777",
        name="赵六",
        school_class=ClassFactory(school=other_school, grade=9, number=1),
    )
    rows = [HEADER, ["G777", "赵六", "1", 90, 90]]
    result = run(exam, rows, user=principal)
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in result["errors"]] == [
        (2, "学籍号", "G777", "学籍号已登记在其他学校，请核对")  # no other school's name
    ]
    result = run(exam, rows, user=staff, school=school)
    assert [e["message"] for e in result["errors"]] == [
        "该学籍号属于其他学校（河口乡中心学校，赵六）"
    ]
    assert Student.objects.get(student_number="G777").school == other_school
    assert ExamEntry.objects.count() == 0


def test_a_county_file_replaces_each_school_named(exam, school, other_school, staff):
    rows = [
        ["学校代码", *HEADER],
        ["S001", "G001", "刘文静", "1", 90, 80],
        ["S002", "G101", "李雷", "1", 70, "缺"],
        ["S999", "G102", "韩梅梅", "1", 70, 60],
    ]
    result = run(exam, rows, user=staff)
    assert [(e["row"], e["column"], e["value"], e["message"]) for e in result["errors"]] == [
        (4, "学校代码", "S999", "学校代码不存在")
    ]
    result = run(exam, rows[:3], user=staff)
    assert result["committed"] and result["classes_created"] == 2
    assert stored(exam) == [
        ("G001", "数学", "S001", "九(1)班", 80.0),
        ("G001", "语文", "S001", "九(1)班", 90.0),
        ("G101", "数学", "S002", "九(1)班", None),
        ("G101", "语文", "S002", "九(1)班", 70.0),
    ]
    # A later file of one school replaces that school only.
    run(exam, [HEADER, ["G002", "张红霞", "1", 60, 60]], user=staff, school=school)
    assert [r[0] for r in stored(exam)] == ["G002", "G002", "G101", "G101"]


def test_a_school_column_must_match_the_chosen_school(exam, school, principal):
    rows = [["学校", *HEADER], ["河口乡中心学校", "G001", "刘文静", "1", 90, 80]]
    result = run(exam, rows, user=principal)
    assert [(e["column"], e["message"]) for e in result["errors"]] == [
        ("学校", "与所选学校（S001 城关第一初级中学）不符")
    ]
    rows[1][0] = "城关第一初级中学"
    assert run(exam, rows, user=principal)["committed"]


# --- who may upload, when ----------------------------------------------------------------


def test_a_principal_only_for_their_own_school(exam, school, other_school, principal):
    with pytest.raises(NotAllowed, match="只能上传本校的成绩"):
        run(exam, CLEAN, user=principal, school=other_school)
    assert ResultUpload.objects.count() == 0
    # No school named: their own.
    assert run(exam, CLEAN, user=principal)["school"] == "S001"


@pytest.mark.parametrize("role", [Role.LEADER, Role.INSPECTOR])
def test_readers_may_not_upload(exam, school, role):
    with pytest.raises(NotAllowed, match="没有上传成绩的权限"):
        run(exam, CLEAN, user=UserFactory(username=role, role=role), school=school)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF])
def test_managers_may_upload_for_any_school(exam, other_school, role):
    user = UserFactory(username=role, role=role)
    assert run(exam, CLEAN, user=user, school=other_school)["committed"]


@pytest.mark.parametrize(
    ("state", "principal_ok", "staff_ok"),
    [("draft", False, False), ("open", True, True), ("closed", False, True),
     ("published", False, False)],
)  # fmt: skip
def test_who_may_upload_in_which_state(
    exam, school, principal, staff, state, principal_ok, staff_ok
):
    exam.state = state
    exam.save()
    for user, ok in ((principal, principal_ok), (staff, staff_ok)):
        if ok:
            assert run(exam, CLEAN, user=user, school=school, dry_run=True)["errors"] == []
        else:
            with pytest.raises(ExamStateError):
                run(exam, CLEAN, user=user, school=school, dry_run=True)


def test_an_unreadable_file_stores_nothing(exam, school, principal):
    with pytest.raises(SpreadsheetError, match="只能上传 .xlsx、.xls 或 .csv 文件"):
        results_import(
            exam=exam, data=b"MZ\x90", file_name="成绩.exe", user=principal, dry_run=True
        )
    # A zip bomb: one member that inflates far beyond its compressed size.
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (30 * 1024 * 1024))
    with pytest.raises(SpreadsheetError, match="文件结构异常"):
        results_import(
            exam=exam, data=buffer.getvalue(), file_name="成绩.xlsx", user=principal, dry_run=True
        )
    assert ResultUpload.objects.count() == 0
    assert not service._store().exists() or not any(service._store().iterdir())


def test_an_exam_without_subjects_is_refused(school, principal):
    exam = ExamFactory(code="EMPTY", subjects={})
    with pytest.raises(DomainError, match="考试还没有设置学科"):
        run(exam, CLEAN, user=principal)


def test_stats_are_queued_after_the_commit(
    exam, school, principal, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr("exams.services.stats.stats_queue", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        run(exam, CLEAN, user=principal)
    assert queued == [exam.pk]


# --- the template ------------------------------------------------------------------------


def read_back(data: bytes) -> tuple[list[list], object]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    return [list(r) for r in sheet.iter_rows(values_only=True)], sheet


def test_the_template_for_a_school_lists_its_students(exam, school, other_school):
    c2 = ClassFactory(school=school, grade=9, number=2)
    c1 = ClassFactory(school=school, grade=9, number=1)
    StudentFactory(student_number="G2", name="乙", school_class=c2)
    StudentFactory(student_number="G3", name="丙", school_class=c1)
    StudentFactory(student_number="G1", name="甲", school_class=c1)
    StudentFactory(
        student_number="G8",
        name="八年级",
        school_class=ClassFactory(school=school, grade=8, number=1),
    )
    StudentFactory(
        student_number="G9",
        name="别校",
        school_class=ClassFactory(school=other_school, grade=9, number=1),
    )
    rows, sheet = read_back(results_template(exam=exam, school=school))
    assert rows == [
        [f"{exam.name}（城关第一初级中学）", None, None, None, None],
        ["学籍号", "姓名", "班级", "语文", "数学"],
        ["G1", "甲", "九(1)班", None, None],
        ["G3", "丙", "九(1)班", None, None],
        ["G2", "乙", "九(2)班", None, None],
    ]
    assert sheet.freeze_panes == "A3"
    assert sheet["D2"].comment.text == "满分 120"


def test_the_county_template_has_a_school_column(exam):
    rows, _sheet = read_back(results_template(exam=exam))
    assert rows == [
        [exam.name, None, None, None, None, None],
        ["学校代码", "学籍号", "姓名", "班级", "语文", "数学"],
    ]


def test_a_filled_in_template_imports(exam, school, class1, principal):
    StudentFactory(student_number="G1", name="甲", school_class=class1)
    book = openpyxl.load_workbook(io.BytesIO(results_template(exam=exam, school=school)))
    book.active["D3"], book.active["E3"] = 90, "缺考"
    out = io.BytesIO()
    book.save(out)
    result = results_import(
        exam=exam, data=out.getvalue(), file_name="t.xlsx", user=principal, dry_run=False
    )
    assert result["committed"] and result["students_updated"] == 0
    assert stored(exam) == [
        ("G1", "数学", "S001", "九(1)班", None),
        ("G1", "语文", "S001", "九(1)班", 90.0),
    ]


# --- the command line --------------------------------------------------------------------


def test_the_command_prints_the_summary(exam, school, class1, tmp_path, capsys):
    path = tmp_path / "成绩.xlsx"
    path.write_bytes(xlsx(CLEAN))
    call_command("import_results", "M1", str(path), "--school", "S001", "--dry-run")
    summary = json.loads(capsys.readouterr().out)
    assert (summary["committed"], summary["rows"], summary["students"]) == (False, 3, 3)
    call_command("import_results", "M1", str(path), "--school", "S001")
    assert json.loads(capsys.readouterr().out)["committed"] is True
    assert len(stored(exam)) == 6


def test_the_command_exits_1_with_errors(exam, school, tmp_path, capsys):
    path = tmp_path / "成绩.xlsx"
    path.write_bytes(xlsx([HEADER, ["G001", "刘文静", "1", 130, 70]]))
    with pytest.raises(CommandError) as caught:
        call_command("import_results", "M1", str(path), "--school", "S001")
    assert caught.value.returncode == 1
    out = json.loads(capsys.readouterr().out)
    assert out["errors"][0]["message"] == "分数超出范围（0～120）"
    assert ExamEntry.objects.count() == 0


def test_the_command_refuses_another_schools_student(exam, school, other_school, tmp_path, capsys):
    StudentFactory(
        student_number="G777",
        name="赵六",
        school_class=ClassFactory(school=other_school, grade=9, number=1),
    )
    path = tmp_path / "成绩.xlsx"
    path.write_bytes(xlsx([HEADER, ["G777", "赵六", "1", 90, 90]]))
    with pytest.raises(CommandError) as caught:
        call_command("import_results", "M1", str(path), "--school", "S001")
    assert caught.value.returncode == 1
    out = json.loads(capsys.readouterr().out)
    assert [e["message"] for e in out["errors"]] == ["该学籍号属于其他学校（河口乡中心学校，赵六）"]
    assert Student.objects.get(student_number="G777").school == other_school
    assert ExamEntry.objects.count() == 0


def test_the_command_needs_a_known_exam_and_school(exam, school, tmp_path):
    path = tmp_path / "成绩.xlsx"
    path.write_bytes(xlsx(CLEAN))
    with pytest.raises(CommandError, match="考试不存在：NOPE"):
        call_command("import_results", "NOPE", str(path))
    with pytest.raises(CommandError, match="学校不存在：S404"):
        call_command("import_results", "M1", str(path), "--school", "S404")
    # Without --school the file needs a 学校代码 column.
    with pytest.raises(CommandError):
        call_command("import_results", "M1", str(path))


def test_the_command_acts_as_the_system_in_any_state(exam, school, tmp_path, capsys):
    exam.state = "published"
    exam.save()
    path = tmp_path / "成绩.xlsx"
    path.write_bytes(xlsx(CLEAN))
    call_command("import_results", "M1", str(path), "--school", "S001")
    assert json.loads(capsys.readouterr().out)["committed"] is True
