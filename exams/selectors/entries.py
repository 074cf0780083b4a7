"""Reads of exams for the statistics job, the pages and the exports."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, FloatField, Func

from exams.models import ExamEntry, ExamSubject
from schools.models import Stage

STAGES_FOR_GRADE = {
    "primary": {Stage.PRIMARY, Stage.NINE_YEAR},
    "junior": {Stage.JUNIOR, Stage.NINE_YEAR, Stage.COMPLETE},
    "senior": {Stage.SENIOR, Stage.COMPLETE},
}


def stages_for_grade(grade: int) -> set[str]:
    """The school stages that teach a grade: who is expected to upload an exam's results."""
    if grade <= 6:
        return STAGES_FOR_GRADE["primary"]
    if grade <= 9:
        return STAGES_FOR_GRADE["junior"]
    return STAGES_FOR_GRADE["senior"]


ENTRY_COLUMNS = [
    "student",
    "student_id",
    "name",
    "school",
    "school_id",
    "class_",
    "class_id",
    "not_counted",
    "counted",
]


class SubjectScore(Func):
    """One subject's score out of ``ExamEntry.scores``, NULL when absent. Written out per
    database because Django's JSON key transforms take a digit key for an array index."""

    output_field = FloatField()

    def __init__(self, subject_id: int):
        self.key = str(int(subject_id))
        super().__init__(F("scores"))

    def as_sql(self, compiler, connection, **extra_context):  # SQLite, MySQL
        sql, params = compiler.compile(self.source_expressions[0])
        return f"json_extract({sql}, %s)", (*params, f'$."{self.key}"')

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql} ->> %s)::double precision)", (*params, self.key)


def entries_frame(*, exam_id: int, school_ids: list[int] | None = None) -> pd.DataFrame:
    """An exam's entries as the statistics engine takes them: one row per listed student.

    Columns: ``student`` (student number), ``student_id``, ``name``, ``school`` (school
    code), ``school_id``, ``class_`` (``"<school code>/<grade>/<number>"``, unique in the
    county), ``class_id``, ``not_counted`` (the reason a student is not counted, "" for
    everyone counted), ``counted`` (bool, as the engine reads it), then one float64 column per
    subject of the exam, named after the subject, in exam order (NaN: absent). Rows by school code, class, student number. A class
    deleted since the import leaves ``class_`` None and ``class_id`` <NA>.

    One query, built column-wise (a county's 60,000 rows in about 0.3 s on PostgreSQL, see
    docs/performance.md); ``school_ids`` limits it to those schools."""
    subjects = list(
        ExamSubject.objects.filter(exam_id=exam_id)
        .order_by("order", "id")
        .values_list("subject_id", "subject__name")
    )
    entries = ExamEntry.objects.filter(exam_id=exam_id)
    if school_ids is not None:
        entries = entries.filter(school_id__in=school_ids)
    aliases = {f"score_{i}": SubjectScore(subject_id) for i, (subject_id, _) in enumerate(subjects)}
    query = (
        entries.annotate(**aliases)
        .order_by(
            "school__code",
            "school_class__grade",
            "school_class__number",
            "student__student_number",
        )
        .values_list(
            "student__student_number",
            "student_id",
            "student__name",
            "school__code",
            "school_id",
            "school_class__grade",
            "school_class__number",
            "school_class_id",
            "not_counted",
            *aliases,
        )
    )
    # Run on a cursor: the queryset would convert the 540,000 scores of a county one by one.
    try:
        sql, params = query.query.sql_with_params()
    except EmptyResultSet:  # school_ids=[]
        rows = []
    else:
        with connections[query.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    fixed = 9
    columns = list(zip(*rows, strict=True)) if rows else [()] * (fixed + len(subjects))
    number, student_id, name, code, school_id, grade, class_number, class_id, reason = columns[
        :fixed
    ]
    frame = pd.DataFrame(
        {
            "student": pd.Series(number, dtype=object),
            "student_id": np.array(student_id, dtype=np.int64),
            "name": pd.Series(name, dtype=object),
            "school": pd.Series(code, dtype=object),
            "school_id": np.array(school_id, dtype=np.int64),
            "class_": pd.Series(
                [
                    f"{c}/{g}/{n}" if n is not None else None
                    for c, g, n in zip(code, grade, class_number, strict=True)
                ],
                dtype=object,
            ),
            "class_id": pd.array(class_id, dtype="Int64"),
            "not_counted": pd.Series([r or "" for r in reason], dtype=object),
            "counted": np.array([not r for r in reason], dtype=bool),
        }
    )
    for (_subject_id, subject_name), values in zip(subjects, columns[fixed:], strict=True):
        frame[subject_name] = np.array(values, dtype=np.float64)  # None → NaN
    return frame
