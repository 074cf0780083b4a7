"""Results upload pages: upload → preview (a dry run) → confirm; the annotated workbook, the
template, and the upload progress of an exam across the schools.

The dry run is ``results_import(dry_run=True)``, which keeps the file under a random token
(``ResultUpload.stored_name``); the preview and the confirmation find the upload by that
token, for the user who uploaded it only (anyone else: 404). The confirmation re-validates the
stored file on the server (``results_confirm``, which commits once: a double click is a no-op).
A refused upload keeps no file: its annotated workbook is made from the file chosen again.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from bureau import access
from bureau.models import AccessLog
from bureau.privacy import student_data
from bureau.services import access_log_record
from core.errors import DomainError, NotAllowed
from core.spreadsheets import Problem, annotate_workbook, read_upload, safe_display_name, sniff_kind
from exams.models import ExamEntry, ResultUpload, UploadStatus
from exams.selectors.entries import stages_for_grade
from exams.services.results import load_upload, results_check, results_confirm, results_import
from exams.services.templates import results_template
from schools.models import Student

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOKEN = re.compile(r"[0-9a-f]{32}")
SHOWN_PROBLEMS = 500


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _recent_uploads(exam, user, count: int = 10) -> list[ResultUpload]:
    """The user's latest uploads for the exam, one line per file: a confirmation records a
    new upload of the same stored file, which supersedes its check."""
    latest: dict[str, ResultUpload] = {}
    for up in (
        ResultUpload.objects.filter(exam=exam, uploaded_by=user)
        .select_related("school")
        .order_by("-uploaded_at", "-pk")[: count * 2]
    ):
        latest.setdefault(up.stored_name, up)
    return list(latest.values())[:count]


def _form(request, exam, *, error: str | None = None, status: int = 200):
    user = request.user
    context = {
        "active_nav": "exams",
        "exam": exam,
        "subjects": exam.exam_subjects.select_related("subject").order_by("order", "id"),
        "own_school": None if access.is_manager(user) else user.school,
        "schools": (
            access.schools_for(user).filter(active=True).only("code", "name")
            if access.is_manager(user)
            else []
        ),
        "accepts": access.can_upload(user, exam),
        "upload_error": error,
        "recent": _recent_uploads(exam, user),
    }
    return render(request, "exams/upload.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request, code):
    access.assert_can(access.can_upload_somewhere(request.user))
    exam = access.exam_get_for(request.user, code)
    if request.method == "GET":
        return _form(request, exam)
    file = request.FILES.get("file")
    if file is None:
        return _form(request, exam, error=_("请选择要上传的成绩文件"), status=400)
    school = None
    school_code = (request.POST.get("school") or "").strip()
    if school_code:
        # Another school's code and an unknown one get the same answer.
        try:
            school = access.upload_school_get_for(request.user, school_code)
        except DomainError as exc:
            return _form(request, exam, error=exc.message, status=exc.status_code)
    try:
        result = results_import(
            exam=exam,
            data=read_upload(file),
            file_name=file.name,
            user=request.user,
            school=school,
            dry_run=True,
        )
    except NotAllowed as exc:
        return _form(request, exam, error=exc.message, status=403)
    except DomainError as exc:
        return _form(request, exam, error=exc.message, status=exc.status_code)
    token = ResultUpload.objects.values_list("stored_name", flat=True).get(pk=result["id"])
    return redirect("exams:upload_preview", code=exam.code, token=token)


def _upload_for(request, exam, token: str) -> ResultUpload:
    """The user's own upload of that token for that exam; 404 for anyone else."""
    if not TOKEN.fullmatch(token):
        raise Http404(_("上传的文件不存在或已过期"))
    found = (
        ResultUpload.objects.filter(exam=exam, stored_name=token, uploaded_by=request.user)
        .select_related("school", "exam")
        .order_by("-uploaded_at")
        .first()
    )
    if found is None:
        raise Http404(_("上传的文件不存在或已过期"))
    return found


def _preview(request, exam, upload: ResultUpload, result: dict | None = None, status: int = 200):
    errors = result["errors"] if result else upload.errors
    warnings = result["warnings"] if result else upload.warnings
    problems = [Problem(**p) for p in errors + warnings]
    context = {
        "active_nav": "exams",
        "exam": exam,
        "upload": upload,
        "token": upload.stored_name,
        "errors": len(errors),
        "warnings": len(warnings),
        "problems": problems[:SHOWN_PROBLEMS],
        "more_problems": max(0, len(problems) - SHOWN_PROBLEMS),
        "may_confirm": not errors and upload.status == UploadStatus.CHECKED,
        "not_counted": sum((upload.not_counted or {}).values()),
        # A refused file is not kept: its annotated copy is made from the file chosen again.
        "annotate_again": upload.status == UploadStatus.REJECTED,
    }
    return render(request, "exams/upload_preview.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@student_data
def upload_preview(request, code, token):
    """GET: the dry run's counts and problems. POST: the confirmation, re-validated here."""
    access.assert_can(access.can_upload_somewhere(request.user))
    exam = access.exam_get_for(request.user, code)
    upload = _upload_for(request, exam, token)
    if request.method == "GET":
        return _preview(request, exam, upload)
    already = upload.status == UploadStatus.COMMITTED
    try:
        # Idempotent: a second confirmation (a double click) answers the first one's result.
        result = results_confirm(upload=upload, user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("exams:upload", code=exam.code)
    if already:
        messages.info(request, _("这个文件已经导入过了"))
        return redirect("exams:upload", code=exam.code)
    if not result["committed"]:
        messages.error(
            request, _("文件有 %(n)d 个错误，没有导入任何数据") % {"n": len(result["errors"])}
        )
        latest = ResultUpload.objects.get(pk=result["id"])
        return _preview(request, exam, latest, result, status=400)
    messages.success(
        request,
        _("已导入 %(n)d 名学生的成绩，统计正在后台更新") % {"n": result["students"]},
    )
    return redirect("exams:upload", code=exam.code)


@login_required
@require_http_methods(["GET", "POST"])
@student_data
def upload_annotated(request, code, token):
    """The upload with each problem cell highlighted and commented. A refused upload's file
    is not kept: the user chooses it again (POST ``file``) and gets the annotated copy back,
    nothing stored."""
    access.assert_can(access.can_upload_somewhere(request.user))
    exam = access.exam_get_for(request.user, code)
    upload = _upload_for(request, exam, token)
    file_name = upload.file_name
    try:
        if request.method == "POST":
            file = request.FILES.get("file")
            if file is None:
                raise DomainError(_("请选择要标注的成绩文件"))
            data, file_name = read_upload(file), file.name
        else:
            data = load_upload(upload.stored_name)
        plan = results_check(
            exam=exam, data=data, file_name=file_name, user=request.user,
            school=upload.school,
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("exams:upload", code=exam.code)
    content = annotate_workbook(data, plan.problems, plan.parsed.header_rows, kind=sniff_kind(data))
    stem = safe_display_name(file_name).rsplit(".", 1)[0] or "results"
    return _xlsx_response(content, f"{stem}-问题标注.xlsx")


@login_required
@require_GET
@student_data
def upload_template(request, code):
    """The template: a principal's pre-filled with their students; staff choose a school
    (``?school=CODE``) or get the county-wide one."""
    access.assert_can(access.can_upload_somewhere(request.user))
    exam = access.exam_get_for(request.user, code)
    if access.is_manager(request.user):
        wanted = request.GET.get("school", "").strip()
        school = access.school_get_for(request.user, wanted) if wanted else None
    else:
        school = request.user.school
    content = results_template(exam=exam, school=school)
    if school is not None:  # pre-filled with every name and 学籍号 of the school's grade
        access_log_record(
            user=request.user,
            action=AccessLog.Action.EXPORT,
            what=f"{exam.code} {school.code} " + _("成绩模板（含学生名单）"),
            school=school,
            exam=exam,
            count=Student.objects.filter(school=school, school_class__grade=exam.grade).count(),
        )
    suffix = f"-{school.code}" if school else ""
    return _xlsx_response(content, f"{exam.code}{suffix}-成绩模板.xlsx")


# --- progress ----------------------------------------------------------------------------


@login_required
@require_GET
def progress(request, code):
    """Which schools have uploaded for an exam: missing ones first. Principals see their
    own school's row; everyone else who may see the exam, every school's."""
    exam = access.exam_get_for(request.user, code)
    schools = list(
        access.schools_for(request.user)
        .filter(active=True, stage__in=stages_for_grade(exam.grade))
        .only("code", "name", "stage")
    )
    students = dict(
        ExamEntry.objects.filter(exam=exam, school__in=schools)
        .values("school")
        .annotate(n=Count("pk"))  # one entry per student and exam
        .values_list("school", "n")
    )
    committed = ResultUpload.objects.filter(exam=exam, status=UploadStatus.COMMITTED)
    last: dict[int | None, ResultUpload] = {}
    for up in committed.select_related("uploaded_by").order_by("committed_at"):
        last[up.school_id] = up  # the latest per school (None: county-wide files)
    county = last.get(None)
    rows = []
    for s in schools:
        up = last.get(s.pk)
        if county and students.get(s.pk) and (up is None or county.committed_at > up.committed_at):
            up = county
        rows.append({"school": s, "students": students.get(s.pk, 0), "upload": up})
    rows.sort(key=lambda r: (r["students"] > 0, r["school"].code))
    context = {
        "active_nav": "exams",
        "exam": exam,
        "rows": rows,
        "done": sum(1 for r in rows if r["students"]),
        "total": len(rows),
        "may_upload": access.can_upload_somewhere(request.user),
        "last_commit": committed.aggregate(at=Max("committed_at"))["at"],
    }
    return render(request, "exams/upload_progress.html", context)
