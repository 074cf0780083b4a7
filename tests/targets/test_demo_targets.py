"""The demo year's targets (``targets/demo.py``), at the small size."""

from io import StringIO

import pytest
from django.core.management import call_command

from targets.models import Acknowledgement, Allocation, AllocationChange, Progress, Target
from targets.selectors.progress import progress_rows

pytestmark = pytest.mark.django_db


def test_demo_targets_published_with_a_fixed_quota_and_all_three_colours():
    call_command("load_demo", "--size", "small", "--seed", "1", stdout=StringIO())
    assert set(Target.objects.values_list("code", flat=True)) == {
        "ZK-EXCELLENT",
        "ZK-PASS",
        "TOP50",
        "JC-MATH-EXCELLENT",
        "G7-GAP",
        "CERTIFIED",
        "LARGE-CLASSES",
        "KG-ENROLMENT",
        "FITNESS",
    }
    assert set(Target.objects.values_list("status", flat=True)) == {"published"}
    fixed = Allocation.objects.get(fixed=True)
    assert fixed.target.code == "ZK-EXCELLENT" and "增加2人" in fixed.reason
    assert AllocationChange.objects.filter(target=fixed.target, school=fixed.school).count() == 2
    for code in ("ZK-EXCELLENT", "ZK-PASS", "TOP50"):
        target = Target.objects.get(code=code)
        assert sum(target.allocations.values_list("quota", flat=True)) == target.value
    statuses = {
        row["status"] for target in Target.objects.all() for row in progress_rows(target=target)
    }
    assert {"green", "amber", "red"} <= statuses
    assert Progress.objects.exists()
    assert Acknowledgement.objects.filter(by__username="principal").count() == 2
    # Reset removes them before the exams they name as baselines.
    call_command("load_demo", "--size", "small", "--seed", "1", "--reset", stdout=StringIO())
    assert Target.objects.count() == 9
