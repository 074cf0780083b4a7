"""``build_bulletin YYYY-MM [--publish]``: builds that month's bulletin now (in this process)
and prints the PDF's absolute path, and only that, on stdout."""

from __future__ import annotations

import datetime
import re

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from reports.models import BuildStatus
from reports.services.bulletins import bulletin_build, bulletin_pdf_path, bulletin_publish


def parse_month(value: str) -> datetime.date:
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", value or "")
    if not match or not 1 <= int(match[2]) <= 12:
        raise CommandError(
            _("月份格式不正确：%(value)s（应为 YYYY-MM，如 2026-11）") % {"value": value}
        )
    return datetime.date(int(match[1]), int(match[2]), 1)


class Command(BaseCommand):
    help = gettext_lazy("生成某月的简报 PDF 并输出其路径")

    def add_arguments(self, parser):
        parser.add_argument("month", help=gettext_lazy("月份，YYYY-MM"))
        parser.add_argument("--publish", action="store_true", help=gettext_lazy("生成后立即发布"))

    def handle(self, *args, month, publish, **options):
        period = parse_month(month)
        # No time limit here (the Celery task has one): a build of a county month takes
        # seconds; interrupt with Ctrl-C if it ever hangs.
        try:
            bulletin = bulletin_build(period=period)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if bulletin.build_status != BuildStatus.DONE:
            raise CommandError(
                _("简报生成失败：%(error)s") % {"error": bulletin.build_error or "?"}
            )
        if publish:
            try:
                bulletin = bulletin_publish(bulletin=bulletin, user=None)
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        path = bulletin_pdf_path(bulletin)
        if path is None:
            raise CommandError(_("简报的 PDF 文件不存在"))
        self.stdout.write(str(path.resolve()))
