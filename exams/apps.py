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
