"""The daily clean-up of stored result files: files of uploads never committed go after a
week; files of committed uploads stay; the rows stay; the beat entry runs it daily."""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from bureau.celery import app as celery_app
from exams.models import ResultUpload
from exams.services import results as service
from exams.tasks import purge_result_files

from ..factories import ClassFactory, ExamFactory
from .test_results_import import CLEAN, run

pytestmark = pytest.mark.django_db

EIGHT_DAYS = 8 * 24 * 3600


@pytest.fixture
def exam(db):
    return ExamFactory(code="M1", subjects={"语文": 120, "数学": 120})


@pytest.fixture
def class1(school):
    ClassFactory(school=school, grade=9, number=2)
    return ClassFactory(school=school, grade=9, number=1)


def age(name: str, seconds: float) -> Path:
    path = Path(settings.MEDIA_ROOT) / "results" / name
    stamp = timezone.now().timestamp() - seconds
    os.utime(path, (stamp, stamp))
    return path


def test_old_uncommitted_files_go_and_committed_ones_stay(exam, class1, principal):
    checked = run(exam, CLEAN, user=principal, dry_run=True)
    rejected = run(exam, [["学籍号", "姓名"], ["G1", ""]], user=principal, name="坏.xlsx")
    fresh = run(exam, CLEAN, user=principal, dry_run=True)
    committed = run(exam, CLEAN, user=principal)
    names = {
        key: ResultUpload.objects.get(pk=result["id"]).stored_name
        for key, result in {
            "checked": checked,
            "rejected": rejected,
            "fresh": fresh,
            "committed": committed,
        }.items()
    }
    assert rejected["status"] == "rejected" and committed["status"] == "committed"
    # A refused file is never kept: no file under its name.
    assert not (Path(settings.MEDIA_ROOT) / "results" / names["rejected"]).exists()
    for key in ("checked", "committed"):
        age(names[key], EIGHT_DAYS)
    orphan = Path(settings.MEDIA_ROOT) / "results" / ("f" * 32)
    orphan.write_bytes(b"left by a failed request")
    age(orphan.name, EIGHT_DAYS)

    assert service.results_files_purge() == 2  # checked, orphan
    left = {p.name for p in (Path(settings.MEDIA_ROOT) / "results").iterdir()}
    assert left == {names["fresh"], names["committed"]}
    assert ResultUpload.objects.count() == 4  # the rows and their problems stay
    assert service.results_files_purge() == 0  # twice: nothing more

    # a week later, the recent dry run goes too; the committed file never does
    later = timezone.now() + datetime.timedelta(days=8)
    assert service.results_files_purge(now=later) == 1
    assert {p.name for p in (Path(settings.MEDIA_ROOT) / "results").iterdir()} == {
        names["committed"]
    }


def test_an_expired_preview_says_so(exam, class1, principal):
    checked = run(exam, CLEAN, user=principal, dry_run=True)
    upload = ResultUpload.objects.get(pk=checked["id"])
    age(upload.stored_name, EIGHT_DAYS)
    purge_result_files()
    with pytest.raises(service.DomainError, match="上传的文件不存在或已过期"):
        service.results_confirm(upload=upload, user=principal)


def test_no_folder_yet_is_fine():
    assert service.results_files_purge() == 0


def test_the_daily_beat_entry():
    entry = celery_app.conf.beat_schedule["result-files-purge-daily"]
    assert entry["task"] == "exams.tasks.purge_result_files"
    assert entry["schedule"].hour == {4} and entry["schedule"].minute == {30}
    assert celery_app.tasks[entry["task"]].name == purge_result_files.name
