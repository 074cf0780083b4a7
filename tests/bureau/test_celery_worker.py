"""The path web → broker → worker → database, with a real worker process (needs Redis and
PostgreSQL; CI provides both), and the settings that keep long tasks safe."""

import uuid

import pytest
from django.conf import settings

from bureau.celery import app
from bureau.models import Heartbeat
from bureau.tasks import ping, record_heartbeat


@pytest.mark.redis
@pytest.mark.postgres
def test_a_real_worker_runs_a_task_and_writes_the_database(celery_worker):
    label = f"ci-{uuid.uuid4()}"
    result = record_heartbeat.apply_async(args=[label], queue=celery_worker.queue)
    pk = celery_worker.wait(result, timeout=60)
    beat = Heartbeat.objects.filter(label=label).first()
    assert beat is not None, celery_worker.output()
    assert beat.pk == pk

    # Idempotent per label: a second run updates the same row.
    again = record_heartbeat.apply_async(args=[label], queue=celery_worker.queue)
    assert celery_worker.wait(again, timeout=60) == pk
    assert Heartbeat.objects.filter(label=label).count() == 1

    clock = celery_worker.wait(ping.apply_async(queue=celery_worker.queue), timeout=60)
    assert clock.endswith("+00:00")


def test_eager_by_default_in_tests(db):
    assert app.conf.task_always_eager is True
    pk = record_heartbeat.delay("eager").get()
    assert Heartbeat.objects.get(label="eager").pk == pk


def test_worker_settings():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.accept_content == ["json"]
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert conf.timezone == "Asia/Shanghai"
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    # Redis redelivers unacknowledged tasks after the visibility timeout: it must outlast the
    # hard limit, or a long task would run twice.
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    # A worker process is replaced after 50 tasks or 800 MB, whichever comes first.
    assert conf.worker_max_tasks_per_child == 50
    assert conf.worker_max_memory_per_child == 800_000
    assert conf.beat_scheduler == "django_celery_beat.schedulers:DatabaseScheduler"
    assert conf.beat_scheduler == settings.CELERY_BEAT_SCHEDULER
    assert conf.beat_schedule["health-ping-hourly"]["task"] == "bureau.tasks.ping"


def test_tasks_are_registered():
    app.loader.import_default_modules()
    assert {"bureau.tasks.ping", "bureau.tasks.record_heartbeat"} <= set(app.tasks)
