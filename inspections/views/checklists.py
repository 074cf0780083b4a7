"""Checklist pages (检查表): everyone signed in reads them; admins and staff build and revise
them in the browser (403 for others).

``/inspections/checklists/`` lists the latest version of each family, older versions folded
under it; ``/inspections/checklists/<pk>/`` shows one version's items by group;
``/inspections/checklists/new/`` and ``/inspections/checklists/<pk>/revise/`` hand one form to
``checklist_create`` / ``checklist_revise`` (a frozen checklist gets a new version).
Docs: docs/accountability-demo.md."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from bureau import access
from core.errors import DomainError
from inspections import selectors, services
from inspections.forms.checklists import (
    NEW_ROWS,
    SPARE_ROWS,
    ChecklistForm,
    ItemFormSet,
    ItemRowForm,
    items_of,
)
from inspections.models import ChecklistTemplate, ItemKind
from inspections.scoring import ordered_levels

PREFIX = "items"
GROUP_SUGGESTIONS = ("备课", "上课", "作业", "辅导", "评价", "管理", "安全")


def _summary(template: ChecklistTemplate) -> dict:
    """Item count and the most a visit can score (Σ max_points × weight)."""
    items = list(template.items.all())
    return {
        "template": template,
        "items": len(items),
        "possible": sum(i.max_points * i.weight for i in items),
    }


def checklist_families(qs) -> list[dict]:
    """One entry per family: its latest version and the older ones, newest first; families
    ordered by the latest version's name."""
    families: dict = defaultdict(list)
    for template in qs.order_by("-version", "pk"):
        families[template.family].append(template)
    rows = [
        {"latest": _summary(versions[0]), "older": [_summary(t) for t in versions[1:]]}
        for versions in families.values()
    ]
    return sorted(rows, key=lambda r: (r["latest"]["template"].name, r["latest"]["template"].pk))


@login_required
def checklist_list(request):
    qs = selectors.checklists_for(request.user)
    return render(
        request,
        "inspections/checklist_list.html",
        {
            "families": checklist_families(qs),
            "manager": access.is_manager(request.user),
            "active_nav": "inspections",
        },
    )


def _groups(template: ChecklistTemplate) -> list[dict]:
    """Items by group, in the order their groups first appear."""
    groups: dict[str, list] = {}
    for item in template.items.all():
        levels = (
            [(name, item.levels[name]) for name in ordered_levels(item.levels)]
            if item.kind == ItemKind.LEVEL
            else []
        )
        groups.setdefault(item.group, []).append({"item": item, "levels": levels})
    return [{"name": name, "items": items} for name, items in groups.items()]


@login_required
def checklist_detail(request, pk):
    template = selectors.checklist_get_for(request.user, pk)
    versions = list(
        selectors.checklists_for(request.user).filter(family=template.family).order_by("-version")
    )
    return render(
        request,
        "inspections/checklist_detail.html",
        {
            "template": template,
            "summary": _summary(template),
            "groups": _groups(template),
            "versions": versions,
            "latest": versions[0],
            "manager": access.is_manager(request.user),
            "active_nav": "inspections",
        },
    )


# --- the form ------------------------------------------------------------------------------


def _rows_from_post(data) -> list[dict]:
    """The item rows as typed, for showing them again with one more row."""
    try:
        total = min(int(data.get(f"{PREFIX}-TOTAL_FORMS", 0)), ItemFormSet.max_num - 1)
    except ValueError:
        total = 0
    names = list(ItemRowForm.base_fields)
    return [{name: data.get(f"{PREFIX}-{i}-{name}", "") for name in names} for i in range(total)]


def _checklist_form(request, *, template: ChecklistTemplate | None):
    """GET: the blank form or the template's values; POST with ``add_row``: what was typed and
    one more row; POST: the bound form and rows, to save."""
    if request.method == "POST" and "add_row" not in request.POST:
        return ChecklistForm(request.POST), ItemFormSet(request.POST, prefix=PREFIX), True
    if request.method == "POST":
        initial = {key: request.POST.get(key, "") for key in ChecklistForm.base_fields}
        rows = _rows_from_post(request.POST) + [{}]
    elif template is not None:
        initial = ChecklistForm.initial_for(template)
        rows = [ItemRowForm.initial_for(i) for i in template.items.all()] + [{}] * SPARE_ROWS
    else:
        initial, rows = None, [{}] * NEW_ROWS
    return ChecklistForm(initial=initial), ItemFormSet(initial=rows, prefix=PREFIX), False


def _render(request, form, formset, *, template: ChecklistTemplate | None):
    return render(
        request,
        "inspections/checklist_form.html",
        {
            "form": form,
            "formset": formset,
            "template": template,
            "group_options": GROUP_SUGGESTIONS,
            "active_nav": "inspections",
        },
    )


@login_required
def checklist_new(request):
    access.assert_can(access.is_manager(request.user))
    form, formset, submitted = _checklist_form(request, template=None)
    if submitted and form.is_valid() & formset.is_valid():
        try:
            template = services.checklist_create(
                name=form.cleaned_data["name"],
                pass_mark=form.pass_fraction(),
                items=items_of(formset),
                user=request.user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已创建检查表“%(name)s”。") % {"name": template.name})
            return redirect(reverse("inspections:checklist_detail", args=[template.pk]))
    return _render(request, form, formset, template=None)


@login_required
def checklist_revise(request, pk):
    access.assert_can(access.is_manager(request.user))
    template = selectors.checklist_get_for(request.user, pk)
    form, formset, submitted = _checklist_form(request, template=template)
    if submitted and form.is_valid() & formset.is_valid():
        try:
            revised = services.checklist_revise(
                template=template,
                name=form.cleaned_data["name"],
                pass_mark=form.pass_fraction(),
                items=items_of(formset),
                user=request.user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if revised.pk != template.pk:
                messages.success(
                    request,
                    _("已生成第%(version)s版：原版本已被督导记录使用，保持不变。")
                    % {"version": revised.version},
                )
            else:
                messages.success(request, _("已保存检查表“%(name)s”。") % {"name": revised.name})
            return redirect(reverse("inspections:checklist_detail", args=[revised.pk]))
    return _render(request, form, formset, template=template)
