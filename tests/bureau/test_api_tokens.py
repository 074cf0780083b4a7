"""API tokens end with the credentials they were issued for (docs/access.md, "API tokens"):
a password change by any path, deactivation and logout revoke them; a revoked, unknown or
expired token answers 401; asking again gives a new key."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bureau.models import Role, User
from tests.conftest import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
PROBE = "/api/v1/exams/"
NEW_PASSWORD = "Xin-Mima-2026!"


def obtain(username="staff", password=PASSWORD) -> str:
    response = APIClient().post(TOKEN, {"username": username, "password": password})
    assert response.status_code == 200, response.json()
    return response.json()["token"]


def with_token(key):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get(PROBE)


def assert_refused(key, detail="令牌无效或已被撤销，请重新获取"):
    response = with_token(key)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["detail"] == detail


@pytest.fixture
def root(db):
    return UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)


def test_a_token_works_until_revoked_and_then_a_new_key_is_issued(staff):
    key = obtain()
    assert with_token(key).status_code == 200
    assert obtain() == key  # asking again while valid gives the same token
    staff.set_password(NEW_PASSWORD)
    staff.save()
    assert not Token.objects.filter(user=staff).exists()
    assert_refused(key)
    new = obtain(password=NEW_PASSWORD)
    assert new != key
    assert with_token(new).status_code == 200


def test_the_password_page_revokes(staff):
    key = obtain()
    browser = Client()
    browser.force_login(staff)
    response = browser.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert_refused(key)


def test_an_admin_setting_the_password_in_django_admin_revokes(client_for, root, staff):
    key = obtain()
    response = client_for(root).post(
        f"/admin/bureau/user/{staff.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)
    assert_refused(key)


def test_add_user_with_a_new_password_revokes(monkeypatch, staff):
    key = obtain()
    monkeypatch.setenv("TIZHI_PASSWORD", NEW_PASSWORD)
    call_command("add_user", "staff", "--role", "staff", stdout=StringIO())
    assert_refused(key)


def test_add_user_without_a_password_keeps_the_token(monkeypatch, staff):
    key = obtain()
    monkeypatch.delenv("TIZHI_PASSWORD", raising=False)
    call_command("add_user", "staff", "--role", "inspector", stdout=StringIO())
    assert with_token(key).status_code == 200  # a role change is not a credentials change


def test_deactivating_in_django_admin_revokes(client_for, root, staff):
    key = obtain()
    form = {
        "username": "staff",
        "role": "staff",
        "school": "",
        "full_name": "",
        "date_joined_0": "2026-09-01",
        "date_joined_1": "08:00:00",
        # is_active left out: the box is unticked
    }
    response = client_for(root).post(f"/admin/bureau/user/{staff.pk}/change/", form)
    assert response.status_code == 302
    assert not User.objects.get(pk=staff.pk).is_active
    assert not Token.objects.filter(user=staff).exists()
    assert_refused(key)


def test_deactivating_anywhere_revokes_and_an_inactive_users_token_is_refused(staff):
    key = obtain()
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert_refused(key)
    # A token that somehow survives (made by hand) is refused while the user is inactive.
    token = Token.objects.create(user=staff)
    assert_refused(token.key, "账户已停用")


def test_other_saves_keep_the_token(staff, client):
    key = obtain()
    staff.full_name = "李明"
    staff.save()
    client.login(username="staff", password=PASSWORD)  # updates last_login only
    staff.refresh_from_db()
    staff.save()
    assert with_token(key).status_code == 200


def test_a_hash_upgrade_at_login_is_not_a_password_change(settings, staff):
    key = obtain()
    # The stored hash is MD5 (tests' fast hasher); a stronger first hasher makes the next
    # correct password check rewrite the hash: the same password, so the token stays.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    old_hash = User.objects.get(pk=staff.pk).password
    assert obtain() == key
    assert User.objects.get(pk=staff.pk).password.startswith("pbkdf2_sha256$")
    assert User.objects.get(pk=staff.pk).password != old_hash
    assert with_token(key).status_code == 200


def test_logging_out_of_the_browser_revokes(staff):
    key = obtain()
    browser = Client()
    browser.force_login(staff)
    assert browser.post("/accounts/logout/").status_code == 302
    assert_refused(key)


def test_delete_on_the_token_endpoint_revokes(staff):
    key = obtain()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.delete(TOKEN).status_code == 204
    assert_refused(key)
    assert APIClient().delete(TOKEN).status_code == 403  # nobody to log out


def test_an_expired_token_is_401_and_asking_again_gives_a_new_one(settings, staff):
    settings.TIZHI_API_TOKEN_DAYS = 30
    key = obtain()
    # 31 days old: 30 days of life are over.
    Token.objects.filter(key=key).update(created=timezone.now() - datetime.timedelta(days=31))
    assert_refused(key, "令牌已过期，请重新获取")
    new = obtain()
    assert new != key and with_token(new).status_code == 200
    # 29 days old: still good.
    Token.objects.filter(key=new).update(created=timezone.now() - datetime.timedelta(days=29))
    assert with_token(new).status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Token nonsense", "Token", "Token a b", "Token 0000000000000000000000000000000000000000"],
)
def test_unknown_or_malformed_tokens_are_401(db, header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get(PROBE)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_without_credentials_the_answer_is_unchanged(db):
    assert APIClient().get(PROBE).status_code == 403
