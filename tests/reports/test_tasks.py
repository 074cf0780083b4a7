"""The Celery tasks of bulletins and their schedule."""

import datetime
import subprocess

import pytest
from celery.schedules import crontab
from django.conf import settings

from bureau.celery import app as celery_app
from reports import tasks
from reports.models import Bulletin
from reports.services import bulletins

from ..conftest import require_binary
from .world import PERIOD, build_world


@pytest.fixture
def world(school, other_school, staff, inspector):
    return build_world(school, other_school, staff, inspector)


def test_the_monthly_beat_entry():
    entry = celery_app.conf.beat_schedule["bulletin-monthly-draft"]
    assert entry["task"] == "reports.tasks.build_monthly_bulletin"
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.hour == {6} and schedule.minute == {0} and schedule.day_of_month == {1}
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    celery_app.loader.import_default_modules()
    assert "reports.tasks.build_monthly_bulletin" in celery_app.tasks
    assert "reports.tasks.build_bulletin" in celery_app.tasks


def test_build_bulletin_task_builds_by_id(world):
    bulletin = bulletins.bulletin_get_or_create(period=PERIOD)
    assert tasks.build_bulletin.delay(bulletin.pk).get() == "done"
    bulletin.refresh_from_db()
    assert bulletin.build_status == "done" and bulletin.pages >= 2
    assert bulletins.bulletin_pdf_path(bulletin) is not None
    # Safe to run twice: the same content and pages, one file.
    content, pages = bulletin.content, bulletin.pages
    assert tasks.build_bulletin.delay(bulletin.pk).get() == "done"
    bulletin.refresh_from_db()
    assert (bulletin.content, bulletin.pages) == (content, pages)
    assert len(list((settings.MEDIA_ROOT / "bulletins").iterdir())) == 1


def test_build_bulletin_task_records_a_failure(world, monkeypatch):
    bulletin = bulletins.bulletin_get_or_create(period=PERIOD)

    def broken(period):
        raise ValueError("数据异常")

    monkeypatch.setattr("reports.rendering.sections.gather_sections", broken)
    assert tasks.build_bulletin(bulletin.pk) == "failed"
    bulletin.refresh_from_db()
    assert (bulletin.build_status, bulletin.build_error) == ("failed", "数据异常")


def test_build_bulletin_task_on_a_missing_or_published_bulletin(db):
    assert tasks.build_bulletin(987654) == "missing"
    bulletin = bulletins.bulletin_get_or_create(period=PERIOD)
    Bulletin.objects.filter(pk=bulletin.pk).update(status="published", build_status="done")
    assert tasks.build_bulletin(bulletin.pk) == "published"
    bulletin.refresh_from_db()
    assert bulletin.build_status == "done"


@pytest.fixture
def first_of_december(monkeypatch):
    monkeypatch.setattr(
        "django.utils.timezone.localdate", lambda *a, **k: datetime.date(2026, 12, 1)
    )


def test_monthly_task_on_december_first_builds_november(world, first_of_december):
    pk = tasks.build_monthly_bulletin.delay().get()
    bulletin = Bulletin.objects.get(pk=pk)
    assert bulletin.period == datetime.date(2026, 11, 1)
    assert (bulletin.year, bulletin.number, bulletin.status) == (2026, 1, "draft")
    assert bulletin.build_status == "done"
    assert [e["code"] for e in bulletin.content["exams"]] == ["N1"]


def test_monthly_task_on_january_first_builds_december(db, monkeypatch):
    monkeypatch.setattr(
        "django.utils.timezone.localdate", lambda *a, **k: datetime.date(2027, 1, 1)
    )
    bulletin = Bulletin.objects.get(pk=tasks.build_monthly_bulletin())
    assert bulletin.period == datetime.date(2026, 12, 1) and bulletin.year == 2026


def test_monthly_task_skips_a_published_month(world, first_of_december):
    bulletin = bulletins.bulletin_build(period=PERIOD)
    Bulletin.objects.filter(pk=bulletin.pk).update(status="published")
    assert tasks.build_monthly_bulletin() == bulletin.pk
    after = Bulletin.objects.get(pk=bulletin.pk)
    assert (after.built_at, after.pdf_name) == (bulletin.built_at, bulletin.pdf_name)


# --- the real worker -------------------------------------------------------------------------


@pytest.mark.celery_pool("prefork")
def test_build_bulletin_runs_on_a_real_worker(
    celery_worker, school, other_school, staff, inspector
):
    """Needs REDIS_URL and a PostgreSQL DATABASE_URL (skipped loudly otherwise). A prefork
    worker, as in production: its task runs in a daemonic process, which forks the child that
    draws the charts (reports.rendering.aside)."""
    from django.core.cache import cache

    build_world(school, other_school, staff, inspector)
    cache.clear()  # the worker draws the charts, none comes from an earlier build
    bulletin = bulletins.bulletin_get_or_create(period=PERIOD)
    result = tasks.build_bulletin.apply_async(args=[bulletin.pk], queue=celery_worker.queue)
    assert celery_worker.wait(result, timeout=120) == "done"
    bulletin.refresh_from_db()
    assert bulletin.build_status == "done" and bulletin.pages >= 2
    path = bulletins.bulletin_pdf_path(bulletin)  # written by the worker into the shared folder
    assert path is not None and path.read_bytes()[:5] == b"%PDF-"
    images = subprocess.run(
        [require_binary("pdfimages"), "-list", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]
    assert len(images) == 2  # the exam's and the inspections' charts
    assert "the work is done in this process" not in celery_worker.output()  # drawn aside
