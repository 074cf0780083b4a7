"""``compute_stats EXAM_CODE``: recomputes an exam's statistics and ranks now (SPEC §3), in
this process, through the same service as the background job.

``compute_stats --all`` does it for every exam that has results, one after another: the
recompute job to run after an upgrade that adds figures to the stored statistics (standard
scores, 校内超均率, 全科及格率, see docs/operations.md). An exam that fails is reported and the
others go on; the exit status is 1 when any failed."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bureau.audit import audit_actor
from exams.models import Exam, ExamEntry, StudentResult, UnitStat
from exams.services.stats import stats_compute, stats_mark_running


class Command(BaseCommand):
    help = gettext_lazy("立即重新计算一次考试（或 --all：所有有成绩的考试）的统计与排名")

    def add_arguments(self, parser):
        parser.add_argument("exam", nargs="?", help=_("考试代码"))
        parser.add_argument(
            "--all", action="store_true", dest="every", help=_("重新计算所有有成绩的考试")
        )

    def handle(self, *args, **options):
        # The audit trail names the command line and the OS user (docs/audit.md).
        with audit_actor():
            return self._handle(*args, **options)

    def _handle(self, *args, exam=None, every=False, **options):
        if every == bool(exam):
            raise CommandError(_("请给出一个考试代码，或使用 --all"))
        if exam:
            found = Exam.objects.filter(code=exam).first()
            if found is None:
                raise CommandError(_("考试不存在：%(code)s") % {"code": exam})
            self._compute(found)
            return
        exams = Exam.objects.filter(pk__in=ExamEntry.objects.values("exam").distinct()).order_by(
            "date", "code"
        )
        failed = []
        for found in exams:
            try:
                self._compute(found)
            except CommandError as exc:
                self.stderr.write(f"{found.code}: {exc}")
                failed.append(found.code)
        if failed:
            raise CommandError(
                _("%(n)d 次考试统计计算失败：%(codes)s")
                % {"n": len(failed), "codes": "、".join(failed)}
            )

    def _compute(self, found: Exam) -> None:
        stats_mark_running(exam_id=found.pk)
        started = time.perf_counter()
        try:
            stats_compute(exam_id=found.pk)
        except Exception as exc:
            raise CommandError(
                _("统计计算失败：%(error)s") % {"error": f"{type(exc).__name__}: {exc}"}
            ) from exc
        seconds = time.perf_counter() - started
        units = UnitStat.objects.filter(exam=found).count()
        students = StudentResult.objects.filter(exam=found).count()
        self.stdout.write(
            _(
                "已重新计算 %(code)s：%(units)d 个统计单元，%(students)d 名学生，用时 %(seconds).1f 秒"
            )
            % {"code": found.code, "units": units, "students": students, "seconds": seconds}
        )
