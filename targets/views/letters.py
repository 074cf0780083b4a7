"""目标责任书 downloads: a school's (bureau roles, and its own principal), all schools' as one
PDF or a zip (managers)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _

from bureau import access
from bureau.models import AcademicYear

from ..services.letters import letter_pdf, letters_pdf, letters_zip


def _year(request) -> AcademicYear:
    name = request.GET.get("year")
    year = AcademicYear.objects.filter(name=name).first() if name else AcademicYear.current()
    if year is None:
        raise Http404(_("学年不存在"))
    return year


def _download(data: bytes, filename: str, ascii_name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def letter(request, school_code):
    school = access.school_get_for(request.user, school_code)
    if not access.can_download_letter(request.user, school):
        raise Http404(_("学校不存在"))
    year = _year(request)
    return _download(
        letter_pdf(school=school, year=year),
        f"{school.name}{year.name}目标责任书.pdf",
        f"{school.code}-{year.name}-letter.pdf",
        "application/pdf",
    )


@login_required
def letters_all(request):
    if not access.can_manage_targets(request.user):
        raise PermissionDenied(_("只有局机关工作人员或管理员可以下载全部目标责任书"))
    year = _year(request)
    if request.GET.get("format") == "zip":
        return _download(
            letters_zip(year=year),
            f"{year.name}目标责任书.zip",
            f"{year.name}-letters.zip",
            "application/zip",
        )
    return _download(
        letters_pdf(year=year),
        f"{year.name}全县目标责任书.pdf",
        f"{year.name}-letters.pdf",
        "application/pdf",
    )
