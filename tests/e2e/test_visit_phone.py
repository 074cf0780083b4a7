"""An inspector scores a visit on a phone (375 × 812) and loses the connection on the way:
what was typed is kept on the phone, saved to the server once back online, restored after a
reload when the server could not be reached, and the visit is submitted with the right scores
(docs/inspections.md, "Pages")."""

import datetime
import json

import pytest

from bureau.models import Role
from inspections import services
from inspections.models import Visit, VisitScore, VisitStatus
from tests.conftest import PASSWORD
from tests.factories import SchoolFactory, UserFactory
from tests.inspections.conftest import ITEMS

from .conftest import SCREENSHOTS, login, snap

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def stored(visit) -> dict[str, tuple]:
    return {
        s.item.group: (s.points, s.level, s.comment)
        for s in VisitScore.objects.filter(visit=visit).select_related("item")
    }


def wait_note(page, start: str) -> None:
    """Waits until the bottom bar's note starts with ``start``."""
    # Polled from here: Playwright's own waits stall while the context is offline.
    for _ in range(100):
        if page.inner_text(".visit-bar-saved").startswith(start):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the note is {page.inner_text('.visit-bar-saved')!r}, not {start}…")


def wait_saved(page) -> None:
    wait_note(page, "已保存到服务器")


@pytest.fixture
def setting(db):
    school = SchoolFactory(code="S001", name="城关第一初级中学")
    staff = UserFactory(username="staff", role=Role.STAFF)
    inspector = UserFactory(username="zhao", role=Role.INSPECTOR, full_name="赵督导")
    checklist = services.checklist_create(
        name="教学常规检查", pass_mark=0.6, items=ITEMS, user=staff
    )
    visit = services.visit_create(
        user=inspector,
        school=school,
        date=datetime.date(2026, 11, 3),
        kind="unannounced",
        checklist=checklist,
    )
    items = list(checklist.items.order_by("order"))
    return visit, inspector, items


def test_an_inspector_scores_a_visit_offline_on_a_phone(live_server, browser, setting):
    visit, inspector, items = setting
    base = live_server.url
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # 提交后不能再修改，确定提交吗？
    key = f"tizhi-visit-draft:{visit.pk}:{inspector.pk}"
    try:
        login(page, base, "zhao", PASSWORD)
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/inspections/{visit.pk}/edit/")
        assert page.inner_text("h1").startswith("城关第一初级中学")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert page.is_visible("button:has-text('保存草稿')")
        assert page.is_visible("button:has-text('提交')")

        # 1. Online: the first score is saved in the background, without pressing a button.
        page.fill(f"input[name=points-{items[0].pk}]", "8")
        wait_saved(page)
        assert stored(visit) == {"备课": (8.0, "", "")}
        assert page.evaluate(f"localStorage.getItem('{key}')") is None  # synced: nothing left
        assert page.inner_text("[data-scored]") == "1"

        # 2. The connection drops: a banner says so, what is typed stays on the phone.
        context.set_offline(True)
        page.wait_for_selector(".offline-banner", state="visible")
        page.fill(f"input[name=points-{items[1].pk}]", "17.5")
        page.fill(f"textarea[name=comment-{items[1].pk}]", "讲练结合，<b>提问</b>偏少")
        page.click(f"label.level-choice:has(input[name=level-{items[2].pk}][value=中])")
        page.fill("textarea[name=findings]", "作业批改记录不全")
        assert page.inner_text(".visit-bar-saved").startswith("已在本机保存 ")
        assert page.inner_text("[data-scored]") == "3"
        local = json.loads(page.evaluate(f"localStorage.getItem('{key}')"))
        assert local["values"][f"points-{items[1].pk}"] == "17.5"
        assert local["values"][f"level-{items[2].pk}"] == "中"
        assert local["values"]["findings"] == "作业批改记录不全"
        # 保存草稿 while offline keeps the form on the phone instead of failing.
        page.click("button:has-text('保存草稿')")
        wait_note(page, "当前离线")
        snap(page, "visit-phone-offline")
        if SCREENSHOTS:  # what the phone's screen shows, not the whole page
            page.screenshot(path=str(SCREENSHOTS / "visit-phone-offline-screen.png"))
        assert stored(visit) == {"备课": (8.0, "", "")}

        # 3. Back online: the background save stores everything; a reload shows it.
        context.set_offline(False)
        wait_saved(page)
        assert page.evaluate(f"localStorage.getItem('{key}')") is None
        assert stored(visit) == {
            "备课": (8.0, "", ""),
            "上课": (17.5, "", "讲练结合，<b>提问</b>偏少"),
            "作业": (6.0, "中", ""),
        }
        page.reload()
        assert page.input_value(f"input[name=points-{items[1].pk}]") == "17.5"
        assert page.is_checked(f"input[name=level-{items[2].pk}][value=中]")
        assert page.input_value("textarea[name=findings]") == "作业批改记录不全"

        # 4. The server cannot be reached (the connection is up but the save fails): after a
        #    reload the phone's copy is put back into the form, and saved once it can be.
        page.route(
            "**/edit/",
            lambda route: route.abort() if route.request.method == "POST" else route.continue_(),
        )
        page.fill(f"input[name=points-{items[0].pk}]", "9")
        wait_note(page, "未能保存")
        assert stored(visit)["备课"][0] == 8.0
        page.reload()
        assert page.input_value(f"input[name=points-{items[0].pk}]") == "9"
        assert page.inner_text(".visit-bar-saved").startswith("已恢复本机保存的草稿")
        page.unroute("**/edit/")
        wait_saved(page)
        assert stored(visit)["备课"][0] == 9.0

        # 5. Submit: the visit is locked with the scores typed; the phone's copy is gone.
        snap(page, "visit-phone-form")
        page.click("button:has-text('提交')")
        page.wait_for_url(f"{base}/inspections/{visit.pk}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        snap(page, "visit-phone-submitted")
        visit = Visit.objects.get(pk=visit.pk)
        assert visit.status == VisitStatus.SUBMITTED
        assert stored(visit) == {
            "备课": (9.0, "", ""),
            "上课": (17.5, "", "讲练结合，<b>提问</b>偏少"),
            "作业": (6.0, "中", ""),
        }
        # 9 + 17.5×2 + 6 = 50 of 60 = 83.3 %
        assert "83.3%" in page.inner_text("main")
        assert "讲练结合，<b>提问</b>偏少" in page.inner_text("main")  # shown as text
        assert page.evaluate(f"localStorage.getItem('{key}')") is None
    finally:
        context.close()
