"""Marking overdue rectifications (整改逾期): what the daily Celery job does.

Whether a task is overdue is still decided at request time (``RectificationTask.is_overdue``);
this records *when* it was first found overdue, once, with an event in its history, so that
the history shows it and later reminders and bulletins can count it.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.audit import audit_batch
from inspections.models import RectificationAction, RectificationEvent, RectificationTask
from inspections.selectors import overdue_condition


@transaction.atomic
def rectifications_mark_overdue(*, today: datetime.date) -> int:
    """Every task not closed whose deadline is before ``today`` and not flagged yet gets
    ``overdue_since = today`` and one ``overdue`` event (by nobody: the system). Returns how
    many were flagged; a second run the same day (or any later day) flags none of them again.
    """
    tasks = list(
        RectificationTask.objects.select_for_update()
        .filter(overdue_condition(today), overdue_since__isnull=True)
        .order_by("pk")
        .only("pk", "deadline")
    )
    if not tasks:
        return 0
    RectificationTask.objects.filter(pk__in=[t.pk for t in tasks]).update(overdue_since=today)
    now = timezone.now()
    RectificationEvent.objects.bulk_create(
        RectificationEvent(
            task=task,
            at=now,
            by=None,
            action=RectificationAction.OVERDUE,
            text=_("已超过整改期限 %(deadline)s") % {"deadline": task.deadline.isoformat()},
        )
        for task in tasks
    )
    audit_batch(
        action="rectifications_overdue",
        model=RectificationTask,
        object=f"rectification:overdue:{today.isoformat()}",
        text=_("整改逾期标记"),
        summary={"day": today.isoformat(), "tasks": [t.pk for t in tasks]},
    )
    return len(tasks)
