"""Roster import pages: upload → preview (a dry run) → confirm; the annotated workbook and
the blank template. Managers only (admin, staff).

A file is checked as soon as it arrives; one with errors is shown and not kept. A clean
upload is kept under ``MEDIA_ROOT/roster/<random token>.bin`` between the preview and the
confirmation, with a small JSON of what it is; the user's file name is only ever displayed,
never used as a path. Stored uploads are removed after the import, or after a day.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bureau import access
from core.errors import DomainError
from core.spreadsheets import annotate_workbook, check_upload, read_upload, safe_display_name
from schools.roster import roster_template_xlsx
from schools.services.roster import roster_import

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOKEN = re.compile(r"[0-9a-f]{32}")
KEEP_SECONDS = 24 * 60 * 60
SHOWN_PROBLEMS = 500


def _store() -> Path:
    return Path(settings.MEDIA_ROOT) / "roster"


def _save_upload(data: bytes, *, name: str, kind: str, user) -> str:
    store = _store()
    store.mkdir(parents=True, exist_ok=True)
    _purge_old(store)
    token = secrets.token_hex(16)
    (store / f"{token}.bin").write_bytes(data)
    meta = {"name": safe_display_name(name), "kind": kind, "user": user.pk, "at": time.time()}
    (store / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def _load_upload(token: str, user) -> tuple[bytes, dict]:
    """The stored upload of that token, only for the user who uploaded it; else 404."""
    if not TOKEN.fullmatch(token):
        raise Http404(_("上传的文件不存在或已过期"))
    store = _store()
    try:
        meta = json.loads((store / f"{token}.json").read_text(encoding="utf-8"))
        data = (store / f"{token}.bin").read_bytes()
    except (OSError, ValueError) as exc:
        raise Http404(_("上传的文件不存在或已过期")) from exc
    if meta.get("user") != user.pk:
        raise Http404(_("上传的文件不存在或已过期"))
    return data, meta


def _delete_upload(token: str) -> None:
    for suffix in (".bin", ".json"):
        (_store() / f"{token}{suffix}").unlink(missing_ok=True)


def _purge_old(store: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in store.iterdir():
        if TOKEN.fullmatch(path.stem) and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def roster_import_view(request):
    access.assert_can(access.is_manager(request.user))
    context = {"active_nav": "roster"}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["upload_error"] = _("请选择要上传的名册文件")
            return render(request, "schools/roster_import.html", context, status=400)
        try:
            data = read_upload(upload)
            kind = check_upload(upload.name, data)
            result = roster_import(data=data, name=upload.name, user=request.user, dry_run=True)
        except DomainError as exc:
            context["upload_error"] = exc.message
            return render(request, "schools/roster_import.html", context, status=400)
        if result.errors:
            # Refused at parsing: shown once, never kept (SPEC §2).
            meta = {"name": safe_display_name(upload.name)}
            return _preview(request, None, meta, result, status=400)
        token = _save_upload(data, name=upload.name, kind=kind, user=request.user)
        return redirect("schools:roster_preview", token=token)
    return render(request, "schools/roster_import.html", context)


def _preview(request, token: str | None, meta: dict, result, *, status: int = 200):
    """``token`` None: a refused file, not kept (its annotated copy needs it chosen again)."""
    problems = result.problems
    context = {
        "active_nav": "roster",
        "token": token,
        "annotate_again": token is None,
        "file_name": meta["name"],
        "result": result,
        "sheets": result.sheets.items(),
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "problems": problems[:SHOWN_PROBLEMS],
        "more_problems": max(0, len(problems) - SHOWN_PROBLEMS),
        "created": {k: v for k, v in result.created.items() if v},
    }
    return render(request, "schools/roster_preview.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def roster_preview(request, token):
    """GET: the dry run's counts and problems. POST: the confirmation, re-validated here."""
    access.assert_can(access.is_manager(request.user))
    data, meta = _load_upload(token, request.user)
    dry_run = request.method != "POST"
    try:
        result = roster_import(data=data, name=meta["name"], user=request.user, dry_run=dry_run)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("schools:roster_import")
    if result.errors:
        # Refused (the registry changed since the upload was checked): no longer kept.
        _delete_upload(token)
        if not dry_run:
            messages.error(
                request, _("文件有 %(n)d 个错误，没有导入任何数据") % {"n": len(result.errors)}
            )
        return _preview(request, None, meta, result, status=400)
    if dry_run:
        return _preview(request, token, meta, result)
    _delete_upload(token)
    counts = result.sheets.values()
    messages.success(
        request,
        _("名册已导入：新增 %(created)d 条，更新 %(updated)d 条，未变 %(unchanged)d 条")
        % {
            "created": sum(c["created"] for c in counts),
            "updated": sum(c["updated"] for c in counts),
            "unchanged": sum(c["unchanged"] for c in counts),
        },
    )
    return redirect("schools:roster_import")


@login_required
@require_http_methods(["POST"])
def roster_annotate_again(request):
    """The annotated copy of a refused file (not kept): the user chooses it again; nothing
    is stored."""
    access.assert_can(access.is_manager(request.user))
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise DomainError(_("请选择要标注的名册文件"))
        data = read_upload(upload)
        kind = check_upload(upload.name, data)
        result = roster_import(data=data, name=upload.name, user=request.user, dry_run=True)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("schools:roster_import")
    content = annotate_workbook(data, result.problems, result.header_rows, kind=kind)
    stem = safe_display_name(upload.name).rsplit(".", 1)[0] or "roster"
    return _xlsx_response(content, f"{stem}-问题标注.xlsx")


@login_required
@require_GET
def roster_annotated(request, token):
    """The upload with each problem cell highlighted and commented."""
    access.assert_can(access.is_manager(request.user))
    data, meta = _load_upload(token, request.user)
    try:
        result = roster_import(data=data, name=meta["name"], user=request.user, dry_run=True)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("schools:roster_import")
    content = annotate_workbook(data, result.problems, result.header_rows, kind=meta["kind"])
    stem = meta["name"].rsplit(".", 1)[0] or "roster"
    return _xlsx_response(content, f"{stem}-问题标注.xlsx")


@login_required
@require_GET
def roster_template(request):
    access.assert_can(access.is_manager(request.user))
    return _xlsx_response(roster_template_xlsx(), _("名册模板.xlsx"))
