from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BureauConfig(AppConfig):
    name = "bureau"
    verbose_name = _("教育局")

    def ready(self):
        # Connect the receivers: token revocation, and no-store for access-logged responses.
        from . import privacy, signals  # noqa: F401
