"""Background jobs of bulletins: thin, take ids, call ``bulletin_build``, safe to run twice."""

from __future__ import annotations

import datetime
import gc

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import BuildStatus, Bulletin, BulletinStatus

# A county month builds in seconds; past these the task gives up and records 生成超时.
SOFT_TIME_LIMIT = 5 * 60
TIME_LIMIT = 6 * 60


@shared_task(
    name="reports.tasks.build_bulletin", soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT
)
def build_bulletin(bulletin_id: int) -> str:
    """Builds one bulletin's PDF. Answers the final build status ("done", "failed"), or
    "missing" when the bulletin no longer exists, "published" when it is already out."""
    from reports.services.bulletins import bulletin_build

    try:
        bulletin = Bulletin.objects.get(pk=bulletin_id)
    except Bulletin.DoesNotExist:
        return "missing"
    if bulletin.status == BulletinStatus.PUBLISHED:
        return "published"
    Bulletin.objects.filter(pk=bulletin_id).update(build_status=BuildStatus.RUNNING)
    try:
        bulletin = bulletin_build(period=bulletin.period)
        return str(bulletin.build_status)
    except SoftTimeLimitExceeded:
        _fail(bulletin_id, _("生成超时（超过 %(n)s 秒）") % {"n": SOFT_TIME_LIMIT})
        return str(BuildStatus.FAILED)
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the bulletin
        _fail(bulletin_id, str(exc) or exc.__class__.__name__)
        return str(BuildStatus.FAILED)
    finally:
        # WeasyPrint and matplotlib keep large caches: give memory back between builds.
        gc.collect()


def _fail(bulletin_id: int, message: str) -> None:
    Bulletin.objects.filter(pk=bulletin_id).update(
        build_status=BuildStatus.FAILED, build_error=message[:2000]
    )


@shared_task(
    name="reports.tasks.build_monthly_bulletin",
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def build_monthly_bulletin() -> int | None:
    """On the 1st: the previous month's draft. Skips quietly (answers its id without building)
    when that month is already published."""
    from reports.services.bulletins import bulletin_get_or_create

    first = timezone.localdate().replace(day=1)
    period = (first - datetime.timedelta(days=1)).replace(day=1)
    bulletin = bulletin_get_or_create(period=period)
    if bulletin.status == BulletinStatus.PUBLISHED:
        return bulletin.pk
    build_bulletin(bulletin.pk)
    return bulletin.pk
