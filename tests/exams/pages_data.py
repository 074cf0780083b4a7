"""A small analysed exam for the page and export tests: two schools, two subjects, real
imports through ``results_import`` and real statistics through ``stats_compute``.

    S001 (城关第一初级中学)  语文  数学   class
      G001                    95     80    九(1)班
      G002                    90.5   70    九(1)班
      G003                    50     30    九(2)班
    S002 (河口乡中心学校)
      G101                    60     60    九(1)班
      G102                    40     90    九(1)班
      G103                    缺考   50    九(1)班

语文 (full marks 100): S001 mean (95 + 90.5 + 50) / 3 = 78.50, 及格 2/3 = 66.7%;
S002 mean (60 + 40) / 2 = 50.00, 及格 1/2 = 50.0%; county mean 335.5 / 5 = 67.10.
"""

from __future__ import annotations

import io

import openpyxl

from exams.models import Exam, ExamState
from exams.services.results import results_import
from exams.services.stats import stats_compute
from schools.models import Subject

from ..factories import AssignmentFactory, ClassFactory, ExamFactory, TeacherFactory

HEADER = ["学籍号", "姓名", "班级", "语文", "数学"]
S001_ROWS = [
    ["G001", "刘文静", "九(1)班", 95, 80],
    ["G002", "张红霞", "九(1)班", 90.5, 70],
    ["G003", "王小明", "九(2)班", 50, 30],
]
S002_ROWS = [
    ["G101", "李雷", "九(1)班", 60, 60],
    ["G102", "韩梅梅", "九(1)班", 40, 90],
    ["G103", "赵四", "九(1)班", "缺考", 50],
]


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def build_exam(
    *, staff, schools_rows, code="P1", state=ExamState.PUBLISHED, baseline=None, teachers=True
) -> Exam:
    """An exam of 语文 100 and 数学 100 with ``schools_rows`` [(school, rows)] imported and
    computed, then put in ``state``."""
    exam = ExamFactory(code=code, subjects={"语文": 100, "数学": 100}, baseline=baseline)
    chinese = Subject.objects.get(name="语文")
    for school, rows in schools_rows:
        numbers = sorted({int(r[2][2:-2]) for r in rows})
        for n in numbers:
            klass = ClassFactory(school=school, grade=9, number=n)
            if teachers:
                AssignmentFactory(
                    academic_year=exam.academic_year,
                    school_class=klass,
                    subject=chinese,
                    teacher=TeacherFactory(school=school, name=f"{school.code}语文{n}"),
                )
        result = results_import(
            exam=exam, data=xlsx(rows), file_name="x.xlsx", user=staff, school=school,
            dry_run=False,
        )  # fmt: skip
        assert result["committed"], result["errors"]
    stats_compute(exam_id=exam.pk)
    Exam.objects.filter(pk=exam.pk).update(state=state)
    exam.refresh_from_db()
    return exam
