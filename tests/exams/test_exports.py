"""Exports of the exam pages' tables (``?export=xlsx&table=…``): read back with openpyxl and
as raw sheet XML; formula-injection safety; student-level exports are logged."""

import io
import re
import zipfile
from urllib.parse import unquote

import openpyxl
import pytest

from bureau import access
from bureau.models import AccessLog
from exams import exports

from ..factories import SchoolFactory
from .pages_data import S001_ROWS, S002_ROWS, build_exam

pytestmark = pytest.mark.django_db

EXAM_TABLES = ["overview", "schools", "classes", "teachers", "value_added", "bands", "gaps"]
NASTY = ['=HYPERLINK("http://x")', "@SUM(1)", "+1", "-1", "\tTAB", "\rCR"]
# XML parsers read a stored CR as LF (line-end normalisation): the same text otherwise.
READ_BACK = [n.replace("\r", "\n") for n in NASTY]


@pytest.fixture
def exam(staff, school, other_school):
    return build_exam(staff=staff, schools_rows=[(school, S001_ROWS), (other_school, S002_ROWS)])


def book(response):
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_TYPE
    return openpyxl.load_workbook(io.BytesIO(response.content))


def rows_of(response) -> list[list]:
    return [list(r) for r in book(response).active.iter_rows(values_only=True)]


def sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return "".join(
            z.read(name).decode() for name in z.namelist() if name.startswith("xl/worksheets/")
        )


@pytest.mark.parametrize("table", EXAM_TABLES)
def test_every_exam_table_exports(client_for, staff, exam, table):
    response = client_for(staff).get(f"/exams/P1/?subject=语文&export=xlsx&table={table}")
    rows = rows_of(response)
    assert rows[0] == [str(c.header) for c in exports.COLUMNS[table]]
    assert "attachment;" in response["Content-Disposition"]


def test_school_export_keeps_numbers_with_formats(client_for, staff, exam):
    response = client_for(staff).get("/exams/P1/?subject=语文&export=xlsx&table=schools")
    sheet = book(response).active
    header = [c.value for c in sheet[1]]
    s001 = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert s001["学校代码"].value == "S001" and s001["名次"].value == 1
    # (95 + 90.5 + 50) / 3 = 78.5, shown with two decimals; 及格 2/3 as a percentage
    assert s001["平均分"].value == pytest.approx(78.5) and s001["平均分"].number_format == "0.00"
    assert s001["及格率"].value == pytest.approx(2 / 3)
    assert s001["及格率"].number_format == "0.0%"
    assert s001["综合指数"].value == pytest.approx(71.4)
    assert sheet.title == "学校"


def test_overview_export(client_for, staff, exam):
    rows = rows_of(client_for(staff).get("/exams/P1/?export=xlsx&table=overview"))
    assert [r[0] for r in rows[1:]] == ["语文", "数学", "总分"]
    assert rows[1][3] == pytest.approx(67.1)  # 335.5 / 5


def test_filename_is_ascii_with_utf8_variant(client_for, staff, exam):
    response = client_for(staff).get("/exams/P1/?subject=语文&export=xlsx&table=schools")
    header = response["Content-Disposition"]
    assert header.startswith("attachment; filename=\"P1-schools.xlsx\"; filename*=UTF-8''")
    assert header.isascii()
    assert unquote(header.split("''", 1)[1]) == "P1-学校-语文.xlsx"


def test_unknown_table_is_404(client_for, staff, exam):
    assert client_for(staff).get("/exams/P1/?export=xlsx&table=nope").status_code == 404
    assert (
        client_for(staff).get("/exams/P1/schools/S001/?export=xlsx&table=gaps").status_code == 404
    )


def test_exports_follow_the_page_scope(client_for, other_principal, exam):
    rows = rows_of(
        client_for(other_principal).get("/exams/P1/?subject=语文&export=xlsx&table=classes")
    )
    assert {r[1] for r in rows[1:]} == {"河口乡中心学校"}


# --- formula injection ---------------------------------------------------------------------


def test_user_text_is_never_a_formula(client_for, staff):
    from schools.models import Student, Teacher

    schools = [SchoolFactory(code=f"N{i}", name=name) for i, name in enumerate(NASTY)]
    data = []
    for i, school in enumerate(schools):
        data.append((school, [[f"N{i}01", f"学生{i}", "九(1)班", 50 + i, 60]]))
    exam = build_exam(staff=staff, schools_rows=data, code="INJ")
    Teacher.objects.filter(school=schools[0]).update(name="=1+2")
    # An import refuses such a name now; one stored before (or by hand) is still written as text.
    Student.objects.filter(student_number="N001").update(name="@学生0")
    from exams.services.stats import stats_compute

    stats_compute(exam_id=exam.pk)
    client = client_for(staff)
    for table in ("schools", "classes", "teachers", "gaps", "value_added"):
        response = client.get(f"/exams/INJ/?subject=语文&export=xlsx&table={table}")
        xml = sheet_xml(response.content)
        assert "<f>" not in xml and "<f " not in xml
    response = client.get("/exams/INJ/?subject=语文&export=xlsx&table=schools")
    assert "<f>" not in sheet_xml(response.content)
    cells = [c for row in book(response).active.iter_rows() for c in row]
    names = {c.value for c in cells if c.column == 3 and c.row > 1}
    assert names == set(READ_BACK)
    assert all(c.data_type == "s" for c in cells if c.value in READ_BACK)
    teachers = client.get("/exams/INJ/?subject=语文&export=xlsx&table=teachers")
    assert "<f>" not in sheet_xml(teachers.content)
    assert "=1+2" in [c.value for row in book(teachers).active.iter_rows() for c in row]
    students = client.get("/exams/INJ/schools/N0/?export=xlsx&table=students")
    xml = sheet_xml(students.content)
    assert "<f>" not in xml
    assert rows_of(students)[1][1] == "@学生0"


def test_workbook_writes_formula_like_text_as_strings():
    columns = [exports.Column("name", "名称"), exports.Column("rate", "比率", exports.PCT)]
    content = exports.workbook([("表", columns, [{"name": n, "rate": 0.5} for n in NASTY])])
    xml = sheet_xml(content)
    assert "<f>" not in xml and "HYPERLINK" in xml
    assert re.search(r'<c r="A2"[^>]*t="(s|inlineStr|str)"', xml)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [sheet.cell(row=i, column=1).value for i in range(2, 2 + len(NASTY))] == READ_BACK
    assert sheet["B2"].number_format == "0.0%"


# --- students ------------------------------------------------------------------------------


def test_student_export_is_logged(client_for, principal, exam):
    response = client_for(principal).get("/exams/P1/schools/S001/?export=xlsx&table=students")
    rows = rows_of(response)
    assert rows[0][:8] == ["学籍号", "姓名", "班级", "语文", "数学", "总分", "全县名次", "校内名次"]
    assert rows[0][8:] == [
        "语文 z", "语文 T", "数学 z", "数学 T", "总分 z", "总分 T", "不计入统计",
    ]  # fmt: skip
    first = {r[0]: r for r in rows[1:]}["G001"]
    assert first[1:8] == ["刘文静", "九(1)班", 95, 80, 175, 1, 1]
    # 语文 county 95, 90.5, 50, 60, 40: mean 67.1, std 21.923503; z = 27.9 / 21.923503
    assert first[8] == pytest.approx(27.9 / 21.923503369671554)  # 1.272607
    assert first[9] == pytest.approx(50 + 279 / 21.923503369671554)  # 62.726068
    assert first[-1] is None  # counted: the reason cell stays empty
    log = AccessLog.objects.get(action=AccessLog.Action.EXPORT)
    assert log.user == principal and log.school.code == "S001" and log.rows == 3
    assert response["Content-Disposition"].startswith(
        'attachment; filename="P1-S001-students.xlsx"'
    )


def test_student_export_refused_without_access(client_for, inspector, other_principal, exam):
    assert (
        client_for(inspector).get("/exams/P1/schools/S001/?export=xlsx&table=students").status_code
        == 403
    )
    assert (
        client_for(other_principal)
        .get("/exams/P1/schools/S001/?export=xlsx&table=students")
        .status_code
        == 404
    )
    assert not AccessLog.objects.filter(action=AccessLog.Action.EXPORT).exists()


def test_inspector_exports_students_of_visited_school(
    client_for, inspector, school, exam, monkeypatch
):
    monkeypatch.setattr(access.students, "visited_school_ids", lambda user: {school.pk})
    response = client_for(inspector).get("/exams/P1/schools/S001/?export=xlsx&table=students")
    assert len(rows_of(response)) == 4
    assert AccessLog.objects.filter(action="export", user=inspector).count() == 1


def test_drill_down_class_and_teacher_exports(client_for, principal, exam):
    client = client_for(principal)
    classes = rows_of(client.get("/exams/P1/schools/S001/?subject=语文&export=xlsx&table=classes"))
    assert [r[1] for r in classes[1:]] == ["九(1)班", "九(2)班"]
    teachers = rows_of(
        client.get("/exams/P1/schools/S001/?subject=语文&export=xlsx&table=teachers")
    )
    assert [r[1] for r in teachers[1:]] == ["S001语文1", "S001语文2"]
