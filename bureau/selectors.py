"""Read-side helpers for bureau-wide pages."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from . import access
from .models import Role


def dashboard_for(user) -> dict:
    from schools.models import LARGE_CLASS_OVER, School, Student, Teacher
    from schools.selectors import structure_of

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
    context.update(inspections_for_dashboard(user))
    from rewards.selectors.evaluations import classification_summary

    context["school_classes"] = classification_summary(user)
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
            Student.objects.values("school_class")
            .annotate(n=Count("id"))
            .filter(n__gt=LARGE_CLASS_OVER)
            .count()
        )
        context["backbone_share"] = structure_of(Teacher.objects.filter(active=True)).backbone_share
    return context


OVERDUE_SHOWN = 5  # overdue rectifications listed on the dashboards of bureau roles


def inspections_for_dashboard(user) -> dict:
    """The 督导 part of the home page: ``overdue`` (bureau roles: how many rectifications are
    past their deadline and the most overdue few), ``quota`` (principals and inspectors:
    their own observations against their quota this term or year) and ``liaison`` (whether
    the user is liaison of a school: a link to /liaison/)."""
    from django.utils import timezone

    from core.errors import DomainError
    from inspections import selectors as inspections
    from inspections.selectors.liaison import is_liaison

    role = access.role_of(user)
    today = timezone.localdate()
    found: dict = {"overdue": None, "quota": None, "liaison": is_liaison(user)}
    if role in access.ALL_SEEING:
        late = inspections.rectifications_overdue(inspections.rectifications_for(user), True, today)
        top = list(late.select_related("school").order_by("deadline", "pk")[:OVERDUE_SHOWN])
        found["overdue"] = {
            "count": late.count(),
            "top": [
                {"task": t, "days": (today - t.deadline).days, "school": t.school.name} for t in top
            ],
        }
    if role in (Role.PRINCIPAL, Role.INSPECTOR):
        try:
            rows = inspections.observation_compliance(user)
        except DomainError:
            rows = []
        found["quota"] = next((r for r in rows if r["user"] == user.username), None)
    return found


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def todo_for(user) -> list[dict]:
    """What needs doing now: results to upload and rectifications to answer (principals),
    uploads to chase (staff), answered rectifications to verify (inspectors), bulletins to
    read (everyone) and to publish (staff)."""
    from django.urls import reverse

    from exams.models import ExamState, ResultUpload, UploadStatus
    from exams.selectors.entries import stages_for_grade
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
        todo.extend(_rectifications_to_answer(user))
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
    if role == Role.INSPECTOR:
        todo.extend(_rectifications_to_verify(user))
    todo.extend(_bulletins_todo(user))
    return todo


def _bulletins_todo(user) -> list[dict]:
    """Unread published bulletins (everyone); drafts waiting for publication (staff)."""
    from django.urls import reverse

    from reports.models import BulletinStatus
    from reports.selectors import bulletins_for, unread_count

    todo = []
    unread = unread_count(user)
    if unread:
        todo.append(
            {
                "text": _("%(n)d 期简报未读") % {"n": unread},
                "url": reverse("reports:list"),
                "level": "amber",
                "badge": _("简报"),
            }
        )
    if access.is_manager(user):
        drafts = bulletins_for(user).filter(status=BulletinStatus.DRAFT).count()
        if drafts:
            todo.append(
                {
                    "text": _("%(n)d 期简报草稿待审核发布") % {"n": drafts},
                    "url": reverse("reports:list"),
                    "level": "amber",
                    "badge": _("简报"),
                }
            )
    return todo


def _rectifications_to_answer(user) -> list[dict]:
    """The principal's school's open and reopened tasks, the most urgent first."""
    from django.urls import reverse
    from django.utils import timezone

    from inspections.models import RectificationStatus
    from inspections.selectors import rectifications_for

    today = timezone.localdate()
    tasks = (
        rectifications_for(user)
        .filter(
            school_id=user.school_id,
            status__in=[RectificationStatus.OPEN, RectificationStatus.REOPENED],
        )
        .order_by("deadline", "pk")
    )
    todo = []
    for task in tasks:
        late = task.is_overdue(today)
        values = {"title": task.title, "deadline": task.deadline.isoformat()}
        if late:
            values["n"] = (today - task.deadline).days
            text = _("答复整改“%(title)s”（期限 %(deadline)s，已逾期 %(n)d 天）") % values
        elif task.status == RectificationStatus.REOPENED:
            text = _("重新整改“%(title)s”（被退回，期限 %(deadline)s）") % values
        else:
            text = _("答复整改“%(title)s”（期限 %(deadline)s）") % values
        todo.append(
            {
                "text": text,
                "url": reverse("inspections:rectification_detail", args=[task.pk]),
                "level": "red" if late else "amber",
                "badge": _("逾期") if late else _("整改"),
            }
        )
    return todo


def _rectifications_to_verify(user) -> list[dict]:
    """Answered tasks waiting for this inspector: those of visits they were on, and those
    without a visit that they set themselves."""
    from django.urls import reverse

    from inspections.models import RectificationStatus
    from inspections.selectors import rectifications_for

    tasks = (
        rectifications_for(user)
        .filter(status=RectificationStatus.ANSWERED)
        .filter(Q(visit__inspectors=user) | Q(visit__isnull=True, created_by=user))
        .distinct()
        .order_by("deadline", "pk")
    )
    return [
        {
            "text": _("验收整改：%(school)s“%(title)s”")
            % {"school": task.school.name, "title": task.title},
            "url": reverse("inspections:rectification_detail", args=[task.pk]),
            "level": "amber",
            "badge": _("验收"),
        }
        for task in tasks
    ]
