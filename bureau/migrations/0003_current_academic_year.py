"""A fresh install has the current academic year and its two terms from the first migrate
(SPEC §9: the roster's 任课 sheet imports straight away). Later years come from the daily
``bureau.tasks.ensure_academic_year`` job."""

from django.db import migrations
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
    dependencies = [("bureau", "0002_initial")]

    operations = [migrations.RunPython(create_current_year, migrations.RunPython.noop)]
