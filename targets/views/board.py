"""/targets/: the year's board for bureau roles (every target, county actual against target,
red/amber/green per school, heat map, trend), a principal's own targets; its Excel export;
a school's targets (a board row opened)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from bureau import access
from exams.exports import attachment

from ..exports import board_workbook
from ..selectors.board import board, school_lines


@login_required
def board_page(request):
    user = request.user
    found = board(user=user, year_name=request.GET.get("year"))
    return render(
        request,
        "targets/board.html",
        {
            "board": found,
            "heat": found.heat,
            "trends": {line.target.code: line.trend for line in found.lines},
            "county_view": access.can_see_board(user),
            "manager": access.can_manage_targets(user),
            "active_nav": "targets",
        },
    )


@login_required
def board_export(request):
    if not access.can_see_board(request.user):
        raise PermissionDenied(_("只有局机关、局领导和督导人员可以导出目标看板"))
    found = board(user=request.user, year_name=request.GET.get("year"), with_trend=False)
    name = _("目标看板") + (f"{found.year.name}" if found.year else "")
    return attachment(board_workbook(found), f"{name}.xlsx", "targets-board.xlsx")


@login_required
def school_targets(request, school_code):
    school = access.school_get_for(request.user, school_code)
    lines = school_lines(user=request.user, school=school)
    return render(
        request,
        "targets/school.html",
        {"school": school, "lines": lines, "active_nav": "targets"},
    )
