"""Double submission: two quick posts of the same new visit or observation (page or API) make
one record. Pages carry a hidden one-time ``form_token``; the API takes an ``Idempotency-Key``
header or a ``request_key`` field (bureau/idempotency.py, docs/inspections.md)."""

import datetime
import re
import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from bureau.idempotency import request_keys_purge
from bureau.models import RequestKey
from inspections.models import Observation, Visit

from ..conftest import require_service

TODAY = "2026-11-02"


def _token(page) -> str:
    match = re.search(r'name="form_token" value="([0-9a-f]{32})"', page.content.decode())
    assert match, "the form has no one-time token"
    return match.group(1)


def _visit_form(checklist, token=None, **extra):
    form = {"school": "S001", "date": TODAY, "kind": "routine", "checklist": checklist.pk}
    if token is not None:
        form["form_token"] = token
    return {**form, **extra}


# --- visit, page -----------------------------------------------------------------------------


def test_visit_page_posted_twice_makes_one_visit(client_for, inspector, school, checklist):
    client = client_for(inspector)
    token = _token(client.get("/inspections/new/"))
    first = client.post("/inspections/new/", _visit_form(checklist, token))
    second = client.post("/inspections/new/", _visit_form(checklist, token))
    visit = Visit.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == f"/inspections/{visit.pk}/edit/"
    messages = [str(m) for m in second.wsgi_request._messages]
    assert "这份表单已经提交过，已打开当时新建的督导记录。" in messages
    # A new form has a new token, and makes a new visit.
    other = _token(client.get("/inspections/new/"))
    assert other != token
    client.post("/inspections/new/", _visit_form(checklist, other))
    assert Visit.objects.count() == 2


def test_visit_page_token_survives_a_refused_post(client_for, inspector, school, checklist):
    client = client_for(inspector)
    token = _token(client.get("/inspections/new/"))
    refused = client.post("/inspections/new/", _visit_form(checklist, token, date=""))
    assert refused.status_code == 200 and not Visit.objects.exists()
    assert _token(refused) == token  # the corrected form is sent with the same token
    assert not RequestKey.objects.exists()
    assert client.post("/inspections/new/", _visit_form(checklist, token)).status_code == 302
    assert Visit.objects.count() == 1


def test_the_same_token_of_another_user_is_another_request(
    client_for, inspector, staff, school, checklist
):
    token = "0" * 32
    client_for(inspector).post("/inspections/new/", _visit_form(checklist, token))
    # (Staff name the inspector who went.)
    form = _visit_form(checklist, token, inspectors=["inspector"])
    assert client_for(staff).post("/inspections/new/", form).status_code == 302
    assert sorted(v.created_by.username for v in Visit.objects.all()) == ["inspector", "staff"]


# --- observation, page -----------------------------------------------------------------------


def _observation_form(teacher, token):
    return {
        "teacher": teacher.pk,
        "date": TODAY,
        "announced": "no",
        "rating": "优",
        "notes": "板书清楚",
        "form_token": token,
    }


def test_observation_page_posted_twice_records_one(client_for, principal, teacher):
    client = client_for(principal)
    token = _token(client.get("/observations/new/"))
    first = client.post("/observations/new/", _observation_form(teacher, token))
    second = client.post("/observations/new/", _observation_form(teacher, token))
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == "/observations/"
    assert Observation.objects.count() == 1
    messages = [str(m) for m in second.wsgi_request._messages]
    assert "这份听课记录已经保存过（李老师，2026-11-02），没有重复记录。" in messages


# --- the API ---------------------------------------------------------------------------------


def _visit_body(checklist, **extra):
    return {
        "school": "S001",
        "date": TODAY,
        "kind": "routine",
        "checklist": checklist.pk,
        **extra,
    }


def test_visit_api_with_an_idempotency_key(api_for, inspector, school, checklist):
    api = api_for(inspector)
    headers = {"Idempotency-Key": "3f0c9a52-visit-1"}
    first = api.post("/api/v1/visits/", _visit_body(checklist), format="json", headers=headers)
    second = api.post("/api/v1/visits/", _visit_body(checklist), format="json", headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert "Idempotent-Replayed" not in first
    assert second["Idempotent-Replayed"] == "true"
    assert Visit.objects.count() == 1
    # The same key with another body is refused, and makes nothing.
    other = _visit_body(checklist, kind="special")
    refused = api.post("/api/v1/visits/", other, format="json", headers=headers)
    assert refused.status_code == 422
    assert refused.json()["code"] == "idempotency_key_reused"
    assert Visit.objects.count() == 1


def test_visit_api_with_a_request_key_field(api_for, inspector, school, checklist):
    api = api_for(inspector)
    body = _visit_body(checklist, request_key="visit-2026-11-02-a")
    first = api.post("/api/v1/visits/", body, format="json")
    second = api.post("/api/v1/visits/", body, format="json")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Visit.objects.count() == 1


def test_visit_api_without_a_key_makes_two(api_for, inspector, school, checklist):
    api = api_for(inspector)
    api.post("/api/v1/visits/", _visit_body(checklist), format="json")
    api.post("/api/v1/visits/", _visit_body(checklist), format="json")
    assert Visit.objects.count() == 2


def test_a_malformed_key_is_refused(api_for, inspector, school, checklist):
    response = api_for(inspector).post(
        "/api/v1/visits/",
        _visit_body(checklist),
        format="json",
        headers={"Idempotency-Key": "x" * 101},
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert not Visit.objects.exists()


def test_observation_api_with_an_idempotency_key(api_for, principal, teacher):
    api = api_for(principal)
    body = {"teacher": "T001", "date": TODAY, "rating": "良", "notes": "互动充分"}
    headers = {"Idempotency-Key": "obs-1"}
    first = api.post("/api/v1/observations/", body, format="json", headers=headers)
    second = api.post("/api/v1/observations/", body, format="json", headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert Observation.objects.count() == 1
    third = api.post("/api/v1/observations/", {**body, "request_key": "obs-2"}, format="json")
    assert third.status_code == 201 and third.json()["id"] != first.json()["id"]
    assert Observation.objects.count() == 2


@pytest.mark.django_db
def test_keys_are_kept_a_week(inspector):
    now = timezone.now()
    old = RequestKey.objects.create(user=inspector, scope="visit", key="old", object_id=1)
    RequestKey.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(days=8))
    RequestKey.objects.create(user=inspector, scope="visit", key="new", object_id=2)
    assert request_keys_purge(now=now) == 1
    assert list(RequestKey.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_posts_at_the_same_moment_make_one_visit(inspector, school, checklist):
    """Two requests with one key racing: the second waits on the first's unique key row, then
    answers with its visit (PostgreSQL; SQLite serialises writers anyway)."""
    require_service("PostgreSQL", "DATABASE_URL")
    if connection.vendor != "postgresql":
        pytest.skip("NEEDS SERVICE PostgreSQL: DATABASE_URL is not PostgreSQL")
    barrier = threading.Barrier(2)
    answers = []

    def post():
        api = APIClient()
        api.force_authenticate(inspector)
        barrier.wait()
        try:
            answers.append(
                api.post(
                    "/api/v1/visits/",
                    _visit_body(checklist),
                    format="json",
                    headers={"Idempotency-Key": "same-moment"},
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [a.status_code for a in answers] == [201, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert Visit.objects.count() == 1
