"""The audit trail of inspections (SPEC §9): visits, their scores and corrections, and
rectifications record who, when and before → after; the daily overdue job is one entry."""

import datetime

import pytest
from rest_framework.test import APIClient

from bureau.audit import audit_actor
from inspections import services
from inspections.services.corrections import visit_correct
from inspections.services.overdue import rectifications_mark_overdue

from .conftest import full_scores

pytestmark = pytest.mark.django_db


def audit(admin_user, **query) -> list[dict]:
    client = APIClient()
    client.force_authenticate(admin_user)
    answer = client.get("/api/v1/audit/", query)
    assert answer.status_code == 200
    return answer.json()["results"]


def test_visit_submit_over_the_api_is_recorded(api_for, inspector, admin_user, draft, items):
    services.visit_update(visit=draft, user=inspector, scores=full_scores(items))
    answer = api_for(inspector).post(f"/api/v1/visits/{draft.pk}/submit/")
    assert answer.status_code == 200
    rows = audit(admin_user, object=f"visit:{draft.pk}")
    submit = rows[0]
    assert (submit["user"], submit["action"], submit["origin"]) == ("inspector", "update", "API")
    assert submit["changes"]["status"] == ["draft", "submitted"]
    assert len(audit(admin_user, model="visit_score")) == 3  # its three scores were recorded too


def test_a_correction_records_the_score_before_and_after(
    inspector, admin_user, draft, items, client_for
):
    services.visit_update(visit=draft, user=inspector, scores=full_scores(items))
    visit = services.visit_submit(visit=draft, user=inspector)
    with audit_actor(admin_user, origin="网页"):
        visit_correct(
            visit=visit,
            user=admin_user,
            reason="誊写错误",
            scores=[{"item": items[0].pk, "points": 9}],
        )
    changed = [
        r for r in audit(admin_user, model="visit_score", user="admin") if r["action"] == "update"
    ]
    assert len(changed) == 1
    assert changed[0]["changes"]["points"] == ["8.0", "9.0"]  # 备课 8 → 9
    corrections = audit(admin_user, model="visit_correction")
    assert [r["action"] for r in corrections] == ["create"]
    assert corrections[0]["changes"]["reason"] == [None, "誊写错误"]


def test_rectification_answer_over_the_api(api_for, staff, principal, admin_user, school):
    task = services.rectification_create(
        user=staff, school=school, title="作业批改不全", deadline=datetime.date(2026, 11, 30)
    )
    answer = api_for(principal).post(
        f"/api/v1/rectifications/{task.pk}/answer/", {"text": "已补齐"}, format="json"
    )
    assert answer.status_code == 200
    rows = audit(admin_user, object=f"rectification:{task.pk}")
    assert rows[0]["user"] == "principal"
    assert rows[0]["changes"]["status"] == ["open", "answered"]
    events = audit(admin_user, model="rectification_event", user="principal")
    assert events[0]["changes"]["text"] == [None, "已补齐"]


def test_the_overdue_job_is_one_entry(staff, admin_user, school):
    for n in range(3):
        services.rectification_create(
            user=staff, school=school, title=f"问题{n}", deadline=datetime.date(2026, 10, 1)
        )
    assert rectifications_mark_overdue(today=datetime.date(2026, 10, 2)) == 3
    rows = [r for r in audit(admin_user) if r["action"] == "rectifications_overdue"]
    assert len(rows) == 1
    assert rows[0]["object"] == "rectification:overdue:2026-10-02"
    assert len(rows[0]["changes"]["tasks"]) == 3
