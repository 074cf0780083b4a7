"""A lost database connection: a read is retried once on a fresh connection; a write is never
repeated and gets the Chinese 503 page (bureau.middleware.DatabaseRetryMiddleware)."""

import pytest
from django.db import OperationalError, connection

from inspections.models import Observation

from ..factories import TeacherFactory


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


class LoseConnectionOnce:
    """A connection.execute_wrapper that fails the first query matching ``sql_start`` as a
    dropped connection does, and counts every query that matches."""

    def __init__(self, sql_start: str = ""):
        self.sql_start = sql_start.upper()
        self.matching = 0

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(self.sql_start):
            self.matching += 1
            if self.matching == 1:
                raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


def test_a_read_that_lost_the_connection_is_retried_once(client_for, staff):
    client = client_for(staff)
    client.raise_request_exception = False
    lose = LoseConnectionOnce()
    with connection.execute_wrapper(lose):
        response = client.get("/")
    # The first query (the session) failed; the whole request ran again and succeeded.
    assert response.status_code == 200
    assert "数据库暂时无法连接" not in response.content.decode()
    assert lose.matching > 1


def test_a_read_that_fails_twice_gets_the_chinese_503_page(client_for, staff):
    client = client_for(staff)
    client.raise_request_exception = False

    def always(execute, sql, params, many, context):
        raise OperationalError("could not connect to server")

    with connection.execute_wrapper(always):
        response = client.get("/")
    assert response.status_code == 503
    html = response.content.decode()
    assert "数据库暂时无法连接，请稍后重试" in html
    assert 'class="topbar"' in html
    assert response["Retry-After"] == "30"


def test_a_write_that_lost_the_connection_is_not_repeated(client_for, principal, school):
    teacher = TeacherFactory(staff_number="T001", name="李老师", school=school)
    client = client_for(principal)
    client.raise_request_exception = False
    form = {
        "teacher": teacher.pk,
        "date": "2026-10-15",
        "announced": "no",
        "rating": "优",
        "notes": "板书清楚",
    }
    lose = LoseConnectionOnce('INSERT INTO "inspections_observation"')
    with connection.execute_wrapper(lose):
        response = client.post("/observations/new/", form)
    assert response.status_code == 503
    assert "数据库暂时无法连接，请稍后重试" in response.content.decode()
    # The insert was tried once and not again: nothing was written.
    assert lose.matching == 1
    assert not Observation.objects.exists()


def test_api_answers_json_503(staff):
    from rest_framework.test import APIClient

    api = APIClient(raise_request_exception=False)
    api.force_authenticate(staff)

    def always(execute, sql, params, many, context):
        raise OperationalError("could not connect to server")

    with connection.execute_wrapper(always):
        response = api.get("/api/v1/observations/")
    assert response.status_code == 503
    assert response.json() == {"detail": "数据库暂时无法连接，请稍后重试"}
