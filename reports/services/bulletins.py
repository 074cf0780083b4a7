"""Writing bulletins (简报): one way in for the pages, the API, the command and the demo.

Rules (docs/bulletins.md):
- admins and staff edit a draft's title, 工作动态 and 先进典型, ask for it to be (re)built and
  publish it; a published bulletin is final (no edit, no rebuild);
- building runs in the background (``reports.tasks.build_bulletin``); publishing needs a
  finished build and its PDF;
- the first time a user opens a published bulletin (page or PDF) leaves a read receipt.
"""

from __future__ import annotations

import datetime
import pathlib

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau import access
from core.errors import DomainError, NotAllowed
from core.storage import private_dir, write_private
from reports.models import BuildStatus, Bulletin, BulletinRead, BulletinStatus
from reports.rendering.context import PendingCharts, render_html

TITLE_MAX = 200
TEXT_MAX = 5000


def next_number(year: int) -> int:
    """The 期号 of a new bulletin of ``year``: one more than the highest so far (第1期 first).
    Numbers follow the order bulletins are created in, which is the months' order when every
    month is built in turn."""
    highest = Bulletin.objects.filter(year=year).aggregate(n=Max("number"))["n"]
    return (highest or 0) + 1


def _check_manager(user) -> None:
    if not access.is_manager(user):
        raise NotAllowed(_("只有局机关工作人员或管理员可以管理简报"))


def _check_draft(bulletin: Bulletin, message: str) -> None:
    if bulletin.status == BulletinStatus.PUBLISHED:
        raise DomainError(message)


def _text(value, *, label: str, limit: int) -> str:
    text = str(value or "").strip().replace("\r\n", "\n")
    if len(text) > limit:
        raise DomainError(
            _("%(label)s不能超过 %(limit)s 字（现有 %(n)s 字）")
            % {"label": label, "limit": limit, "n": len(text)}
        )
    return text


def _enqueue(bulletin: Bulletin) -> None:
    from reports.tasks import build_bulletin

    pk = bulletin.pk
    transaction.on_commit(lambda: build_bulletin.delay(pk))


@transaction.atomic
def bulletin_update(*, bulletin: Bulletin, user, title, news, examples) -> Bulletin:
    """Changes a draft's texts and rebuilds its PDF so that it says the same as the page."""
    _check_manager(user)
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    _check_draft(bulletin, _("已发布的简报不能修改"))
    title = _text(title, label=_("标题"), limit=TITLE_MAX)
    if not title:
        raise DomainError(_("标题不能为空"))
    bulletin.title = title
    bulletin.news = _text(news, label=_("工作动态"), limit=TEXT_MAX)
    bulletin.examples = _text(examples, label=_("先进典型"), limit=TEXT_MAX)
    bulletin.build_status = BuildStatus.QUEUED
    bulletin.build_error = ""
    bulletin.save(update_fields=["title", "news", "examples", "build_status", "build_error"])
    _enqueue(bulletin)
    return bulletin


def _month(period: datetime.date) -> datetime.date:
    first = period.replace(day=1)
    if first > timezone.localdate().replace(day=1):
        raise DomainError(_("不能生成未来月份的简报"))
    return first


@transaction.atomic
def bulletin_request_build(
    *, bulletin: Bulletin | None = None, period: datetime.date | None = None, user
) -> Bulletin:
    """Queues the build of ``bulletin``, or of the month of ``period`` (its draft is created
    when the month has none yet). Answers the bulletin, ``queued``; the PDF follows."""
    _check_manager(user)
    if bulletin is None:
        if period is None:
            raise DomainError(_("请选择简报的月份"))
        bulletin = bulletin_get_or_create(period=_month(period), user=user)
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    _check_draft(bulletin, _("已发布的简报不能重新生成"))
    bulletin.build_status = BuildStatus.QUEUED
    bulletin.build_error = ""
    bulletin.save(update_fields=["build_status", "build_error"])
    _enqueue(bulletin)
    return bulletin


@transaction.atomic
def bulletin_publish(*, bulletin: Bulletin, user=None) -> Bulletin:
    """Publishes a built draft; everyone may then read it. ``user`` is None from the command
    line. Publishing a published bulletin changes nothing."""
    if user is not None:
        _check_manager(user)
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if bulletin.status == BulletinStatus.PUBLISHED:
        return bulletin
    if bulletin.build_status != BuildStatus.DONE:
        raise DomainError(
            _("简报尚未生成完成（%(status)s），不能发布")
            % {"status": bulletin.get_build_status_display()}
        )
    if bulletin_pdf_path(bulletin) is None:
        raise DomainError(_("简报的 PDF 文件不存在，请重新生成后再发布"))
    bulletin.status = BulletinStatus.PUBLISHED
    bulletin.published_by = user
    bulletin.published_at = timezone.now()
    bulletin.save(update_fields=["status", "published_by", "published_at"])
    return bulletin


def bulletin_mark_read(*, bulletin: Bulletin, user) -> BulletinRead | None:
    """The user's read receipt of a published bulletin, made the first time only (later
    openings keep the first time). Drafts leave none."""
    if bulletin.status != BulletinStatus.PUBLISHED or access.role_of(user) is None:
        return None
    read, _created = BulletinRead.objects.get_or_create(bulletin=bulletin, user=user)
    return read


# --- building: the month's draft, its data snapshot (``content``) and its PDF ---------

PDF_DIR = "bulletins"


def default_title() -> str:
    return _("%(bureau)s聚力提质工作简报") % {"bureau": settings.TIZHI_BUREAU_NAME}


def bulletin_pdf_path(bulletin: Bulletin) -> pathlib.Path | None:
    """The stored PDF of a bulletin, or None when it has none (or the file is gone)."""
    if not bulletin.pdf_name:
        return None
    path = private_dir(PDF_DIR) / bulletin.pdf_name
    return path if path.is_file() else None


@transaction.atomic
def bulletin_get_or_create(*, period: datetime.date, user=None) -> Bulletin:
    """The month's bulletin, created as a draft numbered within its year when missing."""
    period = period.replace(day=1)
    bulletin = Bulletin.objects.select_for_update().filter(period=period).first()
    if bulletin is not None:
        return bulletin
    return Bulletin.objects.create(
        period=period,
        year=period.year,
        number=next_number(period.year),
        title=default_title(),
        created_by=user,
    )


def bulletin_build(*, period: datetime.date, user=None) -> Bulletin:
    """Creates the month's draft when missing, gathers its sections and renders its PDF.

    Building twice gives the same content and page count. A published bulletin is refused.
    When rendering fails the bulletin is marked ``failed`` with the message and its previous
    PDF is kept. There is no time limit here: the Celery task runs it under its soft time
    limit (``CELERY_TASK_SOFT_TIME_LIMIT``)."""
    from reports.rendering.charts import chart_names
    from reports.rendering.pdf import render_pdf
    from reports.rendering.sections import gather_sections, student_names_once

    bulletin = bulletin_get_or_create(period=period, user=user)
    if bulletin.status == BulletinStatus.PUBLISHED:
        raise DomainError(_("已发布的简报不能重新生成"), code="published")
    if not bulletin.title:
        bulletin.title = default_title()

    with student_names_once():  # the findings and the staff's text: one query of names
        bulletin.content = gather_sections(bulletin.period)
        charts = PendingCharts(bulletin.content)  # drawn aside from here on
        try:
            html = render_html(bulletin, charts=chart_names(bulletin.content))
            pdf_bytes, pages = render_pdf(html, resources=charts.get)
            if charts.error is not None:
                raise charts.error
            final = write_private(PDF_DIR, pdf_bytes, suffix=".pdf")
        except SoftTimeLimitExceeded:
            # The Celery task's time limit: the task records it; the previous PDF stays.
            raise
        except Exception as exc:
            Bulletin.objects.filter(pk=bulletin.pk).update(
                build_status=BuildStatus.FAILED,
                build_error=(str(exc) or exc.__class__.__name__)[:2000],
            )
            bulletin.refresh_from_db()
            return bulletin
        finally:
            charts.close()

    previous = bulletin_pdf_path(bulletin)
    bulletin.pdf_name = final.name
    bulletin.pages = pages
    bulletin.built_at = timezone.now()
    bulletin.build_status = BuildStatus.DONE
    bulletin.build_error = ""
    bulletin.save(
        update_fields=[
            "title",
            "content",
            "pdf_name",
            "pages",
            "built_at",
            "build_status",
            "build_error",
        ]
    )
    if previous is not None and previous != final:
        previous.unlink(missing_ok=True)
    return bulletin
