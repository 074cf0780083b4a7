"""A reward scheme computed by a real Celery worker on PostgreSQL: the request queues the job
after the commit, the worker stores the lines, a second run stores the same lines. Needs
REDIS_URL and DATABASE_URL (PostgreSQL); skipped loudly otherwise."""

import copy
import time

import pytest

from bureau.celery import app as celery_app
from rewards.models import AwardLine, Scheme
from rewards.services.schemes import scheme_compute_request, scheme_create

from .data import SCHEME, build


@pytest.fixture
def worker(celery_worker):
    default = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = celery_worker.queue
    yield celery_worker
    celery_app.conf.task_default_queue = default


def wait_done(scheme, worker, since=None, timeout: float = 60) -> Scheme:
    deadline = time.monotonic() + timeout
    while True:
        scheme.refresh_from_db()
        if scheme.compute_status == "done" and (since is None or scheme.computed_at > since):
            return scheme
        if scheme.compute_status == "failed":
            pytest.fail(f"computation failed: {scheme.compute_error}\n{worker.output()}")
        if time.monotonic() > deadline:
            pytest.fail(f"still {scheme.compute_status} after {timeout} s:\n{worker.output()}")
        time.sleep(0.2)


def lines():
    return list(
        AwardLine.objects.order_by("award__order", "order").values_list(
            "award__name", "school__code", "rank", "amount", "reason"
        )
    )


def test_a_scheme_is_computed_by_a_real_worker(worker, school, other_school, staff):
    assert celery_app.conf.task_always_eager is False
    build(school, other_school)
    scheme = scheme_create(data=copy.deepcopy(SCHEME), user=staff)
    scheme = scheme_compute_request(scheme=scheme, user=staff)  # autocommit: queued at once
    assert scheme.compute_status == "queued"
    scheme = wait_done(scheme, worker)
    assert scheme.status == "computed" and scheme.progress == 100
    first = lines()
    # ranks 1, 2, 2 of the quality award; S001 rose from 4th to 1st (progress award)
    assert [(a, s, r, m) for a, s, r, m, _ in first] == [
        ("中考质量奖", "S001", 1, 5000),
        ("中考质量奖", "S002", 2, 3000),
        ("中考质量奖", "S003", 2, 3000),
        ("中考成绩进步学校奖", "S001", 1, 2000),
    ]
    computed_at = scheme.computed_at
    scheme_compute_request(scheme=scheme, user=staff)
    wait_done(scheme, worker, since=computed_at)
    assert lines() == first
