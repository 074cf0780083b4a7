import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from bureau.audit import audit_actor
from bureau.models import Role
from bureau.services import user_upsert
from core.errors import DomainError


class Command(BaseCommand):
    help = "Creates or updates a user. Password from TIZHI_PASSWORD, or asked for."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--school", help="school code (required for a principal)")
        parser.add_argument("--name", default="", help="full name")

    def handle(self, *args, **options):
        # The audit trail names the command line and the OS user (docs/audit.md).
        with audit_actor():
            return self._handle(*args, **options)

    def _handle(self, *args, username, role, school, name, **options):
        password = os.environ.get("TIZHI_PASSWORD")
        if not password and options.get("interactive", True) and os.isatty(0):
            password = getpass.getpass("密码 / Password: ")
        try:
            user, created = user_upsert(
                username=username,
                role=role,
                school_code=school,
                password=password,
                full_name=name,
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        verb = "created" if created else "updated"
        self.stdout.write(f"{verb} {user.username} ({user.effective_role})")
