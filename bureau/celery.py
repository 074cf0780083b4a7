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
    # 学年: the year of today exists; on 1 September the new one appears by itself.
    "academic-year-daily": {
        "task": "bureau.tasks.ensure_academic_year",
        "schedule": crontab(hour=0, minute=10),
    },
    # Double submission: one-time keys of create requests are kept a week.
    "request-keys-purge-daily": {
        "task": "bureau.tasks.purge_request_keys",
        "schedule": crontab(hour=4, minute=40),
    },
    # 整改: flag the tasks whose deadline passed yesterday (CELERY_TIMEZONE is Asia/Shanghai).
    "rectifications-overdue-daily": {
        "task": "inspections.tasks.mark_overdue_rectifications",
        "schedule": crontab(hour=5, minute=30),
    },
    # 统计计算中断: statistics left "running" by a dead worker are queued again, once.
    "stats-interrupted-requeue": {
        "task": "exams.tasks.requeue_interrupted_stats",
        "schedule": crontab(minute="*/10"),
    },
    # 成绩上传: files checked but never committed go after a week.
    "result-files-purge-daily": {
        "task": "exams.tasks.purge_result_files",
        "schedule": crontab(hour=4, minute=30),
    },
    # 简报: the previous month's draft, on the 1st at 06:00.
    "bulletin-monthly-draft": {
        "task": "reports.tasks.build_monthly_bulletin",
        "schedule": crontab(hour=6, minute=0, day_of_month=1),
    },
}
