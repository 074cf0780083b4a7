"""The Content-Security-Policy header (django-csp) and templates that can live with it; the
browser walk of every role's pages is tests/e2e/test_csp.py."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response) -> dict:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def test_the_login_page_carries_the_policy(client):
    assert policy(client.get("/accounts/login/")) == POLICY


@pytest.mark.parametrize("path", ["/", "/exams/", "/schools/", "/api/v1/docs/", "/admin/"])
def test_signed_in_pages_carry_it(client_for, admin_user, path):
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    response = client_for(admin_user).get(path)
    assert response.status_code == 200
    assert policy(response) == POLICY


def test_scripts_may_not_be_inline_or_evaluated(client):
    scripts = policy(client.get("/accounts/login/"))["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts


def test_the_api_docs_load_their_script_from_a_url(client_for, staff):
    page = client_for(staff).get("/api/v1/docs/").content.decode()
    assert '<script src="/api/v1/docs/?script="></script>' in page
    script = client_for(staff).get("/api/v1/docs/?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)


@pytest.mark.parametrize(
    "template",
    sorted(
        str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if "pdf" not in p.parts
    ),
)
def test_no_template_has_inline_script(template):
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to static/js/"
    assert not INLINE_HANDLER.search(text), "inline on…= handler: bind it in static/js/ui.js"
    assert "javascript:" not in text
