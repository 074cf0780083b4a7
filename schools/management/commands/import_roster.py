"""``import_roster FILE [--dry-run]``: the roster workbook (SPEC §2, docs/roster.md).

Prints the JSON summary. With errors nothing is stored and the command fails with exit
status 1 (``CommandError``, so ``call_command`` raises it)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bureau.audit import audit_actor
from core.errors import DomainError
from core.spreadsheets import max_upload_bytes
from schools.services.roster import roster_import


class Command(BaseCommand):
    help = "导入名册工作簿（学校、教师、班级、任课），输出 JSON 摘要"

    def add_arguments(self, parser):
        parser.add_argument("file", help="名册文件（.xlsx、.xls 或 .csv）")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args, **options):
        # The audit trail names the command line and the OS user (docs/audit.md).
        with audit_actor():
            return self._handle(*args, **options)

    def _handle(self, *args, file, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        cap = max_upload_bytes()
        if path.stat().st_size > cap:
            raise CommandError(f"文件太大：不能超过 {cap / 1024 / 1024:g} MB")
        try:
            # user=None: the command line acts as the system.
            result = roster_import(
                data=path.read_bytes(), name=path.name, user=None, dry_run=dry_run
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        if result.errors:
            raise CommandError(f"名册有 {len(result.errors)} 个错误，未导入", returncode=1)
