"""Receivers: a statistics run or a roster change queues the progress job, after the commit,
so that no request waits for it (connected in ``TargetsConfig.ready``)."""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def on_stats_computed(sender, exam_id: int, **kwargs) -> None:
    from .tasks import refresh_exam_progress

    transaction.on_commit(lambda: refresh_exam_progress.delay(exam_id))


def on_roster_changed(sender, **kwargs) -> None:
    from .tasks import refresh_registry_progress

    transaction.on_commit(lambda: refresh_registry_progress.delay())
