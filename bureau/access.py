"""Who sees what: the one place that decides (DESIGN.md, "Access in one place").

Every view, API viewset and export takes its querysets from here. A lookup of one object by a
code or id from user input goes through a ``*_get_for`` selector, which raises ``Http404``
both when the object does not exist and when it is not the user's to see, so that the two
answers are indistinguishable.

Roles (DESIGN.md):
- admin and staff see and manage everything; leaders see everything, read-only;
- inspectors see every school's aggregates and teachers, and student rows only of the
  schools they have visited;
- principals see their own school in full and other schools only as county aggregates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .models import Role

if TYPE_CHECKING:
    from schools.models import School


ALL_SEEING = {Role.ADMIN, Role.LEADER, Role.STAFF}
MANAGERS = {Role.ADMIN, Role.STAFF}


def role_of(user) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    return user.effective_role


def is_manager(user) -> bool:
    """Admins and bureau staff: create and change registry, exams, checklists, bulletins."""
    return role_of(user) in MANAGERS


def is_admin(user) -> bool:
    return role_of(user) == Role.ADMIN


def sees_all_schools(user) -> bool:
    """Roles that may open every school's profile (aggregates, teachers, classes)."""
    return role_of(user) in ALL_SEEING | {Role.INSPECTOR}


def own_school_id(user) -> int | None:
    return user.school_id if role_of(user) == Role.PRINCIPAL else None


# --- schools -----------------------------------------------------------------------------


def schools_for(user) -> QuerySet[School]:
    """Schools whose profile the user may open."""
    from schools.models import School

    qs = School.objects.all()
    role = role_of(user)
    if role in ALL_SEEING or role == Role.INSPECTOR:
        return qs
    if role == Role.PRINCIPAL and user.school_id:
        return qs.filter(pk=user.school_id)
    return qs.none()


def school_get_for(user, code: str) -> School:
    school = schools_for(user).filter(code=code).first()
    if school is None:
        raise Http404(_("学校不存在"))
    return school


def can_change_school(user, school: School) -> bool:
    return is_manager(user)


# --- teachers, classes -------------------------------------------------------------------


def teachers_for(user):
    from schools.models import Teacher

    qs = Teacher.objects.all()
    if sees_all_schools(user):
        return qs
    if own_school_id(user):
        return qs.filter(school_id=own_school_id(user))
    return qs.none()


def teacher_get_for(user, staff_number: str):
    teacher = teachers_for(user).filter(staff_number=staff_number).first()
    if teacher is None:
        raise Http404(_("教师不存在"))
    return teacher


def classes_for(user):
    from schools.models import SchoolClass

    qs = SchoolClass.objects.all()
    if sees_all_schools(user):
        return qs
    if own_school_id(user):
        return qs.filter(school_id=own_school_id(user))
    return qs.none()


def exchanges_for(user):
    from django.db.models import Q

    from schools.models import TeacherExchange

    qs = TeacherExchange.objects.all()
    if sees_all_schools(user):
        return qs
    sid = own_school_id(user)
    if sid:
        return qs.filter(Q(from_school_id=sid) | Q(to_school_id=sid))
    return qs.none()


# --- students: personal data of minors ---------------------------------------------------


def visited_school_ids(user) -> set[int]:
    """Schools an inspector has visited (inspections app); their student rows are visible."""
    try:
        from inspections.selectors import school_ids_visited_by
    except ImportError:
        return set()
    return set(school_ids_visited_by(user))


def student_school_ids(user) -> set[int] | None:
    """School ids whose student rows the user may see; ``None`` means every school."""
    role = role_of(user)
    if role in ALL_SEEING:
        return None
    if role == Role.INSPECTOR:
        return visited_school_ids(user)
    if role == Role.PRINCIPAL and user.school_id:
        return {user.school_id}
    return set()


def may_see_students_of(user, school_id: int) -> bool:
    allowed = student_school_ids(user)
    return allowed is None or school_id in allowed


def students_for(user):
    from schools.models import Student

    allowed = student_school_ids(user)
    qs = Student.objects.all()
    return qs if allowed is None else qs.filter(school_id__in=allowed)


def scope_by_school(user, qs: QuerySet, field: str = "school") -> QuerySet:
    """Limits any queryset with a school foreign key to the user's student-level scope."""
    allowed = student_school_ids(user)
    if allowed is None:
        return qs
    return qs.filter(**{f"{field}_id__in": allowed})


def school_records_for(user, qs: QuerySet) -> QuerySet:
    """Limits records about a school's work (visits, rectifications, observations,
    accountability records; ``qs`` has a ``school`` foreign key): bureau roles and inspectors
    see every school's, a principal their own school's, anyone else none."""
    role = role_of(user)
    if role in ALL_SEEING or role == Role.INSPECTOR:
        return qs
    if role == Role.PRINCIPAL and user.school_id:
        return qs.filter(school_id=user.school_id)
    return qs.none()


# --- exams -------------------------------------------------------------------------------


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


def assert_can(allowed: bool) -> None:
    """Raises Http404-free PermissionDenied for actions on objects the user can see."""
    from django.core.exceptions import PermissionDenied

    if not allowed:
        raise PermissionDenied(_("没有权限执行此操作"))


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
