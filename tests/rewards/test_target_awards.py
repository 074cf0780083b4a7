"""The two target awards through the loader (rewards.selectors.targets), with the targets
app's answers stood in for (hand-made progress rows), so that the amounts are checked against
known quotas; the demo's scheme (tests/rewards/test_demo_rewards.py) runs them end to end on
real targets."""

import types

import pytest

from rewards.models import AwardLine
from rewards.selectors import targets as loader
from rewards.services.schemes import scheme_compute, scheme_create

from .data import build

pytestmark = pytest.mark.django_db

ROWS = [
    {"school": None, "target": 60, "actual": 66, "attainment": 1.1, "status": "green"},
    {"school": "S001", "target": 20, "actual": 32, "attainment": 1.6, "status": "green"},
    {"school": "S002", "target": 15, "actual": 15, "attainment": 1.0, "status": "green"},
    {"school": "S003", "target": 15, "actual": 12, "attainment": 0.8, "status": "red"},
    {"school": "S004", "target": 10, "actual": 7, "attainment": 0.7, "status": "red"},
]


@pytest.fixture
def targets_app(monkeypatch):
    target = types.SimpleNamespace(code="2026-g9-top")
    calls = []

    def progress_rows(*, target, exam=None):
        calls.append((target.code, exam))
        return ROWS

    monkeypatch.setattr(loader, "progress_rows", progress_rows)
    monkeypatch.setattr(loader, "_target", lambda code: target if code == target.code else None)
    return calls


def test_per_student_and_target_attained(school, other_school, staff, targets_app):
    build(school, other_school)
    scheme = scheme_create(
        data={
            "code": "t",
            "year": "2026-2027",
            "name": "目标奖",
            "budget": 100000,
            "awards": [
                {
                    "name": "高中优秀生源学校奖",
                    "rule": "per_student",
                    "target": "2026-g9-top",
                    "per_student": 200,
                    "cap": 2000,
                },
                {
                    "name": "目标完成奖",
                    "rule": "target_attained",
                    "target": "2026-g9-top",
                    "amount": 3000,
                    "exclude": ["S002"],
                },
            ],
        },
        user=staff,
    )
    assert scheme_compute(scheme_id=scheme.pk) is True
    got = list(
        AwardLine.objects.order_by("award__order", "order").values_list(
            "award__name", "school__code", "amount", "reason"
        )
    )
    # S001: (32 − 20) × 200 = 2400, capped at 2000; S002 equals its quota; the county row
    # (school None) is never a recipient. Attained: S001 (1.6); S002 (1.0) is excluded.
    assert got == [
        ("高中优秀生源学校奖", "S001", 2000, "超出目标 12 人 × 200 元，封顶 2000 元"),
        ("目标完成奖", "S001", 3000, "完成目标（完成率 160.0%）"),
    ]
    assert targets_app == [("2026-g9-top", None), ("2026-g9-top", None)]


def test_a_missing_target_is_refused(school, other_school, staff, api_for):
    build(school, other_school)
    response = api_for(staff).post(
        "/api/v1/schemes/",
        {
            "code": "t",
            "year": "2026-2027",
            "name": "目标奖",
            "budget": 1000,
            "awards": [
                {"name": "目标完成奖", "rule": "target_attained", "target": "NONE", "amount": 100}
            ],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "awards[0].target: 目标不存在：NONE"
