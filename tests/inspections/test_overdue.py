"""The daily job that marks overdue rectifications (docs/inspections-records.md)."""

import datetime

import pytest
from celery.schedules import crontab
from django.utils import timezone

from bureau.celery import app
from inspections import services
from inspections.models import RectificationAction, RectificationEvent, RectificationTask
from inspections.services.overdue import rectifications_mark_overdue
from inspections.tasks import mark_overdue_rectifications

TODAY = datetime.date(2026, 11, 10)
TASK_NAME = "inspections.tasks.mark_overdue_rectifications"


def _task(user, school, deadline, title="问题"):
    return services.rectification_create(
        user=user, school=school, title=title, severity="medium", deadline=deadline
    )


def _answered(task, principal):
    return services.rectification_answer(task=task, user=principal, text="已整改")


def _overdue_events(task):
    return list(RectificationEvent.objects.filter(task=task, action=RectificationAction.OVERDUE))


@pytest.fixture
def tasks(inspector, principal, school):
    """Deadlines around 2026-11-10, in every state."""
    made = {
        "yesterday": _task(inspector, school, datetime.date(2026, 11, 9), "昨天到期"),
        "today": _task(inspector, school, TODAY, "今天到期"),
        "tomorrow": _task(inspector, school, datetime.date(2026, 11, 11), "明天到期"),
        "answered": _answered(
            _task(inspector, school, datetime.date(2026, 11, 1), "已答复"), principal
        ),
        "closed": _task(inspector, school, datetime.date(2026, 10, 1), "已销号"),
        "reopened": _task(inspector, school, datetime.date(2026, 11, 5), "退回重改"),
    }
    _answered(made["closed"], principal)
    services.rectification_verify(task=made["closed"], user=inspector, accepted=True)
    _answered(made["reopened"], principal)
    services.rectification_verify(
        task=made["reopened"], user=inspector, accepted=False, reason="照片不清楚"
    )
    return made


def _flagged():
    return dict(
        RectificationTask.objects.filter(overdue_since__isnull=False).values_list(
            "title", "overdue_since"
        )
    )


def test_marks_what_is_past_its_deadline_and_not_closed(tasks):
    assert rectifications_mark_overdue(today=TODAY) == 3  # yesterday, answered, reopened
    assert _flagged() == {"昨天到期": TODAY, "已答复": TODAY, "退回重改": TODAY}
    events = _overdue_events(tasks["yesterday"])
    assert [(e.by, e.action, e.text) for e in events] == [
        (None, "overdue", "已超过整改期限 2026-11-09")
    ]
    assert _overdue_events(tasks["reopened"])[0].text == "已超过整改期限 2026-11-05"
    assert _overdue_events(tasks["answered"])[0].text == "已超过整改期限 2026-11-01"
    # Due today is not overdue yet; a closed task never is; nothing else changed.
    for key in ("today", "tomorrow", "closed"):
        assert _overdue_events(tasks[key]) == []
    statuses = dict(RectificationTask.objects.values_list("title", "status"))
    assert statuses == {
        "昨天到期": "open",
        "今天到期": "open",
        "明天到期": "open",
        "已答复": "answered",
        "已销号": "closed",
        "退回重改": "reopened",
    }


def test_idempotent(tasks):
    assert rectifications_mark_overdue(today=TODAY) == 3
    assert rectifications_mark_overdue(today=TODAY) == 0
    assert RectificationEvent.objects.filter(action="overdue").count() == 3
    # The next day: only the task due on the 10th is new; the others keep their first date.
    next_day = TODAY + datetime.timedelta(days=1)
    assert rectifications_mark_overdue(today=next_day) == 1
    assert _flagged() == {
        "昨天到期": TODAY,
        "已答复": TODAY,
        "退回重改": TODAY,
        "今天到期": next_day,
    }
    assert _overdue_events(tasks["today"])[0].text == "已超过整改期限 2026-11-10"
    assert rectifications_mark_overdue(today=next_day) == 0
    assert RectificationEvent.objects.filter(action="overdue").count() == 4


def test_a_flag_stays_after_closing(tasks, inspector, principal):
    rectifications_mark_overdue(today=TODAY)
    task = tasks["answered"]
    services.rectification_verify(task=task, user=inspector, accepted=True)
    # Five days on, the tasks due on the 10th and the 11th are new; the closed one is left.
    assert rectifications_mark_overdue(today=TODAY + datetime.timedelta(days=5)) == 2
    task.refresh_from_db()
    assert (task.status, task.overdue_since) == ("closed", TODAY)


def test_overdue_event_in_the_api_history(tasks, api_for, principal):
    rectifications_mark_overdue(today=TODAY)
    response = api_for(principal).get(f"/api/v1/rectifications/{tasks['yesterday'].pk}/")
    assert response.status_code == 200
    history = response.json()["history"]
    assert [(h["action"], h["by"]) for h in history] == [
        ("created", "inspector"),
        ("overdue", None),
    ]
    assert history[-1]["action_display"] == "逾期"
    assert history[-1]["text"] == "已超过整改期限 2026-11-09"


def test_nothing_to_do(db):
    assert rectifications_mark_overdue(today=TODAY) == 0


# --- the Celery task -----------------------------------------------------------------------


def test_task_uses_todays_local_date(inspector, school):
    today = timezone.localdate()
    late = _task(inspector, school, today - datetime.timedelta(days=1))
    _task(inspector, school, today)
    assert mark_overdue_rectifications.delay().get() == 1
    late.refresh_from_db()
    assert late.overdue_since == today
    assert mark_overdue_rectifications() == 0


def test_beat_runs_it_daily_at_half_past_five_shanghai_time():
    entry = app.conf.beat_schedule["rectifications-overdue-daily"]
    assert entry["task"] == TASK_NAME
    assert entry["schedule"] == crontab(hour=5, minute=30)
    assert app.conf.timezone == "Asia/Shanghai"


def test_task_name_resolves_in_the_celery_app():
    app.loader.import_default_modules()
    assert TASK_NAME in app.tasks
    assert app.tasks[TASK_NAME].name == mark_overdue_rectifications.name == TASK_NAME


@pytest.mark.redis
@pytest.mark.postgres
def test_a_real_worker_marks_overdue_tasks(celery_worker, inspector, school):
    late = _task(inspector, school, timezone.localdate() - datetime.timedelta(days=3))
    result = mark_overdue_rectifications.apply_async(queue=celery_worker.queue)
    assert celery_worker.wait(result, timeout=60) == 1
    late.refresh_from_db()
    assert late.overdue_since is not None, celery_worker.output()
    assert len(_overdue_events(late)) == 1
    again = mark_overdue_rectifications.apply_async(queue=celery_worker.queue)
    assert celery_worker.wait(again, timeout=60) == 0
