"""The demo's bulletins (``demo/steps/reports.py``, step 140), at the small size: one load, since
each build renders a real PDF."""

import datetime
import re

import pytest

import demo
from reports import selectors
from reports.models import BuildStatus, Bulletin, BulletinRead, BulletinStatus
from reports.services.bulletins import bulletin_pdf_path
from schools.models import Student

pytestmark = pytest.mark.django_db


def test_three_months_two_published_one_draft_and_reset():
    lines: list[str] = []
    ctx = demo.demo_load(seed=1, size="small", log=lines.append)
    assert any("demo.steps.reports.bulletins" in line for line in lines)

    bulletins = list(Bulletin.objects.order_by("period"))
    assert [(b.period, b.year, b.number) for b in bulletins] == [
        (datetime.date(2026, 8, 1), 2026, 8),
        (datetime.date(2026, 9, 1), 2026, 9),
        (datetime.date(2026, 10, 1), 2026, 10),
    ]
    assert [b.status for b in bulletins] == [
        BulletinStatus.PUBLISHED,
        BulletinStatus.PUBLISHED,
        BulletinStatus.DRAFT,
    ]
    staff, leader = ctx.users["staff"], ctx.users["leader"]
    for b in bulletins:
        assert b.build_status == BuildStatus.DONE, b.build_error
        assert b.pages >= 1
        pdf = bulletin_pdf_path(b)
        assert pdf is not None and pdf.read_bytes().startswith(b"%PDF")
        assert b.created_by == staff
        assert b.content  # the month's data snapshot
        assert len(b.news) > 100 and "\n\n" in b.news
        assert re.search(r"\S{2,4}老师（\S+?）", b.examples)
    # Published on the 5th of the next month, by staff.
    assert [b.published_at.date() for b in bulletins[:2]] == [
        datetime.date(2026, 9, 5),
        datetime.date(2026, 10, 5),
    ]
    assert all(b.published_by == staff for b in bulletins[:2])
    assert bulletins[2].published_at is None

    # No student is named in the free text.
    names = set(Student.objects.values_list("name", flat=True))
    for b in bulletins:
        assert not any(name in b.news + b.examples for name in names)

    # The leader has read the oldest only: one unread (the draft does not count).
    assert list(BulletinRead.objects.values_list("bulletin__number", "user__username")) == [
        (8, "leader")
    ]
    assert selectors.unread_count(leader) == 1

    paths = [bulletin_pdf_path(b) for b in bulletins]
    demo.demo_reset(ctx=ctx)
    assert not Bulletin.objects.exists()
    assert not BulletinRead.objects.exists()
    assert not any(p.exists() for p in paths)
