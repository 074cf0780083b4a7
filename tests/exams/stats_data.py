"""A small county for the statistics tests, committed through the real results import.

Exam ``M1`` (语文 100, 数学 100; lines 85 / 75 / 60 / 40), two schools:

    school  class   student  语文  数学   total
    S001    九(1)班  G01 甲    90    80    170
    S001    九(1)班  G02 乙    70    缺考   —
    S001    九(2)班  G03 丙    50    60    110
    S001    九(2)班  G04 丁    30    40     70
    S002    九(1)班  G05 戊    90   100    190
    S002    九(1)班  G06 己    60    50    110

Teachers: T1 (S001) teaches 语文 in S001 九(1) and 九(2), and 数学 in S001 九(1); T2 (S002)
teaches 语文 in S002 九(1). Baseline exam ``M0`` (语文 100) lists G01 80, G03 60, G05 80,
G06 60 (mean 70, std 10, so z = +1, −1, +1, −1).
"""

import io

import openpyxl

from exams.services.results import results_import

from ..factories import AssignmentFactory, ClassFactory, ExamFactory, SubjectFactory, TeacherFactory

HEADER = ["学校代码", "学籍号", "姓名", "班级", "语文", "数学"]
ROWS = [
    ["S001", "G01", "甲", "九(1)班", 90, 80],
    ["S001", "G02", "乙", "九(1)班", 70, "缺考"],
    ["S001", "G03", "丙", "九(2)班", 50, 60],
    ["S001", "G04", "丁", "九(2)班", 30, 40],
    ["S002", "G05", "戊", "九(1)班", 90, 100],
    ["S002", "G06", "己", "九(1)班", 60, 50],
]
BASELINE_ROWS = [
    ["学校代码", "学籍号", "姓名", "班级", "语文"],
    ["S001", "G01", "甲", "九(1)班", 80],
    ["S001", "G03", "丙", "九(2)班", 60],
    ["S002", "G05", "戊", "九(1)班", 80],
    ["S002", "G06", "己", "九(1)班", 60],
]
# The current 语文 county std: deviations from 65 are 25, 5, −15, −35, 25, −5.
STD_CHINESE = (2750 / 6) ** 0.5  # √((625 + 25 + 225 + 1225 + 625 + 25) / 6) = 21.408720…


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "成绩"
    sheet.append(["九年级成绩"])  # a title row above the header
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(exam, rows, *, user=None, dry_run=False) -> dict:
    """Commits a county-wide results sheet as the system (the command line's way)."""
    result = results_import(
        exam=exam, data=xlsx(rows), file_name="成绩.xlsx", user=user, dry_run=dry_run
    )
    assert not result["errors"], result["errors"]
    return result


def build_county(school, other_school, *, baseline: bool = True, code: str = "M1"):
    """Creates the exam (with its baseline ``M0`` when asked), the classes, the teaching
    assignments and commits the results. Returns the exam."""
    classes = {
        "S001/1": ClassFactory(school=school, grade=9, number=1),
        "S001/2": ClassFactory(school=school, grade=9, number=2),
        "S002/1": ClassFactory(school=other_school, grade=9, number=1),
    }
    base = None
    if baseline:
        base = ExamFactory(code="M0", subjects={"语文": 100})
        upload(base, BASELINE_ROWS)
    exam = ExamFactory(code=code, subjects={"语文": 100, "数学": 100}, baseline=base)
    chinese, maths = SubjectFactory(name="语文"), SubjectFactory(name="数学")
    t1 = TeacherFactory(staff_number="T1", name="王老师", school=school)
    t2 = TeacherFactory(staff_number="T2", name="李老师", school=other_school)
    year = exam.academic_year
    for key, teacher, subject in [
        ("S001/1", t1, chinese),
        ("S001/2", t1, chinese),
        ("S001/1", t1, maths),
        ("S002/1", t2, chinese),
    ]:
        AssignmentFactory(
            academic_year=year, school_class=classes[key], teacher=teacher, subject=subject
        )
    upload(exam, [HEADER, *ROWS])
    return exam
