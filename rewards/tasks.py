"""Background jobs of rewards: thin, take ids, call one service, safe to run twice."""

from celery import shared_task

from .services.schemes import scheme_compute


@shared_task(name="rewards.tasks.compute_scheme")
def compute_scheme(scheme_id: int) -> bool:
    """Computes a reward scheme's lines (``scheme_compute``)."""
    return scheme_compute(scheme_id=scheme_id)
