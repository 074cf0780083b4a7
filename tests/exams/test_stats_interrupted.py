"""统计计算中断: statistics left "running" by a worker that died are shown as failed with a
重新计算 button, and the beat job queues them again once (exams/services/stats.py)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from bureau.celery import app as celery_app
from exams import tasks
from exams.models import Exam, ExamState, StatsStatus, UnitStat
from exams.services.stats import stats_compute, stats_interrupted, stats_stale_after

from .stats_data import build_county

pytestmark = pytest.mark.django_db

# CELERY_TASK_TIME_LIMIT 720 s + 5 min margin = 17 minutes.
STALE = datetime.timedelta(minutes=17)


@pytest.fixture
def exam(school, other_school):
    exam = build_county(school, other_school)
    stats_compute(exam_id=exam.pk)
    Exam.objects.filter(pk=exam.pk).update(state=ExamState.PUBLISHED)
    return Exam.objects.get(pk=exam.pk)


def _running(exam, *, ago: datetime.timedelta, requeued=False) -> Exam:
    Exam.objects.filter(pk=exam.pk).update(
        stats_status=StatsStatus.RUNNING,
        stats_started_at=timezone.now() - ago,
        stats_requeued=requeued,
    )
    return Exam.objects.get(pk=exam.pk)


def test_the_threshold_is_the_hard_time_limit_plus_a_margin(settings):
    settings.CELERY_TASK_TIME_LIMIT = 720
    assert stats_stale_after() == STALE


def test_running_past_the_limit_is_interrupted(exam):
    assert not stats_interrupted(_running(exam, ago=datetime.timedelta(minutes=16)))
    assert stats_interrupted(_running(exam, ago=datetime.timedelta(minutes=18)))
    # No start time (set by a hand-made update): never guessed to be interrupted.
    Exam.objects.filter(pk=exam.pk).update(stats_started_at=None)
    assert not Exam.objects.get(pk=exam.pk).stats_interrupted


def test_the_task_and_the_command_record_the_start(exam):
    Exam.objects.filter(pk=exam.pk).update(stats_started_at=None)
    before = timezone.now()
    tasks.compute_exam_stats.delay(exam.pk).get()
    exam.refresh_from_db()
    assert exam.stats_status == StatsStatus.FRESH and exam.stats_started_at >= before
    Exam.objects.filter(pk=exam.pk).update(stats_started_at=None)
    call_command("compute_stats", exam.code, stdout=io.StringIO())
    exam.refresh_from_db()
    assert exam.stats_started_at >= before


def test_the_exam_page_shows_it_failed_with_a_recompute_button(client_for, staff, principal, exam):
    _running(exam, ago=datetime.timedelta(hours=1))
    html = client_for(staff).get("/exams/M1/").content.decode()
    assert "统计计算中断：后台计算未能完成，页面显示的是上一次的结果" in html
    assert "统计正在后台更新" not in html
    assert 'action="/exams/M1/recompute/"' in html and "重新计算</button>" in html
    # The principal is told, but may not recompute.
    html = client_for(principal).get("/exams/M1/").content.decode()
    assert "统计计算中断" in html and "重新计算</button>" not in html
    # The list says so too, and the API says "failed".
    assert "统计计算中断" in client_for(staff).get("/exams/").content.decode()
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(staff)
    assert api.get("/api/v1/exams/M1/").json()["stats_status"] == "failed"


def test_the_button_recomputes(client_for, staff, exam, django_capture_on_commit_callbacks):
    _running(exam, ago=datetime.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post("/exams/M1/recompute/")
    assert response.status_code == 302
    exam.refresh_from_db()
    assert exam.stats_status == StatsStatus.FRESH and not exam.stats_interrupted


def test_the_beat_job_requeues_once(exam, django_capture_on_commit_callbacks):
    units = UnitStat.objects.filter(exam=exam).count()
    UnitStat.objects.filter(exam=exam).delete()  # the dead run's half-work is gone
    _running(exam, ago=datetime.timedelta(minutes=18))
    assert "stats-interrupted-requeue" in celery_app.conf.beat_schedule
    with django_capture_on_commit_callbacks(execute=True):
        answer = tasks.requeue_interrupted_stats.delay().get()
    assert answer == {"requeued": ["M1"], "failed": []}
    exam.refresh_from_db()
    # Queued again and, tasks being eager here, computed: every row is back.
    assert exam.stats_status == StatsStatus.FRESH and exam.stats_requeued is False
    assert UnitStat.objects.filter(exam=exam).count() == units
    # Idempotent: nothing left to do.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_interrupted_stats.delay().get() == {"requeued": [], "failed": []}


def test_a_second_interruption_is_failed(client_for, staff, exam):
    # The beat job queued it once already (stats_requeued) and it stalled again.
    _running(exam, ago=datetime.timedelta(minutes=18), requeued=True)
    assert tasks.requeue_interrupted_stats.delay().get() == {"requeued": [], "failed": ["M1"]}
    exam.refresh_from_db()
    assert exam.stats_status == StatsStatus.FAILED and exam.stats_interrupted
    assert exam.stats_error.startswith("统计计算中断")
    assert tasks.requeue_interrupted_stats.delay().get() == {"requeued": [], "failed": []}
    assert "重新计算</button>" in client_for(staff).get("/exams/M1/").content.decode()


def test_a_recent_run_is_left_alone(exam):
    _running(exam, ago=datetime.timedelta(minutes=2))
    assert tasks.requeue_interrupted_stats.delay().get() == {"requeued": [], "failed": []}
    assert Exam.objects.get(pk=exam.pk).stats_status == StatsStatus.RUNNING


def test_a_failure_with_an_error_is_not_an_interruption(exam):
    Exam.objects.filter(pk=exam.pk).update(
        stats_status=StatsStatus.FAILED, stats_error="ValueError: x", stats_requeued=False
    )
    assert not Exam.objects.get(pk=exam.pk).stats_interrupted
