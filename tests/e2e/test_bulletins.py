"""Bulletins in a real browser, on the demo county (small): a leader sees the unread badge,
reads the bulletin on a phone and the badge is gone; staff publish the October draft and the
leader has one unread bulletin again."""

import pytest
from django.conf import settings

import demo
from reports.models import Bulletin

from .conftest import login, snap

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


OVERFLOWING = """[...document.querySelectorAll("main *")]
    .filter(e => e.getBoundingClientRect().right > 376).slice(0, 8)
    .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""


def overflowing(page) -> list[str]:
    """The first elements reaching past the screen's edge, to say what broke the layout."""
    return page.evaluate(OVERFLOWING)


def test_leader_reads_the_bulletin_on_a_phone(live_server, phone, desktop):
    demo.demo_load(seed=1, size="small", log=lambda message: None)
    password = settings.TIZHI_DEMO_PASSWORD

    login(phone, live_server.url, "leader", password)
    phone.wait_for_url(f"{live_server.url}/")
    phone.goto(f"{live_server.url}/bulletins/")
    # August is read (the demo's leader read it); September is not; October is a draft.
    assert "1 期简报未读" in phone.inner_text(".bulletin-unread")
    rows = phone.locator("li.bulletin-row")
    assert rows.count() == 2
    unread = phone.locator("li.bulletin-row.unread")
    assert unread.count() == 1
    assert "2026年第9期" in unread.inner_text()
    assert "未读" in unread.inner_text()
    assert "2026年第10期" not in phone.inner_text("main")
    assert fits_the_phone(phone)
    snap(phone, "bulletins-leader-phone")

    unread.locator("a").first.click()
    phone.wait_for_url(f"{live_server.url}/bulletins/*/")
    assert phone.inner_text("h1") == Bulletin.objects.get(number=9).title
    body = phone.inner_text("article.bulletin-body")
    assert "工作动态" in body and "先进典型" in body
    assert "老师" in body
    assert phone.is_visible("text=下载 PDF")
    snap(phone, "bulletin-detail-phone")
    # Wide tables scroll inside their frame and charts shrink: the page itself does not scroll.
    assert fits_the_phone(phone), overflowing(phone)

    phone.goto(f"{live_server.url}/bulletins/")
    assert "简报都已读过" in phone.inner_text(".bulletin-unread")
    assert phone.locator("li.bulletin-row.unread").count() == 0

    # Staff publish October's draft from the list, on a desktop.
    login(desktop, live_server.url, "staff", password)
    desktop.wait_for_url(f"{live_server.url}/")
    desktop.goto(f"{live_server.url}/bulletins/")
    drafts = desktop.locator("section.bulletin-drafts")
    assert "2026年第10期" in drafts.inner_text()
    assert "已生成" in drafts.inner_text()
    snap(desktop, "bulletins-staff")
    drafts.locator("button", has_text="发布").click()
    desktop.wait_for_url(f"{live_server.url}/bulletins/*/")
    assert "2026年第10期已发布" in desktop.inner_text(".messages")
    # Read receipts: staff have just read it themselves; the leader has not.
    receipts = desktop.inner_text("section.bulletin-receipts")
    assert "已读 1 人" in receipts
    assert "未读的局领导" in receipts
    snap(desktop, "bulletin-receipts-staff")

    phone.goto(f"{live_server.url}/bulletins/")
    assert "1 期简报未读" in phone.inner_text(".bulletin-unread")
    assert "2026年第10期" in phone.inner_text("li.bulletin-row.unread")
