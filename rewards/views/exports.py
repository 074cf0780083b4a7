"""The finance list of a scheme (.xlsx): recipient, school, amount, reason, approver — no
bank or personal columns; every text cell a string, never a formula."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from bureau import access
from exams.exports import INT, TEXT, Column, export_response

from ..selectors.evaluations import LISTS, evaluation_rows, year_get
from ..selectors.schemes import line_rows

FINANCE_COLUMNS = [
    Column("award", _l("奖项"), TEXT),
    Column("recipient", _l("获奖对象"), TEXT),
    Column("school_name", _l("学校"), TEXT),
    Column("amount", _l("金额（元）"), INT),
    Column("reason", _l("事由"), TEXT),
    Column("approver", _l("批准人"), TEXT),
]


@login_required
def scheme_export(request, code):
    user = request.user
    scheme = access.scheme_get_for(user, code)
    if not (access.can_write_schemes(user) or access.can_approve_schemes(user)):
        raise PermissionDenied(_("只有局机关工作人员、局领导或管理员可以导出发放名单"))
    approver = ""
    if scheme.approved_by:
        approver = str(scheme.approved_by)
    rows = [
        dict(r, approver=approver)
        for r in line_rows(user=user, scheme=scheme)
        if not r["excluded"] and r["amount"] > 0
    ]
    return export_response(
        title=_("奖励发放名单"),
        columns=FINANCE_COLUMNS,
        rows=rows,
        filename=f"{scheme.name}-发放名单.xlsx",
        ascii_name=f"{scheme.code}-awards",
    )


EVALUATION_COLUMNS = [
    Column("teacher", _l("工号"), TEXT),
    Column("teacher_name", _l("教师"), TEXT),
    Column("school_name", _l("学校"), TEXT),
    Column("subject", _l("学科"), TEXT),
    Column("exam", _l("考试"), TEXT),
    Column("rank", _l("名次"), INT),
    Column("of", _l("共"), INT),
    Column("value", _l("综合指数"), "index"),
    Column("reason", _l("说明"), TEXT),
]


@login_required
def evaluation_export(request):
    user = request.user
    if not access.can_read_evaluations(user):
        raise PermissionDenied(_("没有权限查看考核名单"))
    from django.http import Http404

    from core.errors import DomainError

    try:
        year = year_get(request.GET.get("year"))
        name = request.GET.get("list") or "bottom_half"
        if name not in LISTS:
            raise Http404
        rows = evaluation_rows(user=user, year=year, name=name, school=request.GET.get("school"))
    except DomainError as exc:
        raise Http404(exc.message) from exc
    columns = EVALUATION_COLUMNS
    if name in ("last_place", "classification"):
        columns = [c for c in EVALUATION_COLUMNS if c.key not in ("teacher", "teacher_name")]
    if name == "classification":
        columns = [
            Column("school_name", _l("学校"), TEXT),
            Column("class", _l("类别"), TEXT),
            Column("value", _l("综合指数均值"), "index"),
            Column("reason", _l("说明"), TEXT),
        ]
    return export_response(
        title=_("考核名单"),
        columns=columns,
        rows=rows,
        filename=f"{year.name}-考核名单-{name}.xlsx",
        ascii_name=f"{year.name}-evaluation-{name}",
    )
