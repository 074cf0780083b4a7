"""Subject now lives in schools (schools 0002); state only, the table stays exams_subject."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exams", "0004_stats_conventions"),
        ("schools", "0002_subject_moves_here"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name="examsubject",
                    name="subject",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        to="schools.subject",
                        verbose_name="学科",
                    ),
                ),
                migrations.DeleteModel(name="Subject"),
            ],
        ),
    ]
