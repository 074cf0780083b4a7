"""The county's default observation quotas: principals 50 lessons a term, inspectors 80 a
year (editable in the admin afterwards)."""

from django.db import migrations

DEFAULTS = [("principal", "term", 50), ("inspector", "year", 80)]


def add_defaults(apps, schema_editor):
    ObservationQuota = apps.get_model("inspections", "ObservationQuota")
    for role, per, quota in DEFAULTS:
        ObservationQuota.objects.get_or_create(role=role, defaults={"per": per, "quota": quota})


def remove_defaults(apps, schema_editor):
    ObservationQuota = apps.get_model("inspections", "ObservationQuota")
    for role, per, quota in DEFAULTS:
        ObservationQuota.objects.filter(role=role, per=per, quota=quota).delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0003_observations")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
