from django.conf import settings
from django.core.management.base import BaseCommand

from bureau.models import User

DEMO_USERNAMES = ["admin", "leader", "staff", "inspector", "principal"]


class Command(BaseCommand):
    help = "Prints the demo logins (after load_demo)."

    def handle(self, *args, **options):
        users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES)}
        if not users:
            self.stdout.write("尚无演示账户：请先运行 python manage.py load_demo")
            return
        self.stdout.write("")
        self.stdout.write("提质 Tizhi — http://127.0.0.1:8000   演示账户 (demo logins):")
        for name in DEMO_USERNAMES:
            user = users.get(name)
            if user:
                where = f" · {user.school.name}" if user.school_id else ""
                role = user.get_effective_role_display()
                self.stdout.write(f"  {name:<10} / {settings.TIZHI_DEMO_PASSWORD}   {role}{where}")
        self.stdout.write("")
