"""/api/v1/schema/ is generated once per process and language and served from memory, so that
requests arriving together never generate it at the same time (bureau.api.SchemaView)."""

import threading

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIRequestFactory, force_authenticate

from bureau.api import SchemaView, schema_cache_clear

pytestmark = pytest.mark.django_db

THREADS = 8


@pytest.fixture
def generations(monkeypatch):
    """Counts the schema generations, each made slow enough for the threads to overlap."""
    schema_cache_clear()
    calls = []
    original = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):
        calls.append(threading.get_ident())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    yield calls
    schema_cache_clear()


def fetch(user, query="?format=json"):
    request = APIRequestFactory().get(f"/api/v1/schema/{query}")
    force_authenticate(request, user)
    response = SchemaView.as_view()(request)
    response.render()
    return response.status_code, bytes(response.content)


def test_concurrent_requests_all_get_the_same_schema_from_one_generation(generations, staff):
    start = threading.Barrier(THREADS)
    answers, errors = [None] * THREADS, []

    def worker(i):
        try:
            start.wait()
            answers[i] = fetch(staff)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert {status for status, _body in answers} == {200}
    assert len({body for _status, body in answers}) == 1
    assert b'"/api/v1/exams/{code}/state/"' in answers[0][1]
    assert len(generations) == 1


def test_later_requests_are_served_from_memory(generations, staff, leader):
    first = fetch(staff)
    assert fetch(leader) == first  # the schema is public: the same for every user
    assert fetch(staff, "?format=yaml")[0] == 200
    assert len(generations) == 1


def test_each_language_is_generated_once(generations, staff):
    from django.utils import translation

    with translation.override("zh-hans"):
        zh = fetch(staff)
    with translation.override("en"):
        en = fetch(staff)
        assert fetch(staff) == en
    assert zh[0] == en[0] == 200
    assert len(generations) == 2


def test_the_schema_page_still_needs_a_login(client):
    assert client.get("/api/v1/schema/").status_code == 403
