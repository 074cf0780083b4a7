"""Every workbook the portal writes keeps text as text: a value beginning with "=" (or "#N/A")
is a string cell, never a formula (or an error value), read back exactly as stored."""

import io
import re
import zipfile

import openpyxl
import pytest

from core.spreadsheets import annotate_workbook, append_row, error, write_cell
from exams.services.templates import results_template
from schools.roster import roster_template_xlsx

from ..factories import ClassFactory, ExamFactory, StudentFactory

NASTY = ['=HYPERLINK("http://evil.example","点这里")', "=1+2", "+1+1", "-2+3", "@SUM(A1)", "#N/A"]


def sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        return "".join(
            zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/sheet")
        )


def assert_text_cells(content: bytes, expected: list[str]) -> None:
    """Each expected value is in the workbook as a string cell; no formula anywhere."""
    assert not re.search(r"<(\w+:)?f[ >]", sheet_xml(content))
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = {c.value: c for ws in book for row in ws.iter_rows() for c in row if c.value}
    for value in expected:
        assert value in cells, value
        assert cells[value].data_type == "s", (value, cells[value].data_type)


@pytest.mark.django_db
def test_a_prefilled_results_template_writes_formula_like_names_as_text(school):
    exam = ExamFactory(code="F1", name="=期末", subjects={"语文": 120})
    klass = ClassFactory(school=school, grade=9, number=1)
    for i, name in enumerate(NASTY):
        # Stored before imports refused such names (or typed in the admin).
        StudentFactory(student_number=f"G{i}", name=name, school_class=klass)
    content = results_template(exam=exam, school=school)
    assert_text_cells(content, [*NASTY, "=期末（城关第一初级中学）"])


def test_the_roster_template_writes_text_cells():
    content = roster_template_xlsx(with_examples=True)
    assert_text_cells(content, ["学校代码", "刘春梅", "九年级"])


@pytest.mark.parametrize("write_only", [False, True])
def test_append_row_keeps_text_as_text_in_both_kinds_of_sheet(write_only):
    book = openpyxl.Workbook(write_only=write_only)
    sheet = book.create_sheet("表") if write_only else book.active
    append_row(sheet, ["标题"])
    append_row(sheet, [*NASTY, 12, 0.5, None])
    out = io.BytesIO()
    book.save(out)
    assert_text_cells(out.getvalue(), NASTY)
    back = openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    assert [c.value for c in back[2]] == [*NASTY, 12, 0.5]
    assert (back["G2"].data_type, back["H2"].data_type) == ("n", "n")  # numbers stay numbers


def test_write_cell_turns_no_text_into_a_formula():
    book = openpyxl.Workbook()
    cell = write_cell(book.active["A1"], "=1+2")
    assert (cell.value, cell.data_type) == ("=1+2", "s")
    assert write_cell(book.active["A2"], 3).data_type == "n"


def test_the_annotated_copy_of_a_csv_keeps_formula_text_as_text():
    data = '学籍号,姓名\nG1,=HYPERLINK("x")\nG2,@SUM(A1)\n'.encode()
    problems = [error("Sheet1", 2, "姓名", '=HYPERLINK("x")', "公式")]
    content = annotate_workbook(data, problems, {"Sheet1": 1}, kind="csv")
    assert_text_cells(content, ['=HYPERLINK("x")', "@SUM(A1)"])
