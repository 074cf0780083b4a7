"""The proof that a committed results upload is analysed by a real Celery worker on
PostgreSQL: web-side import → commit → broker → worker → ``stats_compute`` → stored rows.
Needs REDIS_URL and DATABASE_URL (PostgreSQL); skipped loudly otherwise, failed under
TIZHI_REQUIRE_SERVICES=1 (as in CI)."""

import time

import pytest

from bureau.celery import app as celery_app
from exams.models import Exam, UnitStat

from .stats_data import HEADER, ROWS, build_county, upload


def wait_for_stats(exam, worker, timeout: float = 60) -> Exam:
    deadline = time.monotonic() + timeout
    while True:
        exam.refresh_from_db()
        if exam.stats_status == "fresh":
            return exam
        if exam.stats_status == "failed":
            pytest.fail(f"statistics failed: {exam.stats_error}\n{worker.output()}")
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited ({worker.process.returncode}):\n{worker.output()}")
        if time.monotonic() > deadline:
            pytest.fail(f"still {exam.stats_status} after {timeout} s:\n{worker.output()}")
        time.sleep(0.2)


@pytest.fixture
def worker(celery_worker):
    """The upload queues the job on the default queue: make that the worker's own queue."""
    default = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = celery_worker.queue
    yield celery_worker
    celery_app.conf.task_default_queue = default


def test_an_upload_is_analysed_by_a_real_worker(worker, school, other_school):
    assert celery_app.conf.task_always_eager is False
    exam = build_county(school, other_school)  # commits M0 and M1: each queues a job
    exam = wait_for_stats(exam, worker)
    county = UnitStat.objects.get(exam=exam, level="county", subject="语文")
    assert county.mean == pytest.approx(65)  # (90 + 70 + 50 + 30 + 90 + 60) / 6
    assert county.value_added == pytest.approx(7.5 / (2750 / 6) ** 0.5)  # baseline M0 stored
    first = exam.stats_updated_at

    # Re-uploading the same file queues the job again; the stored numbers stay the same.
    before = sorted(UnitStat.objects.filter(exam=exam).values_list("level", "subject", "mean"))
    upload(exam, [HEADER, *ROWS])
    assert Exam.objects.get(pk=exam.pk).stats_status in ("queued", "running", "fresh")
    deadline = time.monotonic() + 60
    while Exam.objects.get(pk=exam.pk).stats_updated_at == first:
        assert time.monotonic() < deadline, worker.output()
        time.sleep(0.2)
    exam = wait_for_stats(exam, worker)
    after = sorted(UnitStat.objects.filter(exam=exam).values_list("level", "subject", "mean"))
    assert after == before
