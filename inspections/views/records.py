"""A visit's records: its attachments (upload, serve, delete) and an admin's correction of a
submitted visit. Docs: docs/inspections-records.md.

Every view finds the visit through ``selectors.visit_get_for`` (a visit the user may not see
is "not found", as a missing one); what the user may do to it is the services' decision
(403 otherwise).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bureau import access
from core.errors import DomainError, NotAllowed
from inspections import selectors
from inspections.models import ItemKind, VisitAttachment, VisitKind, VisitStatus
from inspections.scoring import ordered_levels
from inspections.services import files as services_files
from inspections.services.corrections import visit_correct as correct_visit


def visit_url(visit) -> str:
    """The visit's page (``inspections:visit_detail``); the dashboard while there is none."""
    try:
        return reverse("inspections:visit_detail", args=[visit.pk])
    except NoReverseMatch:
        return reverse("dashboard")


def _back(request, visit):
    wanted = request.POST.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(wanted)
    return redirect(visit_url(visit))


# --- attachments ---------------------------------------------------------------------------


def _check_may_change(user, visit) -> None:
    if visit.status != VisitStatus.DRAFT or not access.can_change_visit(user, visit):
        raise PermissionDenied(_("没有权限增删该督导记录的附件"))


@login_required
@require_POST
def attachment_add(request, visit_pk):
    """Uploads one or more files (``file``, multipart) to a draft visit; each file is checked
    on its own, and each refusal is a message naming the file."""
    visit = selectors.visit_get_for(request.user, visit_pk)
    _check_may_change(request.user, visit)
    files = request.FILES.getlist("file")
    if not files:
        messages.error(request, _("请选择要上传的文件"))
        return _back(request, visit)
    added = 0
    for file in files:
        try:
            services_files.attachment_add(visit=visit, file=file, user=request.user)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            added += 1
    if added:
        messages.success(request, _("已上传 %(n)s 个附件") % {"n": added})
    return _back(request, visit)


@login_required
@require_POST
def attachment_delete(request, visit_pk, pk):
    visit = selectors.visit_get_for(request.user, visit_pk)
    attachment = VisitAttachment.objects.filter(visit=visit, pk=pk).first()
    if attachment is None:
        raise Http404(_("附件不存在"))
    try:
        services_files.attachment_delete(attachment=attachment, user=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("已删除附件“%(name)s”") % {"name": attachment.original_name})
    return _back(request, visit)


@login_required
@require_GET
def attachment(request, visit_pk, pk):
    """The file, to whoever may see the visit: images shown, anything else downloaded; never
    sniffed by the browser, and sandboxed (no script, no same-origin) if it were HTML."""
    visit = selectors.visit_get_for(request.user, visit_pk)
    found = VisitAttachment.objects.filter(visit=visit, pk=pk).first()
    if found is None:
        raise Http404(_("附件不存在"))
    try:
        handle = open(services_files.attachment_path(found), "rb")  # noqa: SIM115 (FileResponse closes it)
    except (OSError, DomainError) as exc:
        raise Http404(_("附件不存在")) from exc
    response = FileResponse(
        handle,
        content_type=found.content_type,
        as_attachment=not services_files.is_inline(found),
        filename=found.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    return response


# --- correction (admins) -------------------------------------------------------------------


class CorrectionForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(label=gettext_lazy("督导类型"), choices=VisitKind.choices)
    findings = forms.CharField(
        label=gettext_lazy("发现的问题"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    reason = forms.CharField(
        label=gettext_lazy("更正原因"),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写更正原因")},
    )


def _score_rows(visit, data=None) -> list[dict]:
    """One row per checklist item with its stored (or just typed) points, level and comment."""
    stored = {s.item_id: s for s in visit.scores.all()}
    rows = []
    for item in visit.checklist.items.all():
        score = stored.get(item.pk)
        points = "" if score is None or score.points is None else f"{score.points:g}"
        level = score.level if score else ""
        comment = score.comment if score else ""
        if data is not None:
            points = data.get(f"points_{item.pk}", "")
            level = data.get(f"level_{item.pk}", "")
            comment = data.get(f"comment_{item.pk}", "")
        rows.append(
            {
                "item": item,
                "is_level": item.kind == ItemKind.LEVEL,
                "levels": ordered_levels(item.levels),
                "points": points,
                "level": level,
                "comment": comment,
            }
        )
    return rows


def _scores_from(rows) -> list[dict]:
    scores = []
    for row in rows:
        entry = {"item": row["item"].pk, "comment": row["comment"]}
        if row["is_level"]:
            entry["level"] = row["level"]
        else:
            entry["points"] = row["points"].strip() if row["points"].strip() else None
        scores.append(entry)
    return scores


@login_required
@require_http_methods(["GET", "POST"])
def visit_correct(request, pk):
    visit = selectors.visit_get_for(request.user, pk)
    if not access.is_admin(request.user):
        raise PermissionDenied(_("只有系统管理员可以更正已提交的督导记录"))
    if visit.status != VisitStatus.SUBMITTED:
        messages.error(request, _("督导记录尚未提交，请直接修改草稿"))
        return redirect(visit_url(visit))
    status = 200
    if request.method == "POST":
        form = CorrectionForm(request.POST)
        rows = _score_rows(visit, request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                correction = correct_visit(
                    visit=visit,
                    user=request.user,
                    reason=data["reason"],
                    scores=_scores_from(rows),
                    findings=data["findings"],
                    date=data["date"],
                    kind=data["kind"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                if correction is None:
                    messages.info(request, _("没有改动，未记录更正"))
                else:
                    messages.success(
                        request,
                        _("已更正督导记录（%(n)s 处改动），并记入更正记录")
                        % {"n": len(correction.changes)},
                    )
                return redirect(visit_url(visit))
        status = 400
    else:
        form = CorrectionForm(
            initial={"date": visit.date, "kind": visit.kind, "findings": visit.findings}
        )
        rows = _score_rows(visit)
    context = {
        "active_nav": "inspections",
        "visit": visit,
        "form": form,
        "rows": rows,
        "back_url": visit_url(visit),
    }
    return render(request, "inspections/visit_correct.html", context, status=status)
