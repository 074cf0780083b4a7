"""Celery tasks of the 督导 domain: thin, idempotent, one service each.

``bureau/celery.py`` schedules ``mark_overdue_rectifications`` daily at 05:30 (Asia/Shanghai).
"""

from celery import shared_task
from django.utils import timezone

from inspections.services.overdue import rectifications_mark_overdue


@shared_task(name="inspections.tasks.mark_overdue_rectifications")
def mark_overdue_rectifications() -> int:
    """Flags the rectifications that became overdue, as of today's local date; returns how
    many. Safe to run twice: a flagged task is never flagged again."""
    return rectifications_mark_overdue(today=timezone.localdate())
