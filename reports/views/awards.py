"""The 表彰通报 of a reward scheme as a PDF in the bulletin's look (masthead, red rule,
三线表): the scheme's lines the user may read, grouped by award, amounts after scaling.

Lives in reports (which may read rewards) because it renders with ``reports.rendering.pdf``; the
scheme is looked up through ``access.scheme_get_for`` and only those who may export the
finance list (admins, staff, leaders) get it."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau import access
from reports.rendering.pdf import render_pdf
from rewards.selectors.schemes import scheme_awards, scheme_totals


def notice_pdf(*, user, scheme) -> bytes:
    groups = [
        {"award": a["award"], "lines": [x for x in a["lines"] if not x.excluded and x.amount]}
        for a in scheme_awards(user=user, scheme=scheme)
    ]
    html = render_to_string(
        "reports/pdf/award_notice.html",
        {
            "scheme": scheme,
            "groups": [g for g in groups if g["lines"]],
            "totals": scheme_totals(scheme),
            "bureau_name": settings.TIZHI_BUREAU_NAME,
            "issued_on": timezone.localdate(),
        },
    )
    pdf, _pages = render_pdf(html)
    return pdf


@login_required
def award_notice(request, code):
    user = request.user
    scheme = access.scheme_get_for(user, code)
    if not (access.can_write_schemes(user) or access.can_approve_schemes(user)):
        raise PermissionDenied(_("只有局机关工作人员、局领导或管理员可以导出表彰通报"))
    response = HttpResponse(notice_pdf(user=user, scheme=scheme), content_type="application/pdf")
    name = f"{scheme.name}-表彰通报.pdf"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{scheme.code}-notice.pdf\"; filename*=UTF-8''{quote(name)}"
    )
    return response
