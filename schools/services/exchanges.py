"""Writes of teacher exchanges (交流轮岗)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from bureau import access
from core.errors import DomainError
from schools.models import School, Teacher, TeacherExchange


@transaction.atomic
def exchange_create(
    *,
    teacher: Teacher,
    to_school: School,
    start: datetime.date,
    end: datetime.date | None,
    backbone: bool | None = None,
    note: str = "",
    user,
) -> TeacherExchange:
    """Sends ``teacher`` from their school to ``to_school`` for [start, end] (no end: until
    further notice). ``backbone`` None takes the teacher's own backbone level."""
    access.assert_can(access.is_manager(user))
    # Lock the teacher's row so that two simultaneous requests cannot both pass the overlap
    # check below.
    teacher = Teacher.objects.select_for_update().select_related("school").get(pk=teacher.pk)
    if not teacher.active:
        raise DomainError(
            _("教师%(name)s（%(number)s）不在岗，不能安排交流。")
            % {"name": teacher.name, "number": teacher.staff_number}
        )
    if to_school.pk == teacher.school_id:
        raise DomainError(_("接收学校不能是教师所在的派出学校。"))
    if not to_school.active:
        raise DomainError(_("接收学校%(name)s已停办。") % {"name": to_school.name})
    if end is not None and end < start:
        raise DomainError(_("结束日期不能早于开始日期。"))
    overlapping = teacher.exchanges.filter(Q(end__isnull=True) | Q(end__gte=start))
    if end is not None:
        overlapping = overlapping.filter(start__lte=end)
    clash = overlapping.select_related("to_school").order_by("start").first()
    if clash is not None:
        raise DomainError(
            _("该教师已有交流安排（%(school)s，%(start)s至%(end)s），时间不能重叠。")
            % {
                "school": clash.to_school.name,
                "start": clash.start.isoformat(),
                "end": clash.end.isoformat() if clash.end else _("未定"),
            }
        )
    exchange = TeacherExchange(
        teacher=teacher,
        from_school=teacher.school,
        to_school=to_school,
        start=start,
        end=end,
        backbone=bool(teacher.backbone) if backbone is None else backbone,
        note=note.strip(),
    )
    exchange.full_clean()
    exchange.save()
    return exchange
