"""The progress job: queued after a statistics run (on commit) and a roster import, stores
the rows ``progress_rows`` then reads; safe to run twice. The last test runs it through a
real Celery worker on PostgreSQL (skipped loudly without REDIS_URL and DATABASE_URL)."""

import time

import pytest

from bureau.celery import app as celery_app
from exams.models import Exam
from exams.services.stats import stats_compute
from targets.models import Progress, Target
from targets.selectors.progress import progress_rows
from targets.services.progress import progress_store
from targets.services.targets import target_create
from tests.factories import AcademicYearFactory, SubjectFactory

from ..exams.stats_data import build_county

BODY = {
    "code": "P",
    "year": "2026-2027",
    "name": "语文及格人数",
    "measure": "count_over_line",
    "grade": 9,
    "subject": "语文",
    "line": "pass",
    "value": 4,
    "basis": "equal",
    "schools": ["S001", "S002"],
}


def stored(target, exam):
    return sorted(
        (p.school.code if p.school_id else "county", p.target_value, p.actual, p.status)
        for p in Progress.objects.filter(target=target, exam=exam)
    )


@pytest.fixture
def target(db, school, other_school, staff):
    AcademicYearFactory()
    SubjectFactory(name="语文")
    return target_create(user=staff, data=BODY)


def test_a_statistics_run_queues_the_progress_on_commit(
    target, school, other_school, django_capture_on_commit_callbacks
):
    exam = build_county(school, other_school, baseline=False)
    with django_capture_on_commit_callbacks(execute=True):
        stats_compute(exam_id=exam.pk)
    # 语文 ≥ 60: S001 2, S002 2 against quotas 2 and 2.
    assert stored(target, exam) == [
        ("S001", 2, 2, "green"),
        ("S002", 2, 2, "green"),
        ("county", 4, 4, "green"),
    ]


def test_storing_twice_gives_the_same_rows_and_reads_use_them(target, school, other_school):
    exam = build_county(school, other_school, baseline=False)
    stats_compute(exam_id=exam.pk)
    exam.refresh_from_db()
    assert progress_store(target_id=target.pk, exam_id=exam.pk) == 3
    first = stored(target, exam)
    assert progress_store(target_id=target.pk, exam_id=exam.pk) == 3
    assert stored(target, exam) == first
    # Fresh stored rows are what the read answers (changed here to show it reads them).
    Progress.objects.filter(target=target, exam=exam, school__code="S001").update(actual=99)
    assert progress_rows(target=target, exam=exam)[1]["actual"] == 99
    # A change to the target makes them stale: computed again.
    Target.objects.filter(pk=target.pk).update(name="改名")
    target.save()
    assert progress_rows(target=target, exam=exam)[1]["actual"] == 2


def test_a_roster_import_refreshes_registry_targets(
    db, school, staff, django_capture_on_commit_callbacks
):
    from schools.signals import roster_changed

    AcademicYearFactory()
    registry = target_create(
        user=staff,
        data={
            "code": "C",
            "year": "2026-2027",
            "name": "持证",
            "measure": "registry",
            "metric": "certified_rate",
            "value": 1,
            "schools": ["S001"],
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        roster_changed.send(sender=None, user=None)
    assert Progress.objects.filter(target=registry, exam=None).count() == 2


def wait_for(predicate, worker, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not predicate():
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited ({worker.process.returncode}):\n{worker.output()}")
        if time.monotonic() > deadline:
            pytest.fail(f"nothing after {timeout} s:\n{worker.output()}")
        time.sleep(0.2)


@pytest.fixture
def worker(celery_worker):
    default = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = celery_worker.queue
    yield celery_worker
    celery_app.conf.task_default_queue = default


def test_progress_through_a_real_worker(worker, school, other_school, staff):
    assert celery_app.conf.task_always_eager is False
    AcademicYearFactory()
    SubjectFactory(name="语文")
    target = target_create(user=staff, data=BODY)
    # The upload queues the statistics; the worker computes them, and the statistics run
    # queues the progress job, which the same worker runs.
    exam = build_county(school, other_school, baseline=False)
    wait_for(lambda: Progress.objects.filter(target=target, exam=exam).count() == 3, worker)
    assert Exam.objects.get(pk=exam.pk).stats_status == "fresh"
    assert stored(target, exam) == [
        ("S001", 2, 2, "green"),
        ("S002", 2, 2, "green"),
        ("county", 4, 4, "green"),
    ]
