"""Exams, their statistics and who may upload results."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.translation import gettext as _

from bureau.models import Role

from .roles import ALL_SEEING, MANAGERS, role_of
from .schools import school_named_in
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


#: Who uploads results: managers for any school, a principal for their own.
RESULT_UPLOADERS = MANAGERS | {Role.PRINCIPAL}


def can_upload_somewhere(user) -> bool:
    """Whether the user has upload pages at all: managers, and principals with a school."""
    role = role_of(user)
    return role in MANAGERS or (role == Role.PRINCIPAL and bool(user.school_id))


def can_upload_results(user, school: School) -> bool:
    """Whether the user may upload results for ``school`` (whatever the exam's state)."""
    role = role_of(user)
    if role in MANAGERS:
        return True
    return role == Role.PRINCIPAL and user.school_id == school.pk


def upload_states(user) -> tuple[str, ...]:
    """The exam states in which the user's uploads are accepted: managers while the exam is
    open or closed (late corrections), principals while it is open."""
    from exams.models import ExamState

    role = role_of(user)
    if role in MANAGERS:
        return (ExamState.OPEN, ExamState.CLOSED)
    if role == Role.PRINCIPAL:
        return (ExamState.OPEN,)
    return ()


def can_upload(user, exam, school: School | None = None) -> bool:
    """Whether to offer (and accept) an upload of ``exam`` for ``school`` (any of the user's
    schools when None) now: who, for which school, and when, in one place."""
    if not can_upload_somewhere(user) or exam.state not in upload_states(user):
        return False
    return school is None or can_upload_results(user, school)


def upload_school_get_for(user, code: str) -> School:
    """The school named by a results upload's ``school`` field (page and API). Managers may
    name any school (an unknown code: 400 "学校不存在：CODE"); a principal only their own:
    another school's code and a code of no school both answer 403 "只能上传本校的成绩";
    anyone else 403 "没有上传成绩的权限" whatever the code."""
    role = role_of(user)
    if role in MANAGERS:
        return school_named_in(code, allowed=None, refusal="")
    if role == Role.PRINCIPAL and user.school_id:
        return school_named_in(code, allowed={user.school_id}, refusal=_("只能上传本校的成绩"))
    return school_named_in(code, allowed=set(), refusal=_("没有上传成绩的权限"))


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
