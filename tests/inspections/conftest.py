import datetime

import pytest

from inspections import services

from ..factories import TeacherFactory, TermFactory

ITEMS = [
    {"group": "备课", "text": "教案齐全", "kind": "points", "max_points": 10, "weight": 1},
    {"group": "上课", "text": "课堂教学规范", "kind": "points", "max_points": 20, "weight": 2},
    {"group": "作业", "text": "作业批改", "kind": "level", "levels": {"好": 10, "中": 6, "差": 2}},
]
DAY = datetime.date(2026, 10, 15)


@pytest.fixture
def term(db):
    """2026-2027 first term: 2026-09-01 … 2027-01-31 (year 2026-09-01 … 2027-08-31)."""
    return TermFactory()


@pytest.fixture
def teacher(school):
    return TeacherFactory(staff_number="T001", name="李老师", school=school)


@pytest.fixture
def other_teacher(other_school):
    return TeacherFactory(staff_number="T002", name="赵老师", school=other_school)


@pytest.fixture
def checklist(staff):
    """备课 (max 10, weight 1), 上课 (max 20, weight 2), 作业 (level 好 10 / 中 6 / 差 2)."""
    return services.checklist_create(name="教学常规检查", pass_mark=0.6, items=ITEMS, user=staff)


@pytest.fixture
def items(checklist):
    return list(checklist.items.order_by("order"))


def full_scores(items, a=8, b=15, level="中"):
    return [
        {"item": items[0].pk, "points": a},
        {"item": items[1].pk, "points": b},
        {"item": items[2].pk, "level": level},
    ]


@pytest.fixture
def draft(inspector, school, checklist, items):
    """A draft visit of S001 by ``inspector`` with 备课 8 and 上课 15, 作业 not scored yet."""
    return services.visit_create(
        user=inspector,
        school=school,
        date=DAY,
        kind="routine",
        checklist=checklist,
        scores=full_scores(items)[:2],
        findings="作业批改记录不全",
    )
