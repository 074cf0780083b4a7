"""A small county with stored statistics for the reward and evaluation tests.

Two published exams of grade 9, E0 (the baseline, 2026-09-20) and E1 (2026-10-20), each with
数学 (100). Four junior schools S001–S004, stored UnitStat rows (no upload: the numbers are
chosen by hand):

    school  E1 total composite  sat/enrolled   E0 total composite
    S001    60.00               50/50          40.00
    S002    55.57               50/50          60.00
    S003    55.57               30/45          50.00
    S004    50.00               50/50          45.00

Teachers of 数学 in E1 (teacher level): S001: T1 70, T2 60, T3 50 (T3 backbone);
S002: T4 65, T5 40 (mean 55, value-added −0.2). County 数学 mean in E1: 70.
"""

import datetime

from exams.models import ExamState, Level, UnitStat
from schools.models import Backbone

from ..factories import AcademicYearFactory, ExamFactory, SchoolFactory, TeacherFactory

E1_TOTAL = {
    "S001": (60.0, 50, 50),
    "S002": (55.57, 50, 50),
    "S003": (55.57, 30, 45),
    "S004": (50.0, 50, 50),
}
E0_TOTAL = {"S001": 40.0, "S002": 60.0, "S003": 50.0, "S004": 45.0}
TEACHERS = [
    ("T1", "S001", 70.0, 75.0, None, ""),
    ("T2", "S001", 60.0, 70.0, None, ""),
    ("T3", "S001", 50.0, 65.0, None, Backbone.EXPERT),
    ("T4", "S002", 65.0, 72.0, None, ""),
    ("T5", "S002", 40.0, 55.0, -0.2, ""),
]


def stat(
    exam, level, subject, school=None, teacher=None, *, composite, sat=50, enrolled=50, mean=None
):
    return UnitStat.objects.create(
        exam=exam,
        level=level,
        subject=subject,
        school=school,
        teacher=teacher,
        enrolled=enrolled,
        sat=sat,
        absent=enrolled - sat,
        composite=composite,
        mean=mean if mean is not None else composite,
        mean_rate=0.5,
        excellent_rate=0.2,
        pass_rate=0.6,
        low_rate=0.1,
    )


def build(school=None, other_school=None):
    year = AcademicYearFactory()
    schools = {
        "S001": school or SchoolFactory(code="S001", name="城关第一初级中学"),
        "S002": other_school or SchoolFactory(code="S002", name="河口乡中心学校"),
        "S003": SchoolFactory(code="S003", name="第三中学"),
        "S004": SchoolFactory(code="S004", name="第四中学"),
    }
    e0 = ExamFactory(
        code="E0",
        name="九年级入学检测",
        subjects={"数学": 100},
        date=datetime.date(2026, 9, 20),
        state=ExamState.PUBLISHED,
        academic_year=year,
    )
    e1 = ExamFactory(
        code="E1",
        name="九年级期中",
        subjects={"数学": 100},
        date=datetime.date(2026, 10, 20),
        state=ExamState.PUBLISHED,
        academic_year=year,
    )
    for code, (composite, sat, enrolled) in E1_TOTAL.items():
        stat(
            e1,
            Level.SCHOOL,
            "total",
            schools[code],
            composite=composite,
            sat=sat,
            enrolled=enrolled,
        )
        stat(
            e1, Level.SCHOOL, "数学", schools[code], composite=composite, sat=sat, enrolled=enrolled
        )
    for code, composite in E0_TOTAL.items():
        stat(e0, Level.SCHOOL, "total", schools[code], composite=composite)
    stat(e1, Level.COUNTY, "数学", composite=55, mean=70)
    stat(e0, Level.COUNTY, "total", composite=50)
    teachers = {}
    for number, code, composite, mean, va, backbone in TEACHERS:
        t = TeacherFactory(
            staff_number=number, name=f"教师{number}", school=schools[code], backbone=backbone
        )
        teachers[number] = t
        row = stat(e1, Level.TEACHER, "数学", schools[code], t, composite=composite, mean=mean)
        if va is not None:
            row.value_added, row.matched = va, 20
            row.save()
    return {"year": year, "schools": schools, "e0": e0, "e1": e1, "teachers": teachers}


SCHEME = {
    "code": "2026-awards",
    "year": "2026-2027",
    "name": "2026-2027学年教育教学质量奖励方案",
    "budget": 20000,
    "scale_to_budget": False,
    "awards": [
        {
            "name": "中考质量奖",
            "recipient": "school",
            "rule": "top_k",
            "exam": "E1",
            "subject": "total",
            "amounts": {"1": 5000, "2": 3000, "3": 2000},
        },
        {
            "name": "中考成绩进步学校奖",
            "recipient": "school",
            "rule": "progress",
            "exam": "E1",
            "baseline_exam": "E0",
            "subject": "total",
            "k": 2,
            "amount": 2000,
        },
    ],
}
