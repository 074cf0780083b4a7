"""Excel tables of targets: the board (county and every school's progress) and a target's
allocation. Built with ``exams.exports.workbook``: every text is a string cell, never a
formula."""

from __future__ import annotations

from django.utils.translation import gettext as _

from exams.exports import INT, MEAN, PCT, TEXT, Column, workbook

from .models import Allocation, AllocationChange, Target
from .selectors.board import STATUS_LABELS, Board


def _label(status):
    return _(STATUS_LABELS[status]) if status else _("尚无数据")


def board_workbook(found: Board) -> bytes:
    names = {s.pk: s for s in found.schools}
    columns = [
        Column("code", _("目标代码"), TEXT),
        Column("name", _("目标"), TEXT),
        Column("exam", _("测量考试"), TEXT),
        Column("school_code", _("学校代码"), TEXT),
        Column("school_name", _("学校"), TEXT),
        Column("target", _("目标值"), MEAN),
        Column("actual", _("实际值"), MEAN),
        Column("attainment", _("达成度"), PCT),
        Column("status", _("状态"), TEXT),
    ]
    rows = []
    for line in found.lines:
        base = {
            "code": line.target.code,
            "name": line.target.name,
            "exam": line.exam.name if line.exam else "",
        }
        for r in [line.county, *line.rows]:
            school = names.get(r["school_id"])
            rows.append(
                {
                    **base,
                    "school_code": school.code if school else "",
                    "school_name": school.name if school else _("全县"),
                    "target": r["target"],
                    "actual": r["actual"],
                    "attainment": r["attainment"],
                    "status": _label(r["status"]),
                }
            )
    title = _("目标看板") + (f" {found.year.name}" if found.year else "")
    return workbook([(title, columns, rows)])


def allocation_workbook(target: Target) -> bytes:
    rows = [
        {
            "code": a.school.code,
            "name": a.school.name,
            "weight": a.weight,
            "share": a.share,
            "quota": a.quota,
            "fixed": _("是") if a.fixed else "",
            "reason": a.reason,
        }
        for a in Allocation.objects.filter(target=target).select_related("school")
    ]
    columns = [
        Column("code", _("学校代码"), TEXT),
        Column("name", _("学校"), TEXT),
        Column("weight", _("权重"), MEAN),
        Column("share", _("应得份额"), MEAN),
        Column("quota", _("名额"), INT),
        Column("fixed", _("固定"), TEXT),
        Column("reason", _("理由"), TEXT),
    ]
    changes = [
        {
            "at": c.at.strftime("%Y-%m-%d %H:%M"),
            "by": str(c.by) if c.by_id else "",
            "school": c.school.code,
            "from": "" if c.from_quota is None else str(c.from_quota),
            "to": c.to_quota,
            "reason": c.reason,
        }
        for c in AllocationChange.objects.filter(target=target).select_related("school", "by")
    ]
    change_columns = [
        Column("at", _("时间"), TEXT),
        Column("by", _("操作人"), TEXT),
        Column("school", _("学校代码"), TEXT),
        Column("from", _("原名额"), TEXT),
        Column("to", _("新名额"), INT),
        Column("reason", _("理由"), TEXT),
    ]
    return workbook([(_("名额分配"), columns, rows), (_("变更记录"), change_columns, changes)])


__all__ = ["allocation_workbook", "board_workbook"]
