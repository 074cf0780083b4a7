"""The results template (SPEC §2): per exam, or per school pre-filled with its students."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from core.spreadsheets import append_row
from schools.models import GRADE_SHORT, School, Student

from ..models import Exam

WIDTHS = {"学校代码": 12, "学籍号": 22, "姓名": 12, "班级": 10}


def results_template(*, exam: Exam, school: School | None = None) -> bytes:
    """An .xlsx: a title row (the exam's name), the header (学籍号, 姓名, 班级, one column per
    subject with its full marks in a note; 学校代码 first when no school is given), and for a
    school its students of the exam's grade, by class then student number."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    subjects = list(
        exam.exam_subjects.select_related("subject")
        .order_by("order", "id")
        .values_list("subject__name", "full_marks")
    )
    header = ([] if school else ["学校代码"]) + ["学籍号", "姓名", "班级"]
    header += [name for name, _full in subjects]

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = _("成绩")[:31]
    title = exam.name if school is None else f"{exam.name}（{school.name}）"
    append_row(sheet, [title])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    append_row(sheet, header)
    fill = PatternFill(fill_type="solid", start_color="FFF0F4F8", end_color="FFF0F4F8")
    marks = dict(subjects)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = fill
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = WIDTHS.get(cell.value, 9)
        if cell.value in marks:
            full = marks[cell.value]
            text = _("满分 %(full)s") % {"full": int(full) if full.is_integer() else full}
            cell.comment = Comment(text, "提质", width=120, height=40)
    sheet.freeze_panes = "A3"
    if school is not None:
        students = (
            Student.objects.filter(school=school, school_class__grade=exam.grade)
            .select_related("school_class")
            .order_by("school_class__number", "student_number")
            .values_list("student_number", "name", "school_class__number")
        )
        short = GRADE_SHORT.get(exam.grade, exam.grade)
        for number, name, klass in students:
            append_row(sheet, [number, name, f"{short}({klass})班"])
            # An identifier: shown as text so that Excel does not round a long number.
            sheet.cell(row=sheet.max_row, column=1).number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
