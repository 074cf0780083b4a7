"""``compute_stats EXAM_CODE``: recomputes an exam's statistics and ranks now (SPEC §3), in
this process, through the same service as the background job."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.models import Exam, StudentResult, UnitStat
from exams.services.stats import stats_compute, stats_mark_running


class Command(BaseCommand):
    help = gettext_lazy("立即重新计算一次考试的统计与排名")

    def add_arguments(self, parser):
        parser.add_argument("exam", help=_("考试代码"))

    def handle(self, *args, exam, **options):
        found = Exam.objects.filter(code=exam).first()
        if found is None:
            raise CommandError(_("考试不存在：%(code)s") % {"code": exam})
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
