"""``manage.py load_demo``: the demo county (SPEC §3, docs/demo.md)."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from demo import SIZES, demo_load
from schools.models import School


class Command(BaseCommand):
    help = _("加载演示县数据（学校、教师、班级、学生、任课、交流轮岗、演示账户等）。")

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help=_("随机种子：同一种子数据相同"))
        parser.add_argument("--size", choices=SIZES, default="county", help=_("规模"))
        when = parser.add_mutually_exclusive_group()
        when.add_argument("--if-empty", action="store_true", help=_("已有学校数据时什么也不做"))
        when.add_argument(
            "--reset", action="store_true", help=_("先删除现有学校数据与演示账户，再加载")
        )

    def handle(self, *args, seed, size, if_empty, reset, **options):
        if School.objects.exists():
            if if_empty:
                self.stdout.write(_("已有学校数据，未加载演示数据（--if-empty）。"))
                call_command("demo_logins", stdout=self.stdout)
                return
            if not reset:
                raise CommandError(
                    _(
                        "数据库中已有学校数据，未加载演示数据。"
                        "要删除现有数据后重新加载请加 --reset；只在空库时加载请用 --if-empty。"
                    )
                )
        started = time.perf_counter()
        self.stdout.write(
            _("加载演示县：规模 %(size)s，种子 %(seed)s") % {"size": size, "seed": seed}
        )
        try:
            demo_load(seed=seed, size=size, reset=reset, log=self.stdout.write)
        except (ProtectedError, RestrictedError) as exc:
            blocking = getattr(exc, "protected_objects", None) or exc.restricted_objects
            kinds = "、".join(sorted({str(obj._meta.verbose_name) for obj in blocking}))
            raise CommandError(
                _("无法删除现有数据：仍有%(kinds)s引用它们。") % {"kinds": kinds}
            ) from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(_("演示数据加载完成，用时 %.1f 秒。") % elapsed))
        call_command("demo_logins", stdout=self.stdout)
