"""Visit pages (督导记录): the list, a new visit, one visit, the phone scoring form, submitting,
and coverage of schools per term. Docs: docs/inspections.md, "Pages".

Lookups go through ``visits_for`` / ``visit_get_for`` (a principal's other school's visit, or
a draft, is a 404 as one that does not exist); writes through ``inspections.services``. A
``NotAllowed`` is answered 403 with its message; another ``DomainError`` is shown on the page.

The scoring form answers a plain POST with a redirect (or the form with its errors), and the
same POST sent in the background by static/js/visit-draft.js (``X-Requested-With``) with JSON.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bureau import access, idempotency
from bureau.models import Term
from core.errors import DomainError, NotAllowed
from inspections.forms.visits import CoverageForm, VisitFilterForm, VisitNewForm, read_scores
from inspections.models import Visit
from inspections.selectors import (
    pages,
    rectifications_for,
    visit_get_for,
    visit_score,
    with_lateness,
)
from inspections.services import (
    visit_create,
    visit_submit,
    visit_update,
)

PAGE_SIZE = 30


def _ajax(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _changeable(request, pk: int):
    """The visit (404 if not the user's to see), or 403 when the user may not change it."""
    visit = visit_get_for(request.user, pk)
    if not access.can_change_visit(request.user, visit):
        raise PermissionDenied(_("只有该次督导的督导人员、局机关工作人员或管理员可以修改督导记录"))
    return visit


# --- list ----------------------------------------------------------------------------------


@login_required
def visit_list(request):
    user = request.user
    form = VisitFilterForm(
        request.GET or None, schools=access.schools_for(user), principal=access.is_principal(user)
    )
    chosen = form.values()
    page = Paginator(pages.visits_filtered(user, **chosen), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [{"visit": v, "result": visit_score(v)} for v in page]
    return render(
        request,
        "inspections/visit_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "may_record": access.can_record_visits(user),
            "may_see_coverage": access.can_see_coverage(user),
            "active_nav": "inspections",
        },
    )


# --- new -----------------------------------------------------------------------------------


@login_required
def visit_new(request):
    user = request.user
    if not access.can_record_visits(user):
        raise PermissionDenied(_("只有督导员、局机关工作人员或管理员可以记录督导"))
    initial = {"school": request.GET.get("school", "")}
    form = VisitNewForm(
        request.POST or None, initial=initial, schools=access.schools_for(user), user=user
    )
    # A hidden one-time token: a second post of the same form (a double click) opens the
    # visit the first one made instead of making another.
    token = idempotency.form_token_of(request) if request.method == "POST" else ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit, created = idempotency.request_once(
                user=user,
                scope="visit",
                key=token,
                model=Visit,
                create=lambda: visit_create(
                    user=user,
                    school=data["school"],
                    date=data["date"],
                    kind=data["kind"],
                    checklist=data["checklist"],
                    inspectors=list(data["inspectors"]),
                ),
            )
        except NotAllowed as error:
            raise PermissionDenied(error.message) from error
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if created:
                messages.success(request, _("已新建督导记录（草稿），请逐项评分。"))
            else:
                messages.info(request, _("这份表单已经提交过，已打开当时新建的督导记录。"))
            return redirect("inspections:visit_edit", pk=visit.pk)
    return render(
        request,
        "inspections/visit_new.html",
        {
            "form": form,
            "form_token": token or idempotency.new_form_token(),
            "has_checklists": pages.latest_checklists().exists(),
            "active_nav": "inspections",
        },
    )


# --- one visit -----------------------------------------------------------------------------


def rectifications_block(user, visit) -> dict:
    """The context of ``inspections/_visit_rectifications.html``: the visit's tasks as the user
    may see them, each marked overdue or not, and whether the user may set a new one."""
    tasks = rectifications_for(user).filter(visit=visit).order_by("deadline", "pk")
    return {
        "tasks": with_lateness(tasks, timezone.localdate()),
        "may_set_rectifications": access.can_record_visits(user),
    }


@login_required
def visit_detail(request, pk: int):
    visit = visit_get_for(request.user, pk)
    can_change = not visit.locked and access.can_change_visit(request.user, visit)
    return render(
        request,
        "inspections/visit_detail.html",
        {
            "visit": visit,
            **rectifications_block(request.user, visit),
            "groups": pages.visit_groups(visit),
            "result": visit_score(visit),
            "can_change": can_change,
            "draft_key": f"{visit.pk}:{request.user.pk}",
            "active_nav": "inspections",
        },
    )


def _json_errors(message: str, errors: dict, status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"ok": False, "message": message, "errors": {str(k): v for k, v in errors.items()}},
        status=status,
    )


@login_required
def visit_edit(request, pk: int):
    """The scoring form. POST ``action=save`` keeps a draft (partial scores allowed); POST
    ``action=submit`` saves and then submits (refused while an item is unscored)."""
    visit = _changeable(request, pk)
    if visit.locked:
        if request.method == "POST":
            raise PermissionDenied(_("督导记录已提交，不能再修改"))
        messages.info(request, _("督导记录已提交，不能再修改"))
        return redirect("inspections:visit_detail", pk=visit.pk)
    groups = pages.visit_groups(visit)
    errors: dict = {}
    message = ""
    findings = visit.findings
    if request.method == "POST":
        stored = {s.item_id for s in visit.scores.all()}
        scores, errors = read_scores(request.POST, groups, stored=stored)
        findings = request.POST.get("findings", "")
        submitting = request.POST.get("action") == "submit"
        if errors:
            message = _("有 %(n)s 项填写有误，请检查标红的项目。") % {"n": len(errors)}
        else:
            try:
                visit = visit_update(
                    visit=visit, user=request.user, scores=scores, findings=findings
                )
                if submitting:
                    visit = visit_submit(visit=visit, user=request.user)
            except NotAllowed as error:
                raise PermissionDenied(error.message) from error
            except DomainError as error:
                message = error.message
                errors = _unscored_errors(groups, error)
            visit = visit_get_for(request.user, visit.pk)
            if not message:
                return _saved(request, visit, submitted=submitting)
        if _ajax(request):
            return _json_errors(message, errors)
    for row in (r for g in groups for r in g.rows):
        row.error = errors.get(row.item.pk, "")
    return render(
        request,
        "inspections/visit_form.html",
        {
            "visit": visit,
            "groups": groups,
            "errors": errors,
            "message": message,
            "findings": findings,
            "result": visit_score(visit),
            "version": pages.visit_version(visit),
            "draft_key": f"{visit.pk}:{request.user.pk}",
            "n_items": sum(len(g.rows) for g in groups),
            "n_scored": sum(1 for g in groups for r in g.rows if r.scored),
            "active_nav": "inspections",
        },
    )


def _unscored_errors(groups, error: DomainError) -> dict:
    """The items a refused submit names as unscored, by item id, to mark them in the form."""
    if error.code != "unscored":
        return {}
    missing = set(error.details or [])
    return {
        r.item.pk: _("尚未评分")
        for g in groups
        for r in g.rows
        if f"{r.item.group}·{r.item.text}" in missing
    }


def _saved(request, visit, *, submitted: bool):
    result = visit_score(visit)
    if _ajax(request):
        return JsonResponse(
            {
                "ok": True,
                "status": visit.status,
                "version": pages.visit_version(visit),
                "saved_at": timezone.localtime().strftime("%H:%M"),
                "scored": sum(1 for s in visit.scores.all() if s.points is not None),
                "total": result.total,
                "possible": result.possible,
                "percentage": result.percentage,
                "redirect": reverse("inspections:visit_detail", args=[visit.pk])
                if submitted
                else None,
            }
        )
    if submitted:
        messages.success(request, _("督导记录已提交。"))
        return redirect("inspections:visit_detail", pk=visit.pk)
    messages.success(request, _("草稿已保存。"))
    return redirect("inspections:visit_edit", pk=visit.pk)


@login_required
@require_POST
def visit_submit_view(request, pk: int):
    visit = _changeable(request, pk)
    try:
        visit_submit(visit=visit, user=request.user)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("inspections:visit_edit", pk=visit.pk)
    messages.success(request, _("督导记录已提交。"))
    return redirect("inspections:visit_detail", pk=visit.pk)


# --- coverage ------------------------------------------------------------------------------


@login_required
def coverage(request):
    user = request.user
    if not access.can_see_coverage(user):
        raise PermissionDenied(_("督导覆盖情况只对局机关、局领导和督导员开放"))
    schools = access.schools_for(user).filter(active=True)
    townships = list(
        schools.exclude(township="")
        .order_by("township")
        .values_list("township", flat=True)
        .distinct()
    )
    form = CoverageForm(request.GET or None, townships=townships)
    chosen = form.values()
    term = chosen["term"] or Term.current()
    if chosen["stage"]:
        schools = schools.filter(stage=chosen["stage"])
    if chosen["township"]:
        schools = schools.filter(township=chosen["township"])
    if chosen["zone"]:
        schools = schools.filter(zone=chosen["zone"])
    if term is not None and not form.is_bound:
        form = CoverageForm(initial={"term": term}, townships=townships)
    report = pages.coverage(user, term=term, schools=schools) if term else None
    return render(
        request,
        "inspections/coverage.html",
        {
            "form": form,
            "term": term,
            "is_current": term is not None and term == Term.current(),
            "report": report,
            "active_nav": "inspections",
        },
    )
