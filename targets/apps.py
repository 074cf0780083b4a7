from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = _("目标管理")

    def ready(self) -> None:
        from exams.signals import stats_computed
        from schools.signals import roster_changed

        from .signals import on_roster_changed, on_stats_computed

        stats_computed.connect(on_stats_computed, dispatch_uid="targets.progress.stats")
        roster_changed.connect(on_roster_changed, dispatch_uid="targets.progress.roster")

        from schools.profile import register_profile_block

        from .selectors.board import school_lines

        # The school's targets of the year with status and trend (目标).
        register_profile_block(
            order=30,
            template="targets/_school_lines.html",
            context=lambda user, school: {
                "target_lines": school_lines(user=user, school=school),
                "target_school": school,
            },
        )
