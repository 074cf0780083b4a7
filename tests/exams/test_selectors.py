"""``entries_frame``: an exam's stored entries as the wide frame the statistics engine reads."""

import numpy as np
import pandas as pd
import pytest

from exams.models import ExamEntry, ExamSubject
from exams.selectors.entries import entries_frame

from ..factories import ClassFactory, ExamFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(db):
    # Exam order is 数学 first, then 语文, then 英语 (not by name).
    return ExamFactory(code="F1", subjects={"数学": 120, "语文": 120, "英语": 100})


def ids(exam) -> dict[str, str]:
    """Subject name → the key of ``ExamEntry.scores``."""
    return {
        es.subject.name: str(es.subject_id)
        for es in ExamSubject.objects.filter(exam=exam).select_related("subject")
    }


def enter(exam, student, klass, **scores):
    key = ids(exam)
    ExamEntry.objects.create(
        exam=exam,
        student=student,
        school=klass.school,
        school_class=klass,
        scores={key[name]: score for name, score in scores.items()},
    )


@pytest.fixture
def entries(exam, school, other_school):
    c2 = ClassFactory(school=school, grade=9, number=2)
    c1 = ClassFactory(school=school, grade=9, number=1)
    o1 = ClassFactory(school=other_school, grade=9, number=1)
    a = StudentFactory(student_number="G2", name="乙", school_class=c1)
    b = StudentFactory(student_number="G1", name="甲", school_class=c2)
    c = StudentFactory(student_number="G3", name="丙", school_class=c1)
    d = StudentFactory(student_number="H1", name="丁", school_class=o1)
    enter(exam, a, c1, 数学=90, 语文=None, 英语=80.5)  # 语文 absent
    enter(exam, b, c2, 数学=0, 语文=100, 英语=None)  # a 0 is a score
    enter(exam, c, c1, 数学=None, 语文=None, 英语=None)  # absent in every subject
    enter(exam, d, o1, 数学=60, 语文=70, 英语=50)
    # Another exam's entry is not read.
    enter(ExamFactory(code="F2", subjects={"数学": 120}), a, c1, 数学=1)
    return {"c1": c1, "c2": c2, "o1": o1, "a": a, "b": b, "c": c, "d": d}


def test_the_frame_of_an_exam(exam, school, other_school, entries):
    e = entries
    ExamEntry.objects.filter(exam=exam, student=e["d"]).update(not_counted="随班就读")
    frame = entries_frame(exam_id=exam.pk)
    expected = pd.DataFrame(
        {
            # School code, then class, then student number.
            "student": ["G2", "G3", "G1", "H1"],
            "student_id": np.array([e["a"].pk, e["c"].pk, e["b"].pk, e["d"].pk], dtype=np.int64),
            "name": ["乙", "丙", "甲", "丁"],
            "school": ["S001", "S001", "S001", "S002"],
            "school_id": np.array([school.pk] * 3 + [other_school.pk], dtype=np.int64),
            "class_": ["S001/9/1", "S001/9/1", "S001/9/2", "S002/9/1"],
            "class_id": pd.array([e["c1"].pk, e["c1"].pk, e["c2"].pk, e["o1"].pk], dtype="Int64"),
            "not_counted": ["", "", "", "随班就读"],
            "counted": [True, True, True, False],
            "数学": [90.0, np.nan, 0.0, 60.0],
            "语文": [np.nan, np.nan, 100.0, 70.0],
            "英语": [80.5, np.nan, np.nan, 50.0],
        }
    ).astype(
        {
            "student": object,
            "name": object,
            "school": object,
            "class_": object,
            "not_counted": object,
        }
    )
    pd.testing.assert_frame_equal(frame, expected)


def test_limited_to_schools(exam, other_school, entries):
    frame = entries_frame(exam_id=exam.pk, school_ids=[other_school.pk])
    assert frame["student"].tolist() == ["H1"]
    assert frame[["数学", "语文", "英语"]].to_numpy().tolist() == [[60.0, 70.0, 50.0]]
    assert entries_frame(exam_id=exam.pk, school_ids=[]).empty


def test_a_class_deleted_since_leaves_no_class_key(exam, other_school, entries):
    entries["o1"].delete()
    frame = entries_frame(exam_id=exam.pk, school_ids=[other_school.pk])
    assert frame["class_"].tolist() == [None]
    assert frame["class_id"].isna().tolist() == [True]


def test_an_exam_without_entries(exam):
    frame = entries_frame(exam_id=exam.pk)
    assert frame.columns.tolist() == [
        "student", "student_id", "name", "school", "school_id", "class_", "class_id",
        "not_counted", "counted",
        "数学", "语文", "英语",
    ]  # fmt: skip
    assert len(frame) == 0
    assert frame["数学"].dtype == np.float64 and frame["student_id"].dtype == np.int64
