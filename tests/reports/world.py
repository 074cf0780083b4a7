"""A small county for the bulletin tests: November 2026 with one exam (and its October
predecessor), visits, rectifications, lesson observations and exchanges.

Exam ``N1`` 九年级期中 (2026-11-10, 语文 100, 数学 100), published, baseline ``P1``
(2026-10-12, same students, same subjects), both with statistics from ``stats_compute``:

    school  student    P1 语文 数学   N1 语文 数学
    S001    张小明       60   60       90   80
    S001    李华         50   50       70   60
    S002    王芳芳       90   90       60   50
    S002    赵一鸣       80   80       50   40

Totals P1: S001 110 (mean), S002 170 → S002 1st, S001 2nd; N1: S001 150, S002 100 →
S001 1st, S002 2nd: S001 moves up one, S002 down one. Max gap of the total (初中): 50.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from bureau.models import Role
from exams.services.stats import stats_compute
from inspections import services as inspections
from inspections.models import (
    Observation,
    ObservationQuota,
    RectificationAction,
    RectificationEvent,
    RectificationStatus,
    RectificationTask,
)

from ..exams.stats_data import upload
from ..factories import (
    AcademicYearFactory,
    ClassFactory,
    ExamFactory,
    ExchangeFactory,
    SchoolFactory,
    TeacherFactory,
    TermFactory,
    UserFactory,
)

PERIOD = datetime.date(2026, 11, 1)
STUDENTS = ["张小明", "李华", "王芳芳", "赵一鸣"]
HEADER = ["学校代码", "学籍号", "姓名", "班级", "语文", "数学"]
PREVIOUS = [
    ["S001", "G01", "张小明", "九(1)班", 60, 60],
    ["S001", "G02", "李华", "九(1)班", 50, 50],
    ["S002", "G03", "王芳芳", "九(1)班", 90, 90],
    ["S002", "G04", "赵一鸣", "九(1)班", 80, 80],
]
CURRENT = [
    ["S001", "G01", "张小明", "九(1)班", 90, 80],
    ["S001", "G02", "李华", "九(1)班", 70, 60],
    ["S002", "G03", "王芳芳", "九(1)班", 60, 50],
    ["S002", "G04", "赵一鸣", "九(1)班", 50, 40],
]
ITEMS = [
    {"group": "备课", "text": "教案齐全", "kind": "points", "max_points": 10, "weight": 1},
    {"group": "上课", "text": "课堂教学规范", "kind": "points", "max_points": 10, "weight": 1},
]


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def exam_pair(year, *, code="N1", previous_code="P1", rows=None, date=None):
    """P1 (October) and N1 (November), published, statistics computed."""
    prev = ExamFactory(
        code=previous_code,
        name="九年级十月月考",
        date=datetime.date(2026, 10, 12),
        subjects={"语文": 100, "数学": 100},
        academic_year=year,
        state="published",
    )
    upload(prev, [HEADER, *PREVIOUS])
    stats_compute(exam_id=prev.pk)
    exam = ExamFactory(
        code=code,
        name="九年级期中考试",
        kind="midterm",
        date=date or datetime.date(2026, 11, 10),
        subjects={"语文": 100, "数学": 100},
        academic_year=year,
        baseline=prev,
        state="published",
    )
    upload(exam, [HEADER, *(rows or CURRENT)])
    stats_compute(exam_id=exam.pk)
    exam.refresh_from_db()
    return exam


def build_world(school, other_school, staff, inspector) -> dict:
    """The whole November of the docstring; returns the objects the tests look at."""
    year = AcademicYearFactory()
    TermFactory(year=year)
    for s in (school, other_school):
        ClassFactory(school=s, grade=9, number=1)
    exam = exam_pair(year)

    checklist = inspections.checklist_create(
        name="教学常规检查", pass_mark=0.6, items=ITEMS, user=staff
    )
    items = list(checklist.items.order_by("order"))
    visits = []
    for s, day, kind, points, findings in [
        (school, 5, "routine", (8, 9), "作业批改记录不全\n另：教案需更新"),
        (other_school, 12, "unannounced", (5, 6), "课堂纪律松散"),
        (school, 20, "unannounced", (10, 10), ""),
    ]:
        visit = inspections.visit_create(
            user=inspector,
            school=s,
            date=datetime.date(2026, 11, day),
            kind=kind,
            checklist=checklist,
            scores=[
                {"item": items[0].pk, "points": points[0]},
                {"item": items[1].pk, "points": points[1]},
            ],
            findings=findings,
        )
        visits.append(inspections.visit_submit(visit=visit, user=inspector))
    # Not counted: a draft in November and a visit in October.
    inspections.visit_create(
        user=inspector,
        school=other_school,
        date=datetime.date(2026, 11, 25),
        kind="routine",
        checklist=checklist,
        scores=[],
    )

    def task(s, title, created, deadline, status=RectificationStatus.OPEN, closed=None):
        t = RectificationTask.objects.create(
            school=s, title=title, deadline=deadline, status=status, created_by=staff
        )
        RectificationTask.objects.filter(pk=t.pk).update(created_at=at(created))
        if closed:
            RectificationEvent.objects.create(
                task=t, by=inspector, action=RectificationAction.CLOSED, at=at(closed)
            )
        return t

    # Opened in November: 2 (S001 one, S002 one); closed in November: 2; overdue at the end
    # of November: the S002 task due 11-20 (open) and the October one due 11-01 (open).
    task(
        school,
        "补齐教案",
        datetime.date(2026, 11, 6),
        datetime.date(2026, 11, 30),
        RectificationStatus.CLOSED,
        datetime.date(2026, 11, 28),
    )
    task(other_school, "整顿课堂纪律", datetime.date(2026, 11, 13), datetime.date(2026, 11, 20))
    task(other_school, "完善安全台账", datetime.date(2026, 10, 10), datetime.date(2026, 11, 1))
    task(
        school,
        "更新图书室",
        datetime.date(2026, 10, 3),
        datetime.date(2026, 10, 30),
        RectificationStatus.CLOSED,
        datetime.date(2026, 11, 2),
    )

    # Lesson observations: principals 4 a term; S001's principal did 4, S002's did 1.
    # (the migrations seed a quota per role: set the two that matter, drop the others)
    ObservationQuota.objects.exclude(role__in=[Role.PRINCIPAL, Role.INSPECTOR]).delete()
    ObservationQuota.objects.update_or_create(
        role=Role.PRINCIPAL, defaults={"per": "term", "quota": 4}
    )
    ObservationQuota.objects.update_or_create(
        role=Role.INSPECTOR, defaults={"per": "term", "quota": 2}
    )
    p1 = UserFactory(username="p-s001", role=Role.PRINCIPAL, school=school)
    p2 = UserFactory(username="p-s002", role=Role.PRINCIPAL, school=other_school)
    t1 = TeacherFactory(school=school, name="陈老师")
    t2 = TeacherFactory(school=other_school, name="周老师")
    for observer, teacher, n in [(p1, t1, 4), (p2, t2, 1), (inspector, t1, 2)]:
        for i in range(n):
            Observation.objects.create(
                observer=observer,
                school=teacher.school,
                teacher=teacher,
                date=datetime.date(2026, 11, 3 + i),
                rating="良",
            )

    # Exchanges: one in November (backbone), one in September.
    ExchangeFactory(
        teacher=TeacherFactory(school=school, birth_year=1990, school_since=2015),
        from_school=school,
        to_school=other_school,
        start=datetime.date(2026, 11, 2),
        backbone=True,
    )
    ExchangeFactory(
        teacher=TeacherFactory(school=other_school, birth_year=1988, school_since=2012),
        from_school=other_school,
        to_school=school,
        start=datetime.date(2026, 9, 1),
    )
    return {"exam": exam, "visits": visits, "checklist": checklist, "year": year}


def more_schools(n: int, year, *, start: int = 3) -> None:
    """``n`` more schools with a class each and four students in exam N2 (2026-11-20), to make
    the bulletin longer."""
    rows = []
    for i in range(n):
        code = f"S{start + i:03d}"
        s = SchoolFactory(code=code, name=f"第{start + i}实验中学")
        ClassFactory(school=s, grade=9, number=1)
        for j in range(4):
            rows.append(
                [
                    code,
                    f"X{i:03d}{j}",
                    f"钱{'一二三四'[j]}{i}号",
                    "九(1)班",
                    40 + (i * 7 + j * 11) % 60,
                    30 + (i * 13 + j * 5) % 70,
                ]
            )
    exam = ExamFactory(
        code="N2",
        name="九年级十一月联考",
        kind="joint",
        date=datetime.date(2026, 11, 20),
        subjects={"语文": 100, "数学": 100},
        academic_year=year,
        state="closed",
    )
    upload(exam, [HEADER, *rows])
    stats_compute(exam_id=exam.pk)
