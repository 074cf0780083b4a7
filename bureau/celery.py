"""The Celery app. Without REDIS_URL, settings make every task run in-process."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")

app = Celery("tizhi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Periodic tasks, in code and readable. django-celery-beat's DatabaseScheduler picks these up
# and lets an admin pause or reschedule them in Django admin.
app.conf.beat_schedule = {
    "health-ping-hourly": {
        "task": "bureau.tasks.ping",
        "schedule": crontab(minute=0),
    },
}
