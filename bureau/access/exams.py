"""Exams, their statistics and who may upload results."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.translation import gettext as _

from bureau.models import Role

from .roles import ALL_SEEING, MANAGERS, role_of
from .students import student_school_ids

if TYPE_CHECKING:
    from schools.models import School


def exams_for(user):
    """Exams the user may see: admins, leaders and staff every exam; inspectors and
    principals every exam except drafts (still being set up by the bureau)."""
    from exams.models import Exam, ExamState

    qs = Exam.objects.all()
    role = role_of(user)
    if role in ALL_SEEING:
        return qs
    if role in (Role.INSPECTOR, Role.PRINCIPAL):
        return qs.exclude(state=ExamState.DRAFT)
    return qs.none()


def exam_get_for(user, code: str):
    exam = exams_for(user).filter(code=code).first()
    if exam is None:
        raise Http404(_("考试不存在"))
    return exam


# --- writes ------------------------------------------------------------------------------


def can_upload_results(user, school: School) -> bool:
    role = role_of(user)
    if role in MANAGERS:
        return True
    return role == Role.PRINCIPAL and user.school_id == school.pk


def can_mark_not_counted(user) -> bool:
    """Marking students of an exam as not counted (不计入统计) on the exam page: the bureau
    (admins and staff); a school does it through the 不计入统计 column of its results sheet."""
    return role_of(user) in MANAGERS


AGGREGATES = ("county", "school")


def exam_stats_school_ids(user, exam, level: str) -> set[int] | None:
    """Schools whose rows of an exam's computed statistics at ``level`` (county, school, class,
    teacher) the user may read; ``None``: every row, the county's included.

    Admins, leaders and staff read everything in every state of the exam. Once the exam is
    published, everyone else reads the county and every school (aggregates), inspectors every
    class and teacher too, principals only their own school's classes and teachers. Before
    publication, inspectors and principals read only the schools whose student rows they may
    see (a principal: their own school), never the county or other schools."""
    from exams.models import ExamState

    role = role_of(user)
    if role in ALL_SEEING:
        return None
    published = exam.state == ExamState.PUBLISHED
    if published and (role == Role.INSPECTOR or (role == Role.PRINCIPAL and level in AGGREGATES)):
        return None
    return student_school_ids(user) or set()
