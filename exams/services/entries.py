"""Students not counted (不计入统计), marked one by one on the exam page by the bureau.

A student not counted stays listed with the scores and is left out of every statistic and
rank of the exam (``exams.engine.statistics``; docs/statistics.md). A results sheet with a 不计入统计
column sets the marks of its rows too (``exams.services.results``)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from bureau import access
from core.errors import DomainError, NotAllowed

from ..models import NOT_COUNTED_MAX, Exam, ExamEntry, ExamState
from .stats import stats_request


@transaction.atomic
def entry_set_not_counted(*, exam: Exam, student_number: str, reason: str, user) -> ExamEntry:
    """Marks the student of that number as not counted in the exam, with ``reason`` (blank:
    counted again), and queues the recomputation of the statistics. Not while the exam is
    published: its numbers would change under the readers."""
    if not access.can_mark_not_counted(user):
        raise NotAllowed(_("只有局机关工作人员或管理员可以设置不计入统计的学生"))
    if exam.state == ExamState.PUBLISHED:
        raise DomainError(_("考试成绩已发布；如需更改，请先将考试状态改回“已截止”"))
    reason = " ".join((reason or "").split())
    if len(reason) > NOT_COUNTED_MAX:
        raise DomainError(_("不计入统计的原因太长（最多 %(n)d 个字）") % {"n": NOT_COUNTED_MAX})
    entry = (
        ExamEntry.objects.select_for_update()
        .filter(exam=exam, student__student_number=(student_number or "").strip())
        .first()
    )
    if entry is None:
        raise DomainError(_("本次考试没有学籍号为 %(number)s 的学生") % {"number": student_number})
    if entry.not_counted != reason:
        entry.not_counted = reason
        entry.save(update_fields=["not_counted"])
        stats_request(exam=exam)
    return entry
