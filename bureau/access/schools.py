"""Schools, teachers, classes, exchanges, and records about a school's work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from bureau.models import Role

from .roles import ALL_SEEING, is_manager, own_school_id, role_of, sees_all_schools

if TYPE_CHECKING:
    from schools.models import School


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


def school_named_in(code: str, *, allowed: set[int] | None, refusal: str) -> School:
    """The school a request body or query names by ``code``, for an action the user may do
    only for the ``allowed`` schools (None: every school).

    A school outside ``allowed`` and a code of no school get the same answer, ``NotAllowed``
    (403) with ``refusal``, so that the answer never tells whether another school's code
    exists. Only a user allowed every school is told that the code is unknown (400)."""
    from core.errors import DomainError, NotAllowed
    from schools.models import School

    school = School.objects.filter(code=code).first()
    if allowed is not None and (school is None or school.pk not in allowed):
        raise NotAllowed(refusal)
    if school is None:
        raise DomainError(_("学校不存在：%(code)s") % {"code": code})
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
