"""Recording accountability (问责): a warning (亮红灯) or an interview (约谈) of a school or of a
person at it, with the visits and exams that gave cause (docs/accountability-demo.md).

Only admins and bureau staff record them. The linked visits must be submitted visits of the
same school that the user can see; the linked exams must exist and be visible to the user."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau import access
from core.errors import DomainError, NotAllowed
from inspections import selectors
from inspections.models import AccountabilityKind, AccountabilityRecord, Visit, VisitStatus
from schools.models import School


def _check_visits(user, school: School, visits: Iterable[Visit]) -> list[Visit]:
    chosen = list(dict.fromkeys(visits or ()))
    visible = set(
        selectors.visits_for(user)
        .filter(pk__in=[v.pk for v in chosen])
        .values_list("pk", flat=True)
    )
    for visit in chosen:
        if visit.pk not in visible:
            raise DomainError(_("督导记录不存在：%(id)s") % {"id": visit.pk})
        if visit.school_id != school.pk:
            raise DomainError(
                _("督导记录 %(id)s 不是%(school)s的，不能作为问责依据")
                % {"id": visit.pk, "school": school.name}
            )
        if visit.status != VisitStatus.SUBMITTED:
            raise DomainError(_("督导记录 %(id)s 尚未提交，不能作为问责依据") % {"id": visit.pk})
    return chosen


def _check_exams(user, exams) -> list:
    chosen = list(dict.fromkeys(exams or ()))
    visible = set(
        access.exams_for(user).filter(pk__in=[e.pk for e in chosen]).values_list("pk", flat=True)
    )
    missing = [str(e.code) for e in chosen if e.pk not in visible]
    if missing:
        raise DomainError(_("考试不存在：%(codes)s") % {"codes": "、".join(missing)})
    return chosen


@transaction.atomic
def accountability_create(
    *,
    kind: str,
    school: School,
    person: str = "",
    date: datetime.date,
    reason: str,
    visits: Iterable[Visit] = (),
    exams: Iterable = (),
    user,
) -> AccountabilityRecord:
    """Records a warning or an interview; ``person`` blank means the school itself."""
    if not access.can_record_accountability(user):
        raise NotAllowed(_("只有局机关工作人员或管理员可以记录问责"))
    if kind not in AccountabilityKind.values:
        raise DomainError(
            _("问责类型只能是 %(kinds)s") % {"kinds": "、".join(AccountabilityKind.values)}
        )
    if school is None:
        raise DomainError(_("请选择学校"))
    if date is None:
        raise DomainError(_("请填写问责日期"))
    if date > timezone.localdate():
        raise DomainError(_("问责日期不能晚于今天"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写问责事由"))
    person = (person or "").strip()
    if len(person) > 100:
        raise DomainError(_("问责对象不能超过 100 个字"))
    linked_visits = _check_visits(user, school, visits)
    linked_exams = _check_exams(user, exams)
    record = AccountabilityRecord.objects.create(
        kind=kind, school=school, person=person, date=date, reason=reason, created_by=user
    )
    record.visits.set(linked_visits)
    record.exams.set(linked_exams)
    return record
