"""Error pages: 400, 403, 404, 429, 500 (and 503 for a lost database) are Chinese pages in the
site's layout with DEBUG off; the API keeps answering JSON. The lock-out says "30 分钟"."""

from datetime import timedelta

import pytest
from django.test import Client
from rest_framework.test import APIClient

from bureau import selectors
from core.formatting import duration_text

from ..conftest import PASSWORD

LOGIN = "/accounts/login/"
LAYOUT = 'class="topbar"'


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


def _page(response, status: int) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert LAYOUT in html and '<html lang="zh-CN">' in html
    assert f'<p class="error-code muted">{status}</p>' in html
    return html


def test_400_for_a_host_the_portal_does_not_serve(db):
    response = Client().get("/", HTTP_HOST="evil.example.com")
    html = _page(response, 400)
    assert "请求有误" in html and "Bad Request" not in html


def test_403_is_chinese_with_the_reason(client_for, principal):
    # A principal may not record a visit: the view's reason is shown, in the layout.
    response = client_for(principal).get("/inspections/new/")
    html = _page(response, 403)
    assert "没有权限" in html
    assert "只有督导员、局机关工作人员或管理员可以记录督导" in html
    assert "403 Forbidden" not in html
    # The user's navigation is there (the page is in the site's layout for the logged-in user).
    assert 'class="mainnav"' in html


def test_403_on_a_failed_csrf_check_is_chinese(staff):
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "staff", "password": PASSWORD})
    html = _page(response, 403)
    assert "页面已过期或来源无法验证，请刷新页面后重新提交。" in html
    assert "CSRF verification failed" not in html


def test_404_is_chinese_and_says_nothing_about_the_object(client_for, staff):
    response = client_for(staff).get("/exams/NO-SUCH-EXAM/")
    html = _page(response, 404)
    assert "页面不存在，或您没有查看它的权限。" in html
    assert "No Exam matches" not in html
    html = _page(client_for(staff).get("/no/such/page/"), 404)
    assert "页面不存在" in html


def test_500_is_chinese(client_for, staff, monkeypatch):
    def broken(user):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "dashboard_for", broken)
    client = client_for(staff)
    client.raise_request_exception = False
    html = _page(client.get("/"), 500)
    assert "服务器内部错误" in html and "boom" not in html


def test_api_errors_stay_json(api_for, staff):
    api = api_for(staff)
    response = api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "页面不存在，或您没有查看它的权限。"}
    # DRF's own 403 is JSON too (a leader may not create a visit).
    response = APIClient().get("/api/v1/visits/")
    assert response.status_code == 403  # no credentials at all
    assert response["Content-Type"] == "application/json"


# --- 429: the lock-out -----------------------------------------------------------------------


def test_lockout_page_says_thirty_minutes(settings, client, staff):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    for _ in range(5):
        client.post(LOGIN, {"username": "staff", "password": "wrong-password"})
    response = client.post(LOGIN, {"username": "staff", "password": PASSWORD})
    html = _page(response, 429)
    assert "账户已暂时锁定" in html
    assert "请 30 分钟 后再试" in html
    assert "PT30M" not in html


def test_429_page_for_throttling(rf):
    from bureau.views_errors import too_many_requests

    response = too_many_requests(rf.get("/exams/"))
    assert response.status_code == 429
    assert "请求过于频繁，请稍后再试。" in response.content.decode()
    response = too_many_requests(rf.get("/api/v1/exams/"))
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "minutes,text",
    [
        (30, "30 分钟"),
        (90, "1 小时 30 分钟"),  # 90 = 60 + 30
        (60, "1 小时"),
        (24 * 60 + 5, "1 天 5 分钟"),  # 1445 = 1440 + 5
        (0, "0 分钟"),
    ],
)
def test_duration_text(minutes, text):
    assert duration_text(timedelta(minutes=minutes)) == text
