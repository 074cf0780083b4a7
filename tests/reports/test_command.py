"""``manage.py build_bulletin YYYY-MM [--publish]``."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from reports.models import Bulletin

from .world import PERIOD, build_world


@pytest.fixture
def world(school, other_school, staff, inspector):
    return build_world(school, other_school, staff, inspector)


def run(*args) -> str:
    out = io.StringIO()
    call_command("build_bulletin", *args, stdout=out)
    return out.getvalue()


def test_prints_the_path_of_the_pdf_and_only_that(world, settings):
    out = run("2026-11")
    assert out.endswith("\n") and out.count("\n") == 1
    path = Path(out.strip())
    assert path.is_absolute() and path.is_file() and path.suffix == ".pdf"
    assert path.parent == (settings.MEDIA_ROOT / "bulletins").resolve()
    bulletin = Bulletin.objects.get(period=PERIOD)
    assert (bulletin.status, bulletin.build_status) == ("draft", "done")
    assert path.name == bulletin.pdf_name


def test_publish_after_building(world):
    path = Path(run("2026-11", "--publish").strip())
    bulletin = Bulletin.objects.get(period=PERIOD)
    assert bulletin.status == "published" and bulletin.published_at is not None
    assert bulletin.published_by is None
    assert path.is_file()
    with pytest.raises(CommandError, match="已发布的简报不能重新生成"):
        run("2026-11")


@pytest.mark.parametrize("month", ["2026-13", "2026/11", "11-2026", "abc", "2026-00", ""])
def test_a_bad_month_is_refused_in_chinese(db, month):
    with pytest.raises(CommandError, match="月份格式不正确"):
        run(month)
    assert Bulletin.objects.count() == 0


def test_a_single_digit_month_is_fine(db):
    assert Path(run("2027-1").strip()).is_file()
    assert Bulletin.objects.get().period.isoformat() == "2027-01-01"
