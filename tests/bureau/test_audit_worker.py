"""On a real Celery worker the audit trail names the user who queued the task (the
``tizhi_actor`` header). Needs REDIS_URL and PostgreSQL, as the other worker tests."""

import time

import pytest
from auditlog.models import LogEntry

from bureau.audit import audit_actor
from bureau.celery import app as celery_app
from exams.models import Exam
from exams.services.stats import stats_request

from ..exams.stats_data import build_county
from ..exams.test_stats_worker import wait_for_stats


@pytest.fixture
def worker(celery_worker):
    default = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = celery_worker.queue
    yield celery_worker
    celery_app.conf.task_default_queue = default


def test_a_stats_run_on_the_worker_names_who_asked_for_it(worker, school, other_school, staff):
    exam = wait_for_stats(build_county(school, other_school, baseline=False), worker)
    first = exam.stats_updated_at
    with audit_actor(staff, origin="网页"):
        stats_request(exam=exam)
    deadline = time.monotonic() + 60
    while Exam.objects.get(pk=exam.pk).stats_updated_at == first:
        assert time.monotonic() < deadline, worker.output()
        time.sleep(0.2)
    wait_for_stats(exam, worker)
    runs = LogEntry.objects.filter(
        additional_data__object="exam:M1", additional_data__action="stats_run"
    ).order_by("-timestamp")
    latest = runs.first()
    assert latest.actor == staff
    assert latest.additional_data["origin"] == "后台任务"
    # the run queued by the command-line upload before it names nobody
    assert runs.last().actor is None
