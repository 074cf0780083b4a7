"""Read-side helpers for bureau-wide pages."""

from __future__ import annotations

from django.db.models import Count, Q

from . import access
from .models import Role


def dashboard_for(user) -> dict:
    from schools.models import School, Student, Teacher

    schools = access.schools_for(user).filter(active=True)
    teachers = access.teachers_for(user).filter(active=True)
    students = access.students_for(user)
    role = access.role_of(user)
    figures = [
        {"label": "学校", "value": schools.count(), "url": "schools:list"},
        {"label": "在岗教师", "value": teachers.count(), "url": "schools:teachers"},
    ]
    if role != Role.INSPECTOR or access.student_school_ids(user):
        figures.append({"label": "在籍学生", "value": students.count(), "url": None})
    context = {"figures": figures, "role": role, "school": None}
    if role == Role.PRINCIPAL and user.school_id:
        context["school"] = user.school
    if role in access.ALL_SEEING | {Role.INSPECTOR}:
        from schools.models import Stage

        context["by_stage"] = [
            {**row, "stage_label": Stage(row["stage"]).label}
            for row in School.objects.filter(active=True)
            .values("stage")
            .annotate(n=Count("id"), rural=Count("id", filter=Q(locality="rural")))
            .order_by("stage")
        ]
        context["large_classes"] = (
            Student.objects.values("school_class").annotate(n=Count("id")).filter(n__gt=55).count()
        )
        context["backbone_share"] = _share(
            Teacher.objects.filter(active=True).exclude(backbone="").count(),
            Teacher.objects.filter(active=True).count(),
        )
    return context


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
