"""``import_results EXAM_CODE FILE [--school CODE] [--dry-run]``: a results sheet (SPEC §2,
§3, docs/results-import.md).

Runs as the system (any school, any state of the exam). Without ``--school`` the file must
have a 学校代码 (or 学校) column. Prints the JSON summary; with errors nothing is stored and
the command fails with exit status 1 (``CommandError``, so ``call_command`` raises it)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bureau.audit import audit_actor
from core.errors import DomainError
from core.spreadsheets import max_upload_bytes
from exams.models import Exam
from exams.services.results import results_import
from schools.models import School


class Command(BaseCommand):
    help = "导入一次考试的成绩表，输出 JSON 摘要"

    def add_arguments(self, parser):
        parser.add_argument("exam", help="考试代码")
        parser.add_argument("file", help="成绩文件（.xlsx、.xls 或 .csv）")
        parser.add_argument("--school", help="学校代码；省略时文件须有“学校代码”列")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args, **options):
        # The audit trail names the command line and the OS user (docs/audit.md).
        with audit_actor():
            return self._handle(*args, **options)

    def _handle(self, *args, exam, file, school, dry_run, **options):
        found = Exam.objects.filter(code=exam).first()
        if found is None:
            raise CommandError(f"考试不存在：{exam}")
        target = None
        if school:
            target = School.objects.filter(code=school).first()
            if target is None:
                raise CommandError(f"学校不存在：{school}")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"文件不存在：{file}")
        cap = max_upload_bytes()
        if path.stat().st_size > cap:
            raise CommandError(f"文件太大：不能超过 {cap / 1024 / 1024:g} MB")
        try:
            # user=None: the command line acts as the system.
            result = results_import(
                exam=found,
                data=path.read_bytes(),
                file_name=path.name,
                user=None,
                school=target,
                dry_run=dry_run,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        if result["errors"]:
            raise CommandError(f"成绩表有 {len(result['errors'])} 个错误，未导入", returncode=1)
