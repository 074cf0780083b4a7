"""Background jobs of targets: thin, take ids, call one service, safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from .services.progress import progress_refresh_exam, progress_refresh_registry


@shared_task(
    name="targets.tasks.refresh_exam_progress",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def refresh_exam_progress(exam_id: int) -> int:
    """Stores the progress of every target the exam measures; answers how many."""
    return progress_refresh_exam(exam_id=exam_id)


@shared_task(
    name="targets.tasks.refresh_registry_progress",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def refresh_registry_progress() -> int:
    """Stores the progress of every registry target (after the roster changed)."""
    return progress_refresh_registry()
