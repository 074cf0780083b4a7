"""One target's page: its settings, allocation with the what-if of each basis, fixing and
releasing quotas, publishing, acknowledgements, progress by school, entered values."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bureau import access
from core.errors import DomainError
from exams.exports import attachment

from ..exports import allocation_workbook
from ..forms import BasisForm, EntryForm, QuotaForm, TargetForm
from ..models import Acknowledgement, IndicatorEntry, Measure
from ..selectors.allocations import allocation_changes, what_if
from ..selectors.board import target_line
from ..selectors.progress import measuring_exams
from ..services.acknowledgements import acknowledgement_create
from ..services.allocations import allocation_set
from ..services.targets import target_create, target_publish, target_update


def _manager(request):
    if not access.can_manage_targets(request.user):
        raise PermissionDenied(_("只有局机关工作人员或管理员可以设定目标"))


@login_required
def target_new(request):
    _manager(request)
    form = TargetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            target = target_create(user=request.user, data=form.service_data())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("目标已保存（草稿）。"))
            return redirect(target)
    return render(request, "targets/target_form.html", {"form": form, "active_nav": "targets"})


def _exam_choice(request, target):
    code = request.GET.get("exam")
    if not code:
        return None
    return access.exams_for(request.user).filter(pk__in=measuring_exams(target), code=code).first()


@login_required
def target_detail(request, code):
    user = request.user
    target = access.target_get_for(user, code)
    manager = access.can_manage_targets(user)
    allowed = access.target_school_ids(user)
    line = target_line(target, user, exam=_exam_choice(request, target), with_trend=True)
    allocations = target.allocations.select_related("school").order_by("school__code")
    if allowed is not None:
        allocations = allocations.filter(school_id__in=allowed)
    alpha = None
    if request.GET.get("alpha"):
        try:
            alpha = min(1.0, max(0.0, float(request.GET["alpha"])))
        except ValueError:
            alpha = None
    what = what_if(target, alpha=alpha) if manager and target.is_count else []
    acknowledged = Acknowledgement.objects.filter(target=target).select_related("school", "by")
    entries = IndicatorEntry.objects.none()
    if target.measure == Measure.ENTERED:
        entries = IndicatorEntry.objects.filter(target=target).select_related(
            "school", "term", "entered_by", "confirmed_by"
        )
        if allowed is not None:
            entries = entries.filter(school_id__in=allowed)
    school = user.school if access.own_school_id(user) else None
    names = dict(target.schools.values_list("pk", "name"))
    codes = dict(target.schools.values_list("pk", "code"))
    context = {
        "target": target,
        "line": line,
        "rows": [
            {**r, "name": names.get(r["school_id"]), "code": codes.get(r["school_id"])}
            for r in line.rows
        ],
        "exams": access.exams_for(user).filter(pk__in=measuring_exams(target)).order_by("-date"),
        "allocations": allocations,
        "changes": allocation_changes(target, allowed)[:50],
        "what_if": what,
        "what_if_schools": [a.school for a in allocations],
        "alpha": alpha if alpha is not None else target.alpha,
        "manager": manager,
        "acknowledged": acknowledged
        if allowed is None
        else acknowledged.filter(school_id__in=allowed),
        "may_acknowledge": school is not None and access.can_acknowledge(user, target, school),
        "has_acknowledged": school is not None and acknowledged.filter(school=school).exists(),
        "entries": entries,
        "entry_form": EntryForm(
            schools=target.schools.all()
            if manager
            else target.schools.filter(pk=access.own_school_id(user) or 0)
        )
        if target.measure == Measure.ENTERED and (manager or school is not None)
        else None,
        "quota_form": QuotaForm(),
        "basis_form": BasisForm(
            initial={
                "basis": target.basis,
                "baseline_exam": target.baseline_exam,
                "alpha": target.alpha,
            }
        ),
        "letter_school": school,
        "active_nav": "targets",
    }
    return render(request, "targets/target_detail.html", context)


@login_required
@require_POST
def target_quota(request, code):
    target = access.target_get_for(request.user, code)
    _manager(request)
    form = QuotaForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("名额必须是不小于0的整数"))
        return redirect(target)
    release = "release" in request.POST
    try:
        allocation_set(
            target=target,
            user=request.user,
            school=form.cleaned_data["school"],
            quota=None if release else form.cleaned_data["quota"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("名额已调整，其余学校已重新分配。"))
    return redirect(target)


@login_required
@require_POST
def target_basis(request, code):
    target = access.target_get_for(request.user, code)
    _manager(request)
    form = BasisForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("分配依据填写有误"))
        return redirect(target)
    data = {"basis": form.cleaned_data["basis"]}
    if form.cleaned_data["baseline_exam"]:
        data["baseline_exam"] = form.cleaned_data["baseline_exam"].code
    if form.cleaned_data["alpha"] is not None:
        data["alpha"] = form.cleaned_data["alpha"]
    try:
        target_update(user=request.user, target=target, data=data)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已按新的分配依据重新分配。"))
    return redirect(target)


@login_required
@require_POST
def target_publish_view(request, code):
    target = access.target_get_for(request.user, code)
    _manager(request)
    try:
        target_publish(user=request.user, target=target)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("目标已下达，各校校长可以查看并签收。"))
    return redirect(target)


@login_required
@require_POST
def target_acknowledge(request, code):
    target = access.target_get_for(request.user, code)
    school = request.user.school if access.own_school_id(request.user) else None
    if school is None or not access.can_acknowledge(request.user, target, school):
        raise PermissionDenied(_("只有本校校长可以签收已下达的目标"))
    try:
        acknowledgement_create(target=target, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已签收。"))
    return redirect(target)


@login_required
def allocation_export(request, code):
    target = access.target_get_for(request.user, code)
    _manager(request)
    return attachment(
        allocation_workbook(target), f"{target.name}名额分配.xlsx", f"{target.code}-allocation.xlsx"
    )
