"""bulletin_build: the draft, numbering, the stored content and PDF, idempotence, refusals."""

import datetime
import subprocess

import pytest
from django.conf import settings

from core.errors import DomainError
from reports.models import Bulletin
from reports.services import bulletins

from ..conftest import require_binary
from .world import PERIOD, build_world


@pytest.fixture
def world(school, other_school, staff, inspector):
    return build_world(school, other_school, staff, inspector)


def pdf_text(path) -> str:
    pdftotext = require_binary("pdftotext")
    return subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_build_creates_the_draft_and_its_pdf(world, staff):
    bulletin = bulletins.bulletin_build(period=datetime.date(2026, 11, 17), user=staff)
    assert bulletin.period == PERIOD
    assert (bulletin.year, bulletin.number) == (2026, 1)
    assert bulletin.title == f"{settings.TIZHI_BUREAU_NAME}聚力提质工作简报"
    assert bulletin.status == "draft" and bulletin.created_by == staff
    assert bulletin.build_status == "done" and bulletin.build_error == ""
    assert bulletin.built_at is not None
    path = bulletins.bulletin_pdf_path(bulletin)
    assert path is not None and path.parent == settings.MEDIA_ROOT / "bulletins"
    assert path.read_bytes()[:5] == b"%PDF-"
    assert bulletin.pages >= 2
    assert bulletin.content["period"] == "2026-11"
    assert [e["code"] for e in bulletin.content["exams"]] == ["N1"]
    assert list((settings.MEDIA_ROOT / "bulletins").glob(".*.tmp")) == []


def test_building_twice_gives_the_same_content_and_pages_and_one_file(world):
    first = bulletins.bulletin_build(period=PERIOD)
    old_path = bulletins.bulletin_pdf_path(first)
    second = bulletins.bulletin_build(period=PERIOD)
    assert second.pk == first.pk
    assert second.content == first.content
    assert second.pages == first.pages
    assert second.pdf_name != first.pdf_name
    assert not old_path.exists()  # the previous file is deleted after success
    assert [p.name for p in (settings.MEDIA_ROOT / "bulletins").iterdir()] == [second.pdf_name]
    assert Bulletin.objects.count() == 1


def test_an_edited_title_is_kept(world):
    bulletin = bulletins.bulletin_build(period=PERIOD)
    Bulletin.objects.filter(pk=bulletin.pk).update(title="十一月特刊")
    bulletin = bulletins.bulletin_build(period=PERIOD)
    assert bulletin.title == "十一月特刊"
    assert "十一月特刊" in pdf_text(bulletins.bulletin_pdf_path(bulletin))


def test_a_published_bulletin_is_not_rebuilt(world):
    bulletin = bulletins.bulletin_build(period=PERIOD)
    Bulletin.objects.filter(pk=bulletin.pk).update(status="published")
    with pytest.raises(DomainError, match="已发布的简报不能重新生成"):
        bulletins.bulletin_build(period=PERIOD)
    bulletin.refresh_from_db()
    assert bulletins.bulletin_pdf_path(bulletin) is not None


def test_numbering_counts_per_year(db):
    numbers = {}
    for day in ["2026-10-01", "2026-11-05", "2026-12-31", "2027-01-15", "2027-02-01"]:
        b = bulletins.bulletin_get_or_create(period=datetime.date.fromisoformat(day))
        numbers[b.period_label] = (b.year, b.number)
    assert numbers == {
        "2026-10": (2026, 1),
        "2026-11": (2026, 2),
        "2026-12": (2026, 3),  # December 2026 → 2026年第3期
        "2027-01": (2027, 1),  # January 2027 starts again at 第1期
        "2027-02": (2027, 2),
    }
    # Asking again for a month gives its bulletin, not a new number.
    assert bulletins.bulletin_get_or_create(period=datetime.date(2026, 12, 2)).number == 3


def test_a_rendering_error_keeps_the_previous_pdf(world, monkeypatch):
    bulletin = bulletins.bulletin_build(period=PERIOD)
    before = (bulletin.pdf_name, bulletin.pages)

    def broken(html, **kwargs):
        raise RuntimeError("字体缺失")

    monkeypatch.setattr("reports.rendering.pdf.render_pdf", broken)
    failed = bulletins.bulletin_build(period=PERIOD)
    assert failed.build_status == "failed"
    assert failed.build_error == "字体缺失"
    assert (failed.pdf_name, failed.pages) == before
    assert bulletins.bulletin_pdf_path(failed) is not None
    assert list((settings.MEDIA_ROOT / "bulletins").glob(".*.tmp")) == []

    monkeypatch.undo()
    again = bulletins.bulletin_build(period=PERIOD)
    assert again.build_status == "done" and again.build_error == ""


def test_no_pdf_path_without_a_file(db):
    bulletin = bulletins.bulletin_get_or_create(period=PERIOD)
    assert bulletins.bulletin_pdf_path(bulletin) is None
    bulletin.pdf_name = "missing.pdf"
    assert bulletins.bulletin_pdf_path(bulletin) is None


def test_an_empty_month_says_so(db):
    bulletin = bulletins.bulletin_build(period=datetime.date(2026, 3, 1))
    text = pdf_text(bulletins.bulletin_pdf_path(bulletin))
    for empty in [
        "本月无考试",
        "本月无督导记录",
        "本月无整改事项",
        "本月无工作动态",
        "本月无先进典型",
    ]:
        assert empty in text
    assert bulletin.content["exams"] == []


def test_the_pdf_holds_the_charts_drawn_aside(world):
    from django.core.cache import cache

    cache.clear()  # drawn now, by a forked child, not taken from an earlier build
    bulletin = bulletins.bulletin_build(period=PERIOD)
    pdfimages = require_binary("pdfimages")
    listing = subprocess.run(
        [pdfimages, "-list", str(bulletins.bulletin_pdf_path(bulletin))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[2:]
    # The composite index of exam N1 and the inspections chart: opaque RGB, no soft mask.
    assert len(listing) == 2
    assert all(line.split()[2] == "image" and line.split()[5] == "rgb" for line in listing)


def test_a_chart_that_cannot_be_drawn_fails_the_build_with_its_message(world, monkeypatch):
    from django.core.cache import cache

    from reports.rendering import charts

    cache.clear()

    def no_font(schools):
        raise charts.ChartFontMissing("字体 Noto Sans CJK SC 未安装")

    monkeypatch.setattr(charts, "composite_chart", no_font)
    bulletin = bulletins.bulletin_build(period=PERIOD)
    assert bulletin.build_status == "failed"
    assert bulletin.build_error == "字体 Noto Sans CJK SC 未安装"
    assert bulletin.pdf_name == ""


def test_the_page_version_shows_the_same_charts_as_data_uris(world, staff, client_for):
    import base64
    import io
    import re

    from PIL import Image

    bulletin = bulletins.bulletin_build(period=PERIOD)
    html = client_for(staff).get(f"/bulletins/{bulletin.pk}/").content.decode()
    sources = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(sources) == 2  # the exam's and the inspections' charts
    for source in sources:
        image = Image.open(io.BytesIO(base64.b64decode(source)))
        assert image.format == "PNG" and image.mode == "RGB" and image.width > 900
