"""A fresh install has the current academic year and its two terms from the first migrate
(SPEC §9: the roster's 任课 sheet imports straight away; later years come from the daily
``bureau.tasks.ensure_academic_year`` job). And the one-time keys of create requests
(``bureau.idempotency``)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def create_current_year(apps, schema_editor):
    from bureau.school_year import ensure_year, start_year_of

    AcademicYear = apps.get_model("bureau", "AcademicYear")
    Term = apps.get_model("bureau", "Term")
    today = timezone.localdate()
    if AcademicYear.objects.filter(start__lte=today, end__gte=today).exists():
        return
    ensure_year(AcademicYear, Term, start_year_of(today))


class Migration(migrations.Migration):
    dependencies = [
        ("bureau", "0004_access_log_exam"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(create_current_year, migrations.RunPython.noop),
        migrations.CreateModel(
            name="RequestKey",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("scope", models.CharField(max_length=40)),
                ("key", models.CharField(max_length=100)),
                ("fingerprint", models.CharField(blank=True, max_length=64)),
                ("object_id", models.PositiveBigIntegerField(blank=True, null=True)),
                ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("user", "scope", "key"), name="request_key_unique")],
            },
        ),
    ]
