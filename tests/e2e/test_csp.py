"""The Content-Security-Policy holds in a real browser: every role walks its main pages on
the demo county (charts, tables, forms, the API docs, Django admin) and not one
``securitypolicyviolation`` is reported, nor a CSP error in the console."""

import pytest
from django.conf import settings

import demo
from bureau.models import User
from exams.models import Exam, ExamState
from inspections.models import ChecklistTemplate, RectificationTask, Visit, VisitStatus
from reports.models import Bulletin

from .conftest import login, snap

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " "
    + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""

EVERYONE = [
    "/",
    "/schools/",
    "/schools/{school}/",
    "/teachers/",
    "/exchanges/",
    "/exams/",
    "/exams/{exam}/",
    "/exams/{exam}/schools/{school}/",
    "/exams/{exam}/progress/",
    "/inspections/",
    "/inspections/{visit}/",
    "/inspections/coverage/",
    "/inspections/checklists/",
    "/inspections/checklists/{checklist}/",
    "/inspections/accountability/",
    "/rectifications/",
    "/rectifications/{rectification}/",
    "/observations/",
    "/observations/compliance/",
    "/bulletins/",
    "/bulletins/{bulletin}/",
    "/api/v1/docs/",
]
PAGES = {
    "admin": EVERYONE
    + [
        "/roster/import/",
        "/exams/new/",
        "/exams/{exam}/upload/",
        "/inspections/new/",
        "/inspections/checklists/new/",
        "/admin/",
        "/admin/bureau/user/",
        "/admin/schools/student/",
        "/admin/bureau/user/{admin_id}/change/",
    ],
    "leader": EVERYONE + ["/liaison/"],
    "staff": EVERYONE + ["/roster/import/", "/exams/new/", "/exams/{exam}/upload/"],
    "inspector": EVERYONE
    + ["/inspections/new/", "/inspections/{draft}/edit/", "/observations/new/"],
    # A principal has no county registry list and no coverage table.
    "principal": [p for p in EVERYONE if p not in ("/schools/", "/inspections/coverage/")]
    + ["/exams/{exam}/upload/"],
}


def ids() -> dict:
    principal = User.objects.get(username="principal")
    exam = Exam.objects.filter(state=ExamState.PUBLISHED).order_by("-date").first()
    school_visit = (
        Visit.objects.filter(school=principal.school, status=VisitStatus.SUBMITTED).first()
        or Visit.objects.filter(status=VisitStatus.SUBMITTED).first()
    )
    draft = Visit.objects.filter(status=VisitStatus.DRAFT, inspectors__username="inspector").first()
    task = (
        RectificationTask.objects.filter(school=principal.school).first()
        or RectificationTask.objects.first()
    )
    return {
        "school": principal.school.code,
        "exam": exam.code,
        "visit": school_visit.pk,
        "draft": draft.pk if draft else school_visit.pk,
        "checklist": ChecklistTemplate.objects.first().pk,
        "rectification": task.pk,
        "bulletin": Bulletin.objects.filter(status="published").first().pk,
        "admin_id": User.objects.get(username="admin").pk,
    }


def test_no_page_of_any_role_violates_the_policy(live_server, browser):
    demo.demo_load(seed=1, size="small", log=lambda message: None)
    values = ids()
    problems = []
    for role, paths in PAGES.items():
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        context.add_init_script(LISTEN)
        page = context.new_page()
        console = []
        page.on(
            "console",
            lambda m, console=console: (
                console.append(m.text)
                if "Content Security Policy" in m.text or "Content-Security-Policy" in m.text
                else None
            ),
        )
        login(page, live_server.url, role, settings.TIZHI_DEMO_PASSWORD)
        page.wait_for_url(f"{live_server.url}/")
        for path in paths:
            url = path.format(**values)
            response = page.goto(f"{live_server.url}{url}")
            if response.status != 200 or "content-security-policy" not in response.headers:
                problems.append(f"{role} {url}: {response.status}, no policy?")
                continue
            page.wait_for_load_state("networkidle")
            if url.startswith("/api/v1/docs/"):
                page.wait_for_selector(".swagger-ui .info", timeout=15000)
            if page.locator("[data-chart]").count():
                page.wait_for_selector("[data-chart] canvas", timeout=10000)
            for violation in page.evaluate("window.__csp") + console:
                problems.append(f"{role} {url}: {violation}")
            console.clear()
            snap(page, f"csp-{role}-{url.strip('/').replace('/', '-') or 'home'}")
        context.close()
    assert problems == []


# --- the behaviours moved out of inline handlers (static/js/ui.js) ---------------------------


def test_language_menu_attachment_names_and_delete_confirmation(live_server, desktop):
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile

    from inspections import services
    from inspections.services import files as services_files
    from tests.factories import SchoolFactory, UserFactory
    from tests.inspections.conftest import ITEMS

    school = SchoolFactory(code="S001", name="城关第一初级中学")
    staff = UserFactory(username="staff", role="staff")
    inspector = UserFactory(username="zhao", role="inspector")
    checklist = services.checklist_create(name="教学常规", pass_mark=0.6, items=ITEMS, user=staff)
    visit = services.visit_create(
        user=inspector,
        school=school,
        date=datetime.date(2026, 11, 3),
        kind="routine",
        checklist=checklist,
    )
    pdf = SimpleUploadedFile("记录.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    services_files.attachment_add(visit=visit, file=pdf, user=inspector)
    page = desktop
    page.add_init_script(LISTEN)
    from tests.conftest import PASSWORD

    login(page, live_server.url, "zhao", PASSWORD)
    page.wait_for_url(f"{live_server.url}/")

    # The language menu submits itself when changed.
    # Each choice reloads the page: wait for the new page's language, not just for quiet.
    page.select_option("select[name=language]", "en")
    page.wait_for_function("document.documentElement.lang === 'en'", timeout=15000)
    assert page.locator("html").get_attribute("lang") == "en"
    page.select_option("select[name=language]", "zh-hans")
    page.wait_for_function("document.documentElement.lang === 'zh-CN'", timeout=15000)
    assert page.locator("html").get_attribute("lang") == "zh-CN"

    # Choosing files names them; deleting asks first (dismissed: nothing is deleted).
    page.goto(f"{live_server.url}/inspections/{visit.pk}/")
    page.set_input_files(
        "input[type=file][multiple]",
        files=[
            {"name": "照片一.jpg", "mimeType": "image/jpeg", "buffer": b"x"},
            {"name": "照片二.jpg", "mimeType": "image/jpeg", "buffer": b"y"},
        ],
    )
    assert page.inner_text("form .file-name") == "照片一.jpg、照片二.jpg"
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.click("form[data-confirm] button[type=submit]")
    page.wait_for_timeout(300)
    assert asked == ["删除附件“记录.pdf”？"]
    assert visit.attachments.count() == 1
    assert page.evaluate("window.__csp") == []
