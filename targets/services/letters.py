"""目标责任书 as PDF (WeasyPrint with the bulletin's CJK fonts and look): one school's, all
schools' in one document, or a zip of one PDF per school.

A letter needs nothing from outside its HTML (the stylesheet is inline, there are no
images), so its URL fetcher refuses every URL: an address that reached the HTML would
render as nothing. (``reports.rendering.pdf`` has the bulletin's fetcher; targets sit below reports
and do not import it.)"""

from __future__ import annotations

import io
import zipfile

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from bureau.models import AcademicYear
from schools.models import School

from ..selectors.letters import letter_schools, letter_targets


class FetchRefused(ValueError):
    """A letter fetches nothing."""


def _refuse(url, *args, **kwargs):
    raise FetchRefused(f"refused URL: {str(url)[:80]}")


def _html(pages: list[dict], year: AcademicYear) -> str:
    return render_to_string(
        "targets/pdf/letter.html",
        {
            "pages": pages,
            "year": year,
            "bureau_name": settings.TIZHI_BUREAU_NAME,
            "today": timezone.localdate(),
        },
    )


def _pdf(html: str) -> bytes:
    return HTML(string=html, url_fetcher=_refuse, base_url=None).write_pdf()


def letter_pdf(*, school: School, year: AcademicYear) -> bytes:
    page = {"school": school, "lines": letter_targets(school=school, year=year)}
    return _pdf(_html([page], year))


def letters_pdf(*, year: AcademicYear) -> bytes:
    """Every school's letter in one document, each from a new page."""
    pages = [
        {"school": s, "lines": letter_targets(school=s, year=year)}
        for s in letter_schools(year=year)
    ]
    return _pdf(_html(pages, year))


def letters_zip(*, year: AcademicYear) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for school in letter_schools(year=year):
            archive.writestr(
                f"{school.code}-{school.name}-目标责任书.pdf", letter_pdf(school=school, year=year)
            )
    return out.getvalue()
