"""The demo's reward scheme and evaluation (``rewards/demo.py``), at the small size."""

from io import StringIO

import pytest
from django.core.management import call_command

from inspections.models import AccountabilityKind
from rewards.models import AwardLine, LastPlaceAction, LineAdjustment, Scheme

pytestmark = pytest.mark.django_db


def test_demo_scheme_is_computed_adjusted_and_approved(client):
    out = StringIO()
    call_command("load_demo", "--size", "small", "--seed", "7", stdout=out)
    scheme = Scheme.objects.get(code="2026-quality-awards")
    assert (scheme.status, scheme.compute_status, scheme.approved_by.username) == (
        "approved",
        "done",
        "leader",
    )
    names = set(scheme.awards.values_list("name", flat=True))
    assert {"中考质量奖", "中考优秀学科组奖", "中考成绩进步学校奖", "综合表彰奖"} <= names
    # The two awards on the demo's 中考 targets (demo/steps/targets.py)
    assert {"高中优秀生源学校奖", "目标完成奖"} <= names
    assert "暂不设" not in out.getvalue()
    per_student = AwardLine.objects.filter(award__scheme=scheme, award__rule="per_student")
    assert per_student.exists()
    assert all("超出目标" in line.reason for line in per_student)
    (adjustment,) = LineAdjustment.objects.all()
    assert adjustment.reason and adjustment.to_amount == adjustment.from_amount // 2
    lines = AwardLine.objects.filter(award__scheme=scheme)
    assert sum(x.amount for x in lines) <= scheme.budget  # scaled when over
    (action,) = LastPlaceAction.objects.all()
    assert action.record.kind == AccountabilityKind.INTERVIEW
    assert action.exam in action.record.exams.all()
    # The demo's leader sees the approved scheme; the principal does not (not published)
    client.login(username="leader", password="tizhi-demo")
    assert client.get("/rewards/2026-quality-awards/").status_code == 200
    client.login(username="principal", password="tizhi-demo")
    assert client.get("/rewards/2026-quality-awards/").status_code == 404
    assert client.get("/evaluations/").status_code == 200
