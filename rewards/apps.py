from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "rewards"
    verbose_name = _("奖励与问责")

    def ready(self) -> None:
        from exams.signals import stats_computed

        from .receivers import exam_stats_changed

        stats_computed.connect(exam_stats_changed, dispatch_uid="rewards.exam_stats_changed")
