"""Background jobs of exams: thin, take ids, call one service, safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from .services.stats import stats_compute, stats_mark_running, stats_requeue_interrupted


@shared_task(
    name="exams.tasks.compute_exam_stats",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=3,
)
def compute_exam_stats(exam_id: int) -> bool:
    """Recomputes an exam's statistics (``stats_compute``); retried only when the database
    was briefly unreachable. Answers False when the exam no longer exists."""
    if not stats_mark_running(exam_id=exam_id):
        return False
    stats_compute(exam_id=exam_id)
    return True


@shared_task(name="exams.tasks.purge_result_files")
def purge_result_files() -> int:
    """Daily: removes result files that were checked but never committed (a week on)."""
    from .services.results import results_files_purge

    return results_files_purge()


@shared_task(name="exams.tasks.requeue_interrupted_stats")
def requeue_interrupted_stats() -> dict:
    """Every 10 minutes: statistics left "running" by a dead worker are queued again once
    (``stats_requeue_interrupted``)."""
    return stats_requeue_interrupted()
