from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BureauConfig(AppConfig):
    name = "bureau"
    verbose_name = _("教育局")

    def ready(self):
        from . import signals  # noqa: F401  (connects the token revocation receivers)
