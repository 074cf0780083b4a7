"""Reward scheme pages: ``/rewards/`` (list), ``/rewards/new/``, ``/rewards/<code>/`` (the
what-if: every award's winners and amounts, the total against the budget, before and after
scaling; actions by role), a line's adjustment, and the finance export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bureau import access
from core.errors import DomainError

from ..forms import AdjustForm, AwardForm, SchemeForm
from ..models import Award, AwardLine, ComputeStatus, SchemeStatus
from ..selectors.schemes import adjustments_of, scheme_awards, scheme_totals
from ..services.lines import line_adjust
from ..services.schemes import (
    award_add,
    award_delete,
    scheme_approve,
    scheme_compute_request,
    scheme_create,
    scheme_publish,
)


@login_required
def scheme_list(request):
    return render(
        request,
        "rewards/scheme_list.html",
        {
            "schemes": access.schemes_for(request.user),
            "may_write": access.can_write_schemes(request.user),
            "active_nav": "rewards",
        },
    )


@login_required
def scheme_new(request):
    if not access.can_write_schemes(request.user):
        raise PermissionDenied(_("只有局机关工作人员或管理员可以编制奖励方案"))
    form = SchemeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            scheme = scheme_create(data=dict(form.cleaned_data), user=request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect(scheme)
    return render(request, "rewards/scheme_form.html", {"form": form, "active_nav": "rewards"})


@login_required
def scheme_detail(request, code):
    user = request.user
    scheme = access.scheme_get_for(user, code)
    award_form = AwardForm(request.POST or None)
    may_write = access.can_write_schemes(user)
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied(_("只有局机关工作人员或管理员可以编制奖励方案"))
        if award_form.is_valid():
            try:
                award_add(scheme=scheme, data=award_form.as_award(), user=user)
            except DomainError as exc:
                award_form.add_error(None, exc.message)
            else:
                messages.success(request, _("已添加奖项，请重新计算"))
                return redirect(scheme)
    running = scheme.compute_status in (ComputeStatus.QUEUED, ComputeStatus.RUNNING)
    return render(
        request,
        "rewards/scheme_detail.html",
        {
            "scheme": scheme,
            "awards": scheme_awards(user=user, scheme=scheme),
            "totals": scheme_totals(scheme),
            "adjustments": adjustments_of(scheme)
            if may_write or access.is_manager(user) or access.can_approve_schemes(user)
            else [],
            "award_form": award_form,
            "may_write": may_write and not scheme.locked,
            "may_adjust": may_write and scheme.status == SchemeStatus.COMPUTED,
            "may_approve": access.can_approve_schemes(user)
            and scheme.status == SchemeStatus.COMPUTED,
            "may_publish": may_write and scheme.status == SchemeStatus.APPROVED,
            "may_export": may_write or access.can_approve_schemes(user),
            "running": running,
            "active_nav": "rewards",
        },
    )


def _act(request, code, service, done: str):
    scheme = access.scheme_get_for(request.user, code)
    try:
        service(scheme=scheme, user=request.user)
    except DomainError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(scheme)


@login_required
@require_POST
def scheme_compute(request, code):
    return _act(request, code, scheme_compute_request, _("已排队计算"))


@login_required
@require_POST
def scheme_approve_view(request, code):
    return _act(request, code, scheme_approve, _("方案已批准"))


@login_required
@require_POST
def scheme_publish_view(request, code):
    return _act(request, code, scheme_publish, _("方案已发布"))


@login_required
@require_POST
def award_delete_view(request, code, award_id):
    scheme = access.scheme_get_for(request.user, code)
    if not access.can_write_schemes(request.user):
        raise PermissionDenied(_("只有局机关工作人员或管理员可以编制奖励方案"))
    award = get_object_or_404(Award, scheme=scheme, pk=award_id)
    try:
        award_delete(award=award, user=request.user)
    except DomainError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    return redirect(scheme)


@login_required
def line_adjust_view(request, code, line_id):
    scheme = access.scheme_get_for(request.user, code)
    if not access.can_write_schemes(request.user):
        raise PermissionDenied(_("只有局机关工作人员或管理员可以调整获奖金额"))
    line = get_object_or_404(
        AwardLine.objects.select_related("award"), award__scheme=scheme, pk=line_id
    )
    form = AdjustForm(request.POST or None, initial={"amount": line.base_amount})
    if request.method == "POST" and form.is_valid():
        try:
            line_adjust(
                line=line,
                user=request.user,
                reason=form.cleaned_data["reason"],
                amount=form.cleaned_data["amount"],
                excluded=form.cleaned_data["excluded"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已调整"))
            return redirect(scheme)
    return render(
        request,
        "rewards/line_adjust.html",
        {"scheme": scheme, "line": line, "form": form, "active_nav": "rewards"},
    )
