"""Entered indicators: a value with an optional evidence file, staff confirmation, and the
evidence download (only to who may see the entry's school rows)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bureau import access
from core.errors import DomainError

from ..forms import EntryForm
from ..models import IndicatorEntry
from ..services.entries import entry_confirm, entry_create, evidence_path


@login_required
@require_POST
def entry_new(request, code):
    target = access.target_get_for(request.user, code)
    form = EntryForm(request.POST, request.FILES, schools=target.schools.all())
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(
                request,
                f"{form.fields[field].label if field in form.fields else field}：{'；'.join(errors)}",
            )
        return redirect(target)
    data = form.cleaned_data
    try:
        entry_create(
            target=target,
            user=request.user,
            school=data["school"],
            term=data["term"],
            value=data["value"],
            note=data["note"],
            evidence=data["evidence"],
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已填报。"))
    return redirect(target)


def _entry_for(user, pk: int) -> IndicatorEntry:
    entry = IndicatorEntry.objects.select_related("target", "school").filter(pk=pk).first()
    if entry is None:
        raise Http404(_("填报记录不存在"))
    access.target_get_for(user, entry.target.code)
    allowed = access.target_school_ids(user)
    if allowed is not None and entry.school_id not in allowed:
        raise Http404(_("填报记录不存在"))
    return entry


@login_required
@require_POST
def entry_confirm_view(request, pk):
    entry = _entry_for(request.user, pk)
    if not access.can_confirm_entry(request.user):
        raise PermissionDenied(_("只有局机关工作人员或管理员可以确认填报"))
    try:
        entry_confirm(entry=entry, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已确认。"))
    return redirect(entry.target)


@login_required
def entry_evidence(request, pk):
    entry = _entry_for(request.user, pk)
    if not entry.evidence_stored:
        raise Http404(_("佐证材料不存在"))
    path = evidence_path(entry)
    if not path.exists():
        raise Http404(_("佐证材料不存在"))
    response = FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        as_attachment=True,
        filename=entry.evidence_name,
        content_type=entry.evidence_type or "application/octet-stream",
    )
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
