"""Pages of the bulletins (简报), docs/bulletins.md.

``/bulletins/`` lists the published bulletins with an unread badge per bulletin, and for admins
and staff also the drafts with their build status and the buttons to build, edit and publish.
``/bulletins/<pk>/`` is the HTML version (readable on a phone), ``/bulletins/<pk>/pdf/`` the
PDF; opening either leaves a read receipt. Everything goes through ``reports.selectors``:
a draft is 404 to everyone but admins and staff; their actions are 403 to the other roles.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bureau import access
from core.errors import DomainError
from reports import selectors
from reports.forms import BuildMonthForm, BulletinForm
from reports.models import BuildStatus, Bulletin, BulletinStatus
from reports.services import bulletins as services

PAGE_SIZE = 24
BUSY = (BuildStatus.QUEUED, BuildStatus.RUNNING)


def _pdf_path(bulletin: Bulletin):
    from reports.services.bulletins import bulletin_pdf_path

    return bulletin_pdf_path(bulletin)


def _sections_context(bulletin: Bulletin) -> dict:
    """What ``reports/_sections.html`` needs: the same as the PDF gets, so that the page and
    the PDF say the same (charts included: the page is read on phones instead of the PDF)."""
    from reports.rendering.context import bulletin_context

    return bulletin_context(bulletin)


def _managed(request, pk) -> Bulletin:
    """A bulletin for an admin's or staff member's action: 403 for the other roles first."""
    access.assert_can(access.is_manager(request.user))
    return selectors.bulletin_get_for(request.user, pk)


def _previous_month():
    first = timezone.localdate().replace(day=1)
    return (first - datetime.timedelta(days=1)).replace(day=1)


@login_required
def bulletin_list(request):
    user = request.user
    visible = selectors.with_read_flag(selectors.bulletins_for(user), user)
    published = visible.filter(status=BulletinStatus.PUBLISHED).select_related("published_by")
    page = Paginator(published, PAGE_SIZE).get_page(request.GET.get("page"))
    manager = access.is_manager(user)
    context = {
        "page": page,
        "unread": selectors.unread_count(user),
        "manager": manager,
        "active_nav": "bulletins",
    }
    if manager:
        context["drafts"] = list(visible.filter(status=BulletinStatus.DRAFT))
        context["busy"] = BUSY
        context["build_form"] = BuildMonthForm(initial={"period": _previous_month()})
    from reports.rendering.sections import (
        masked_titles,  # as ``_sections_context``: loaded when first needed
    )

    page.object_list = masked_titles(page.object_list)
    masked_titles(context.get("drafts", []))
    return render(request, "reports/bulletin_list.html", context)


@login_required
def bulletin_detail(request, pk):
    bulletin = selectors.bulletin_get_for(request.user, pk)
    services.bulletin_mark_read(bulletin=bulletin, user=request.user)
    manager = access.is_manager(request.user)
    context = {
        "bulletin": bulletin,
        "has_pdf": _pdf_path(bulletin) is not None,
        "manager": manager,
        "draft": bulletin.status == BulletinStatus.DRAFT,
        "busy": bulletin.build_status in BUSY,
        "active_nav": "bulletins",
        **_sections_context(bulletin),
    }
    if manager and bulletin.status == BulletinStatus.PUBLISHED:
        context["receipts"] = selectors.bulletin_receipts(bulletin)
    return render(request, "reports/bulletin_detail.html", context)


@login_required
def bulletin_pdf(request, pk):
    bulletin = selectors.bulletin_get_for(request.user, pk)
    pdf = _pdf_path(bulletin)
    if pdf is None:
        raise Http404(_("简报的 PDF 尚未生成"))
    services.bulletin_mark_read(bulletin=bulletin, user=request.user)
    filename = _("简报-%(year)s年第%(number)s期.pdf") % {
        "year": bulletin.year,
        "number": bulletin.number,
    }
    return FileResponse(
        pdf.open("rb"), content_type="application/pdf", as_attachment=False, filename=filename
    )


@login_required
def bulletin_edit(request, pk):
    bulletin = _managed(request, pk)
    if bulletin.status == BulletinStatus.PUBLISHED:
        messages.error(request, _("已发布的简报不能修改"))
        return redirect("reports:detail", pk=bulletin.pk)
    if request.method == "POST":
        form = BulletinForm(request.POST)
        if form.is_valid():
            try:
                services.bulletin_update(bulletin=bulletin, user=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("已保存，简报正在重新生成。"))
                return redirect("reports:detail", pk=bulletin.pk)
    else:
        form = BulletinForm(
            initial={"title": bulletin.title, "news": bulletin.news, "examples": bulletin.examples}
        )
    return render(
        request,
        "reports/bulletin_form.html",
        {"form": form, "bulletin": bulletin, "active_nav": "bulletins"},
    )


@login_required
@require_POST
def bulletin_rebuild(request, pk):
    bulletin = _managed(request, pk)
    try:
        services.bulletin_request_build(bulletin=bulletin, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已开始生成 %(name)s，稍后刷新页面查看。") % {"name": bulletin})
    return redirect("reports:list")


@login_required
@require_POST
def bulletin_build_month(request):
    access.assert_can(access.is_manager(request.user))
    form = BuildMonthForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["period"][0])
        return redirect("reports:list")
    try:
        bulletin = services.bulletin_request_build(
            period=form.cleaned_data["period"], user=request.user
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("已开始生成 %(month)s 简报（%(name)s），稍后刷新页面查看。")
            % {"month": bulletin.period_label, "name": bulletin},
        )
    return redirect("reports:list")


@login_required
@require_POST
def bulletin_publish(request, pk):
    bulletin = _managed(request, pk)
    try:
        services.bulletin_publish(bulletin=bulletin, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s已发布。") % {"name": bulletin})
    return redirect(reverse("reports:detail", args=[bulletin.pk]))
