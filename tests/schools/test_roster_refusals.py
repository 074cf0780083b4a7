"""What a roster import refuses (SPEC §2): personal columns, formula-like text; and that a
refused file is not kept."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from schools.models import School, SchoolClass, Teacher
from schools.services.roster import roster_import

from ..factories import AcademicYearFactory

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEACHER_HEADER = ["工号", "姓名", "性别", "出生年份", "学校代码", "学历"]


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text as typed, never a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SCHOOLS = [["学校代码", "学校名称", "学段", "城乡"], ["S101", "青石镇初级中学", "初中", "镇区"]]


def teachers(header=TEACHER_HEADER, row=("JS0001", "刘春梅", "女", 1980, "S101", "本科")):
    return workbook({"学校": SCHOOLS, "教师": [list(header), list(row)]})


def kept_files() -> list[str]:
    folder = Path(settings.MEDIA_ROOT) / "roster"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture(autouse=True)
def year(db):
    return AcademicYearFactory()


@pytest.mark.parametrize("extra", ["身份证号", "手机号码", "家庭住址", "联系 电话", "监护人"])
def test_a_personal_column_in_the_teachers_sheet_is_an_error_on_its_header(staff, extra):
    data = teachers([*TEACHER_HEADER, extra], ("JS0001", "刘春梅", "女", 1980, "S101", "本科", "x"))
    result = roster_import(data=data, name="名册.xlsx", user=staff, dry_run=False)
    assert result.committed is False
    assert [(p.sheet, p.row, p.column, p.message) for p in result.errors] == [
        (
            "教师",
            1,
            extra,
            f"“{extra}”是个人信息列，成绩分析不需要，系统不保存此类信息：请删除该列后重新上传",
        )
    ]
    assert School.objects.count() == 0 and Teacher.objects.count() == 0


def test_a_personal_column_in_the_classes_sheet_too_but_a_schools_own_address_is_fine(staff):
    data = workbook(
        {
            "学校": [[*SCHOOLS[0], "地址"], [*SCHOOLS[1], "青石镇北街1号"]],
            "班级": [["学校代码", "年级", "班号", "班主任电话"], ["S101", "九年级", 1, "139"]],
        }
    )
    result = roster_import(data=data, name="名册.xlsx", user=staff, dry_run=True)
    assert [(p.sheet, p.column) for p in result.errors] == [("班级", "班主任电话")]
    clean = workbook({"学校": [[*SCHOOLS[0], "地址"], [*SCHOOLS[1], "青石镇北街1号"]]})
    assert roster_import(data=clean, name="名册.xlsx", user=staff, dry_run=False).committed


@pytest.mark.parametrize(
    "name", ["=1+1", "+86", "-x", "@SUM(A1)", "\u200b=1", "\ufeff+1", "\t=cmd", "＝1"]
)
def test_formula_like_teacher_names_are_refused(staff, name):
    data = teachers(row=("JS0001", name, "女", 1980, "S101", "本科"))
    result = roster_import(data=data, name="名册.xlsx", user=staff, dry_run=False)
    assert [(p.sheet, p.row, p.column) for p in result.errors] == [("教师", 2, "姓名")]
    assert "公式" in result.errors[0].message
    assert Teacher.objects.count() == 0


@pytest.mark.parametrize(("column", "value"), [(1, "-九年级"), (2, "@3"), (3, "+JS0001")])
def test_formula_like_class_cells_and_teacher_numbers_are_refused(staff, column, value):
    row = ["S101", "九年级", 1, "JS0001"]
    row[column] = value
    data = workbook({"学校": SCHOOLS, "班级": [["学校代码", "年级", "班号", "班主任工号"], row]})
    result = roster_import(data=data, name="名册.xlsx", user=staff, dry_run=False)
    header = ["学校代码", "年级", "班号", "班主任工号"][column]
    assert [(p.sheet, p.row, p.column) for p in result.errors] == [("班级", 2, header)]
    assert "公式" in result.errors[0].message
    assert SchoolClass.objects.count() == 0


def test_a_lone_hyphen_for_no_township_is_text(staff):
    data = workbook(
        {"学校": [[*SCHOOLS[0], "乡镇"], [*SCHOOLS[1], "-"]]},
    )
    result = roster_import(data=data, name="名册.xlsx", user=staff, dry_run=False)
    assert result.committed and School.objects.get().township == "-"


def test_a_refused_roster_leaves_no_file_on_the_page(client_for, staff):
    data = teachers(
        [*TEACHER_HEADER, "身份证号"], ("JS0001", "刘春梅", "女", 1980, "S101", "本科", "x")
    )
    response = client_for(staff).post(
        "/roster/import/", {"file": SimpleUploadedFile("名册.xlsx", data, content_type=XLSX)}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "请删除该列后重新上传" in page and "确认导入" not in page
    assert kept_files() == []
    assert Teacher.objects.count() == 0


def test_a_file_failing_while_read_leaves_no_file_either(client_for, staff):
    import zipfile

    # A zip that passes the container checks but holds no readable workbook.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    response = client_for(staff).post(
        "/roster/import/",
        {"file": SimpleUploadedFile("名册.xlsx", buffer.getvalue(), content_type=XLSX)},
    )
    assert response.status_code == 400
    assert "文件已损坏或格式不受支持" in response.content.decode()
    assert kept_files() == []
