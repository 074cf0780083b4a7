import pytest

from bureau.models import Role
from tests.conftest import PASSWORD
from tests.factories import SchoolFactory, UserFactory

from .conftest import login, snap

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_principal_logs_in_on_a_phone(live_server, phone):
    school = SchoolFactory(code="S001", name="城关第一初级中学")
    UserFactory(username="wang", role=Role.PRINCIPAL, school=school)

    phone.goto(f"{live_server.url}/")
    assert "/accounts/login/" in phone.url
    assert phone.inner_text("h1") == "登录"
    snap(phone, "login-phone")

    login(phone, live_server.url, "wang", PASSWORD)
    phone.wait_for_url(f"{live_server.url}/")
    assert "城关第一初级中学" in phone.inner_text("h1")
    # The page fits a 375 px screen: nothing wider than the viewport.
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
    # The navigation hides behind the menu button until it is opened.
    assert not phone.is_visible("nav.mainnav")
    phone.click("label.nav-toggle-label")
    assert phone.is_visible("nav.mainnav")
    snap(phone, "dashboard-principal-phone")


def test_wrong_password_says_so_in_chinese(live_server, desktop):
    UserFactory(username="staff1", role=Role.STAFF)
    login(desktop, live_server.url, "staff1", "wrong-password")
    assert "用户名或密码错误" in desktop.inner_text(".login-card")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.LEADER, Role.STAFF, Role.INSPECTOR])
def test_each_bureau_role_sees_its_navigation(live_server, desktop, role):
    UserFactory(username=f"u-{role}", role=role)
    login(desktop, live_server.url, f"u-{role}", PASSWORD)
    desktop.wait_for_url(f"{live_server.url}/")
    nav = desktop.inner_text("nav.mainnav")
    assert "学校" in nav and "教师" in nav
    assert ("名册导入" in nav) == (role in (Role.ADMIN, Role.STAFF))
    assert ("系统管理" in nav) == (role == Role.ADMIN)
    snap(desktop, f"dashboard-{role}")
