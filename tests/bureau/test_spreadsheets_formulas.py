"""Formula cells of an .xlsx: read as their cached value, or refused when saved without one
(a blank read would count a listed student as absent). SPEC §2: a cell holding a formula is
read as its value or rejected, never stored as =… text."""

import io
import re
import zipfile

import openpyxl
import pytest

from core import spreadsheets as ss
from core.spreadsheets import (
    SpreadsheetError,
    UncomputedFormula,
    check_upload,
    clean_number,
    clean_text,
    read_sheets,
    uncomputed_formulas,
)
from exams.engine.sheet import parse_results
from exams.models import ExamEntry, ResultUpload
from exams.services.results import results_import
from schools.models import Student
from schools.roster import parse_roster

from ..factories import ClassFactory, ExamFactory, StudentFactory

NO_VALUE = "单元格是没有计算结果的公式，请在 Excel 中重新计算并保存，或粘贴为数值"
HEADER = ["学籍号", "姓名", "班级", "语文", "数学"]


def workbook(rows: list[list], title: str = "成绩") -> bytes:
    """Made by openpyxl, which saves a formula as ``<f>`` with an empty ``<v/>``."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def patch_sheet(data: bytes, change) -> bytes:
    """The workbook with ``change(xml text)`` applied to its first worksheet."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content.decode()).encode()
            target.writestr(item, content)
    return out.getvalue()


def with_cached(data: bytes, cell: str, value: str) -> bytes:
    """Gives the formula of ``cell`` a cached value, as Excel saves it."""

    def change(xml: str) -> str:
        pattern = rf'(<c r="{cell}"[^>]*>\s*<f>[^<]*</f>)\s*<v\s*/>'
        patched, count = re.subn(pattern, rf"\1<v>{value}</v>", xml)
        assert count == 1, xml
        return patched

    return patch_sheet(data, change)


ROWS = [
    ["九年级月考成绩"],
    HEADER,
    ["G001", "刘文静", "九(1)班", 102, 74],
    ["G002", "张红霞", "九(1)班", "=SUM(D3:D3)-17", 99],
]


# --- the reader ----------------------------------------------------------------------------


def test_a_formula_without_a_cached_value_is_found_and_never_blank():
    data = workbook(ROWS)
    assert uncomputed_formulas(data) == {"成绩": [(4, 4, "=SUM(D3:D3)-17")]}
    rows = read_sheets(data, "xlsx")["成绩"]
    cell = rows[3][3]
    assert isinstance(cell, UncomputedFormula) and cell == "=SUM(D3:D3)-17"
    assert clean_number(cell) == (None, NO_VALUE)
    assert clean_text(cell) == (None, NO_VALUE)
    assert not ss.is_blank(cell)


def test_the_results_sheet_refuses_it_naming_the_cell():
    parsed = parse_results(
        workbook(ROWS), "xlsx", subjects={"语文": 120, "数学": 120}, grade=9, multi_school=False
    )
    assert [p.as_dict() for p in parsed.problems] == [
        {
            "level": "error",
            "sheet": "成绩",
            "row": 4,
            "column": "语文",
            "value": "=SUM(D3:D3)-17",
            "message": NO_VALUE,
        }
    ]


@pytest.mark.parametrize(
    "row",
    [
        ["=A1", "张红霞", "九(1)班", 90, 99],  # the student number
        ["G002", '=CONCAT("张","红霞")', "九(1)班", 90, 99],  # the name
        ["G002", "张红霞", "=C3", 90, 99],  # the class
        ["G002", None, None, None, "=1+1"],  # a row that would otherwise be skipped
    ],
)
def test_every_column_read_refuses_it(row):
    parsed = parse_results(
        workbook([HEADER, row]), "xlsx", subjects={"语文": 120, "数学": 120}, grade=9,
        multi_school=False,
    )  # fmt: skip
    formula = [p for p in parsed.problems if p.message == NO_VALUE]
    assert len(formula) == 1 and formula[0].row == 2
    assert formula[0].column == HEADER[row.index(next(c for c in row if str(c).startswith("=")))]


def test_a_formula_in_an_ignored_column_does_not_matter():
    rows = [HEADER + ["总分"], ["G001", "刘文静", "九(1)班", 102, 74, "=D2+E2"]]
    parsed = parse_results(
        workbook(rows), "xlsx", subjects={"语文": 120, "数学": 120}, grade=9, multi_school=False
    )
    assert parsed.problems == []
    assert parsed.records[0].scores == {"语文": 102.0, "数学": 74.0}


def test_a_formula_with_a_cached_value_reads_as_the_value():
    data = with_cached(workbook(ROWS), "D4", "85")
    check_upload("成绩.xlsx", data)
    assert uncomputed_formulas(data) == {}
    assert read_sheets(data, "xlsx")["成绩"][3] == ["G002", "张红霞", "九(1)班", 85, 99]
    parsed = parse_results(
        data, "xlsx", subjects={"语文": 120, "数学": 120}, grade=9, multi_school=False
    )
    assert parsed.problems == []
    assert parsed.records[1].scores == {"语文": 85.0, "数学": 99.0}


def test_a_text_formula_that_gave_an_empty_text_is_a_blank_not_a_problem():
    def change(xml: str) -> str:
        return re.sub(r'<c r="D4"[^>]*>', '<c r="D4" t="str">', xml)

    data = patch_sheet(workbook(ROWS), change)
    assert uncomputed_formulas(data) == {}
    assert read_sheets(data, "xlsx")["成绩"][3][3] is None


def test_cells_without_references_and_prefixed_tags_are_located():
    def change(xml: str) -> str:
        xml = re.sub(r' r="[A-Z]+[0-9]+"', "", xml)  # cells located by their order only
        xml = xml.replace('xmlns="', 'xmlns:x="').replace("<", "<x:").replace("<x:/", "</x:")
        return xml.replace("<x:?", "<?")

    data = patch_sheet(workbook([["a", "b", "=1+1"], [], ["=2+2"]], title="S"), change)
    assert uncomputed_formulas(data) == {"S": [(1, 3, "=1+1"), (3, 1, "=2+2")]}


def test_a_formula_outside_what_calamine_reads_extends_the_rows():
    data = workbook([["a"]], title="S")
    book = openpyxl.load_workbook(io.BytesIO(data))
    book["S"]["C4"] = "=A1"
    out = io.BytesIO()
    book.save(out)
    rows = read_sheets(out.getvalue(), "xlsx")["S"]
    assert len(rows) == 4 and rows[3] == [None, None, "=A1"]


def test_too_many_refuse_the_file_naming_the_first_ten():
    rows = [[f"=A{i}"] for i in range(1, 13)]
    data = workbook(rows, title="S")
    with pytest.raises(SpreadsheetError) as exc:
        uncomputed_formulas(data, limit=11)
    assert "S!A1、S!A2" in exc.value.message and "S!A10 等" in exc.value.message
    assert "S!A11" not in exc.value.message
    assert len(uncomputed_formulas(data, limit=12)["S"]) == 12


def test_a_sheet_part_with_a_doctype_is_refused():
    data = patch_sheet(
        workbook(ROWS), lambda xml: xml.replace("<worksheet", "<!DOCTYPE w []><worksheet", 1)
    )
    with pytest.raises(SpreadsheetError):
        uncomputed_formulas(data)


def test_only_the_sheets_asked_for_are_scanned():
    data = workbook(ROWS)
    assert uncomputed_formulas(data, {"其他"}) == {}


# --- the importers -------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_import_with_such_a_cell_commits_nothing(school, principal):
    exam = ExamFactory(code="F1", subjects={"语文": 120, "数学": 120})
    klass = ClassFactory(school=school, grade=9, number=1)
    StudentFactory(student_number="G001", name="刘文静", school_class=klass)
    result = results_import(
        exam=exam, data=workbook(ROWS), file_name="成绩.xlsx", user=principal, dry_run=False
    )
    assert result["committed"] is False and result["status"] == "rejected"
    assert result["errors"] == [
        {
            "level": "error",
            "sheet": "成绩",
            "row": 4,
            "column": "语文",
            "value": "=SUM(D3:D3)-17",
            "message": NO_VALUE,
        }
    ]
    assert not ExamEntry.objects.filter(exam=exam).exists()
    assert not Student.objects.filter(student_number="G002").exists()
    assert ResultUpload.objects.get(pk=result["id"]).status == "rejected"

    fixed = with_cached(workbook(ROWS), "D4", "85")
    result = results_import(
        exam=exam, data=fixed, file_name="成绩.xlsx", user=principal, dry_run=False
    )
    assert result["committed"] is True
    scores = ExamEntry.objects.get(exam=exam, student__student_number="G002").scores
    assert sorted(scores.values()) == [85.0, 99.0]


def test_the_roster_refuses_it_too():
    header = ["工号", "姓名", "性别", "出生年份", "学校代码", "学历"]
    data = workbook([header, ["T001", "刘春梅", "女", "=2026-40", "S101", "本科"]], title="教师")
    parsed = parse_roster(data, "xlsx")
    assert [(p.sheet, p.row, p.column, p.value, p.message) for p in parsed.problems] == [
        ("教师", 2, "出生年份", "=2026-40", NO_VALUE)
    ]


def test_the_scan_reads_the_same_across_chunk_boundaries(monkeypatch):
    rows = [["学籍号", "语文", "数学"]]
    rows += [[f"G{i:03d}", f"=B{i}+1" if i % 7 == 0 else i, "=1+1" if i % 5 == 0 else 1]
             for i in range(2, 60)]  # fmt: skip
    data = with_cached(workbook(rows), "B14", "85")
    whole = uncomputed_formulas(data)
    assert len(whole["成绩"]) == 8 + 11 - 1  # B14 has its value
    for size in (7, 64, 333):
        monkeypatch.setattr(ss, "_SCAN_CHUNK", size)
        assert uncomputed_formulas(data) == whole
