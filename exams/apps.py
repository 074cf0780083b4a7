from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("考试与成绩")

    def ready(self) -> None:
        from schools.profile import register_profile_block

        from .selectors.pages import school_trend

        # The school's total rank and composite across published exams.
        register_profile_block(
            order=20,
            template="exams/_school_trend.html",
            context=lambda user, school: {"trend": school_trend(school=school)},
        )

        from bureau.audit import audit_register

        from .models import Exam, ExamSubject

        # Statistics bookkeeping changes with every run: a run is one batch entry instead.
        stats = ("stats_status", "stats_updated_at", "stats_error")
        audit_register(Exam, name="exam", code="code", exclude=stats)
        audit_register(ExamSubject, name="exam_subject")
