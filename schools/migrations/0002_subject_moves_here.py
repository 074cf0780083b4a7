"""Subject moves from exams to schools (teachers teach subjects before any exam examines
them). State only: the table keeps its name, exams_subject, and no row or constraint moves."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("schools", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Subject",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=20, unique=True, verbose_name="学科")),
                        (
                            "order",
                            models.PositiveSmallIntegerField(default=100, verbose_name="排序"),
                        ),
                    ],
                    options={
                        "verbose_name": "学科",
                        "verbose_name_plural": "学科",
                        "db_table": "exams_subject",
                        "ordering": ["order", "name"],
                    },
                ),
                migrations.AlterField(
                    model_name="historicalteacher",
                    name="subject",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="schools.subject",
                        verbose_name="任教学科",
                    ),
                ),
                migrations.AlterField(
                    model_name="teacher",
                    name="subject",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="teachers",
                        to="schools.subject",
                        verbose_name="任教学科",
                    ),
                ),
                migrations.AlterField(
                    model_name="teachingassignment",
                    name="subject",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="schools.subject",
                        verbose_name="学科",
                    ),
                ),
            ],
        ),
    ]
