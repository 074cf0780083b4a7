from celery import shared_task
from django.utils import timezone


@shared_task(name="bureau.tasks.ping")
def ping() -> str:
    """A liveness probe for the worker: returns the worker's clock."""
    return timezone.now().isoformat()


@shared_task(
    name="bureau.tasks.record_heartbeat",
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
)
def record_heartbeat(label: str) -> int:
    """Writes a heartbeat row; used by operators (and the worker test) to prove the path
    web → broker → worker → database works. Idempotent per label."""
    from .models import Heartbeat

    beat, _ = Heartbeat.objects.update_or_create(label=label, defaults={"at": timezone.now()})
    return beat.pk


@shared_task(name="bureau.tasks.ensure_academic_year")
def ensure_academic_year() -> str:
    """Daily: the academic year of today exists (the next one appears on 1 September).
    Idempotent; an administrator's edits to an existing year are kept."""
    from .services import academic_year_ensure

    return academic_year_ensure().name


@shared_task(name="bureau.tasks.purge_request_keys")
def purge_request_keys() -> int:
    """Daily: forgets the one-time keys of create requests older than a week."""
    from .idempotency import request_keys_purge

    return request_keys_purge()
