from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BureauConfig(AppConfig):
    name = "bureau"
    verbose_name = _("教育局")

    def ready(self):
        # Connect the receivers: token revocation, and no-store for access-logged responses.
        from . import privacy, signals  # noqa: F401
        from .audit import audit_register
        from .models import User

        # Roles and schools of users; a password change shows masked, login times not at all.
        audit_register(User, name="user", code="username")
