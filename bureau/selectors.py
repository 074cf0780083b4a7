"""Read-side helpers for bureau-wide pages."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from . import access
from .models import Role


def dashboard_for(user) -> dict:
    from schools.models import School, Student, Teacher

    schools = access.schools_for(user).filter(active=True)
    teachers = access.teachers_for(user).filter(active=True)
    students = access.students_for(user)
    role = access.role_of(user)
    figures = [
        {"label": _("学校"), "value": schools.count(), "url": "schools:list"},
        {"label": _("在岗教师"), "value": teachers.count(), "url": "schools:teachers"},
    ]
    if role != Role.INSPECTOR or access.student_school_ids(user):
        figures.append({"label": _("在籍学生"), "value": students.count(), "url": None})
    context = {"figures": figures, "role": role, "school": None, "todo": todo_for(user)}
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


def todo_for(user) -> list[dict]:
    """What needs doing now: results to upload (principals), uploads to chase (staff)."""
    from django.urls import reverse

    from exams.models import ExamState, ResultUpload, UploadStatus
    from exams.selectors import stages_for_grade
    from schools.models import School

    todo = []
    open_exams = access.exams_for(user).filter(state=ExamState.OPEN).order_by("date")
    role = access.role_of(user)
    if role == Role.PRINCIPAL and user.school_id:
        stage = user.school.stage
        done = set(
            ResultUpload.objects.filter(
                school_id=user.school_id, status=UploadStatus.COMMITTED
            ).values_list("exam_id", flat=True)
        )
        for exam in open_exams:
            if stage in stages_for_grade(exam.grade) and exam.pk not in done:
                todo.append(
                    {
                        "text": _("上传《%(exam)s》成绩") % {"exam": exam.name},
                        "url": reverse("exams:upload", args=[exam.code]),
                        "level": "amber",
                    }
                )
    elif access.is_manager(user):
        for exam in open_exams:
            expected = School.objects.filter(active=True, stage__in=stages_for_grade(exam.grade))
            uploaded = (
                ResultUpload.objects.filter(exam=exam, status=UploadStatus.COMMITTED)
                .exclude(school=None)
                .values("school")
                .distinct()
                .count()
            )
            missing = max(0, expected.count() - uploaded)
            if missing:
                todo.append(
                    {
                        "text": _("《%(exam)s》尚有 %(n)d 所学校未上传成绩")
                        % {"exam": exam.name, "n": missing},
                        "url": reverse("exams:progress", args=[exam.code]),
                        "level": "red" if missing > 3 else "amber",
                    }
                )
    return todo
