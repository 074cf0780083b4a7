"""Security from the start: every URL needs a login, lockout, sessions, CSRF, framing, tokens."""

import re
import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from django.utils.regex_helper import normalize
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bureau.middleware import SessionLimitsMiddleware, client_ip

from ..conftest import PASSWORD

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"

# --- every URL pattern needs a login ------------------------------------------------------

# The only patterns an anonymous visitor may reach, by (namespace:)name or route prefix.
PUBLIC_NAMES = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "health",
    "api-token",
    "admin:login",
    "admin:logout",
}
PUBLIC_ROUTE_PREFIXES = ("^static/",)

# Plausible values for the parameters of URL patterns, by parameter name, then by converter.
SAMPLES_BY_NAME = {
    "code": "S001",
    "staff_number": "T00001",
    "format": "json",
    "uidb64": "MQ",
    "token": "set-password",
    "path": "css/app.css",
    "url": "anything/",
}
SAMPLES_BY_CONVERTER = {"int": "1", "str": "S001", "slug": "s001", "path": "1"}
LOGIN_REDIRECTS = (LOGIN, "/admin/login/")


def _walk(patterns, prefix="", regex="", namespace=None, converters=None):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        piece = entry.pattern.regex.pattern
        full = regex + (piece[1:] if piece.startswith("^") else piece)
        merged = {**(converters or {}), **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route, full, entry.namespace or namespace, merged)
        else:
            assert isinstance(entry, URLPattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield route, full, name, merged


def _sample(name, converters):
    converter = converters.get(name)
    if converter is not None:
        kind = type(converter).__name__
        if "FormatSuffix" in kind:
            return ".json"
        if kind == "IntConverter":
            return SAMPLES_BY_CONVERTER["int"]
        if kind == "PathConverter":
            return SAMPLES_BY_NAME.get(name, SAMPLES_BY_CONVERTER["path"])
        if kind == "SlugConverter":
            return SAMPLES_BY_CONVERTER["slug"]
    return SAMPLES_BY_NAME.get(name, "1")


def _concrete(full_regex, converters):
    """A path that the pattern matches, with plausible values for its parameters."""
    template, params = normalize(full_regex.rstrip("$").replace("$", ""))[0]
    values = {param: _sample(param, converters) for param in params}
    return "/" + template % values


def _all_urls():
    rows = []
    for route, full, name, converters in _walk(get_resolver().url_patterns):
        public = name in PUBLIC_NAMES or route.startswith(PUBLIC_ROUTE_PREFIXES)
        rows.append((route, _concrete(full, converters), name, public))
    return rows


URLS = _all_urls()


def test_the_walk_finds_every_part_of_the_portal():
    routes = {route for route, *_ in URLS}
    for expected in ("", "schools/<str:code>/", "api/v1/schema/", "api/v1/docs/", "admin/"):
        assert expected in routes
    assert len(URLS) > 50


@pytest.mark.parametrize("route,path", [(r, p) for r, p, _, _ in URLS])
def test_sample_path_resolves(route, path):
    # A pattern whose sample does not resolve would be skipped silently by the test below.
    resolve(path.split("?")[0])


@pytest.mark.django_db
@pytest.mark.parametrize("route,path,name", [(r, p, n) for r, p, n, pub in URLS if not pub])
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_non_public_url_needs_a_login(client, route, path, name, method):
    response = getattr(client, method)(path)
    if response.status_code == 302:
        location = response["Location"]
        assert location.startswith(LOGIN_REDIRECTS), (route, location)
    else:
        # No credentials at all: 403 (401 is for a refused token, docs/access.md)
        assert response.status_code == 403, (route, name, response.status_code)


def test_public_allowlist_names_only_real_patterns():
    names = {name for _, _, name, _ in URLS}
    assert names >= PUBLIC_NAMES
    public = sorted(route for route, _, _, pub in URLS if pub)
    # Adding a public page is a decision: it shows up here.
    assert public == sorted(
        [
            "accounts/login/",
            "accounts/logout/",
            "accounts/password_reset/",
            "accounts/password_reset/done/",
            "accounts/reset/<uidb64>/<token>/",
            "accounts/reset/done/",
            "admin/login/",
            "admin/logout/",
            "api/v1/auth/token/",
            "health/",
            "i18n/setlang/",
        ]
        + [route for route, *_ in URLS if route.startswith(PUBLIC_ROUTE_PREFIXES)]
    )


@pytest.mark.django_db
def test_public_pages_answer_anonymous(client):
    assert client.get(LOGIN).status_code == 200
    assert client.get("/health/").json() == {"status": "ok"}
    assert client.get("/accounts/password_reset/").status_code == 200
    assert client.get("/admin/login/").status_code == 200


@pytest.mark.django_db
def test_api_schema_and_docs_need_a_login(client):
    assert django_settings.SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"] == [
        "rest_framework.permissions.IsAuthenticated"
    ]
    for path in ("/api/v1/schema/", "/api/v1/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "身份认证信息未提供。" in response.content.decode()
    response = client.get("/api/v1/docs/")
    assert response.status_code == 403
    assert "swagger" not in response.content.decode().lower()


# --- django-axes lockout ------------------------------------------------------------------


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    return settings


def _login(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_lockout_settings():
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=30) == django_settings.AXES_COOLOFF_TIME
    assert django_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert django_settings.AXES_RESET_ON_SUCCESS is True
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_five_failures_lock_that_username_from_that_address(axes_on, client, staff, leader):
    for _ in range(4):
        response = _login(client, "staff", "wrong-password")
        assert response.status_code == 200
        assert "用户名或密码错误" in response.content.decode()
    # The fifth failure already answers with the lockout page.
    assert _login(client, "staff", "wrong-password").status_code == 429
    response = _login(client, "staff", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "锁定" in page and "账户已暂时锁定" in page
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="staff").failures_since_start == 6

    # Another user behind the same address (the bureau's proxy) is not locked out.
    other = Client()
    response = _login(other, "leader", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_four_failures_then_success_resets_the_count(axes_on, client, staff):
    for _ in range(4):
        _login(client, "staff", "wrong-password")
    assert _login(client, "staff", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="staff").exists()


def test_lockout_is_per_address_too(axes_on, staff):
    attacker = Client(REMOTE_ADDR="10.0.0.66")
    for _ in range(5):
        _login(attacker, "staff", "wrong-password")
    assert _login(attacker, "staff", PASSWORD).status_code == 429
    colleague = Client(REMOTE_ADDR="10.0.0.7")
    assert _login(colleague, "staff", PASSWORD).status_code == 302


def test_login_works_again_after_the_cooloff(axes_on, client, staff):
    for _ in range(5):
        _login(client, "staff", "wrong-password")
    assert _login(client, "staff", PASSWORD).status_code == 429
    # Half an hour later (the attempt's timestamps moved back past AXES_COOLOFF_TIME).
    earlier = timezone.now() - timedelta(minutes=31)
    AccessAttempt.objects.filter(username="staff").update(attempt_time=earlier)
    response = _login(client, "staff", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_token_endpoint_counts_failures_and_locks(axes_on, staff, leader):
    api = APIClient()
    for _ in range(4):
        response = api.post(TOKEN, {"username": "staff", "password": "wrong"}, format="json")
        assert response.status_code == 400
    response = api.post(TOKEN, {"username": "staff", "password": "wrong"}, format="json")
    assert response.status_code == 429
    assert AccessAttempt.objects.get(username="staff").failures_since_start == 5
    response = api.post(TOKEN, {"username": "staff", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json() == {"detail": "登录失败次数过多，账户已被暂时锁定，请稍后再试。"}
    # The same lock holds on the login page, and not for another user from that address.
    assert _login(Client(), "staff", PASSWORD).status_code == 429
    response = api.post(TOKEN, {"username": "leader", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert set(response.json()) == {"token"}


def test_login_page_failures_lock_the_token_endpoint(axes_on, client, staff):
    for _ in range(5):
        _login(client, "staff", "wrong-password")
    response = APIClient().post(TOKEN, {"username": "staff", "password": PASSWORD}, format="json")
    assert response.status_code == 429


@pytest.mark.parametrize(
    "proxies,forwarded,expected",
    [
        (0, "1.2.3.4", "10.0.0.1"),  # no proxy: a client-sent header is ignored
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # a forged left part is ignored
        (2, "1.2.3.4, 172.16.0.2", "1.2.3.4"),
        (2, "", "10.0.0.1"),
    ],
)
def test_client_address_behind_proxies(rf, settings, proxies, forwarded, expected):
    settings.TIZHI_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


# --- sessions -----------------------------------------------------------------------------


def test_session_settings():
    assert django_settings.SESSION_COOKIE_AGE == 43200
    assert django_settings.SESSION_IDLE_TIMEOUT == 1800
    assert django_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert django_settings.SESSION_COOKIE_HTTPONLY is True


def test_login_sets_a_twelve_hour_session(client, staff):
    response = _login(client, "staff", PASSWORD)
    assert response.status_code == 302
    assert client.session.get_expiry_age() == 43200
    stored = Session.objects.get(session_key=client.session.session_key)
    remaining = (stored.expire_date - timezone.now()).total_seconds()
    assert 43200 - 60 < remaining <= 43200
    # The cookie itself ends with the browser.
    assert response.cookies["sessionid"]["max-age"] == ""


def _age_session(client, key, seconds):
    session = client.session
    session[key] = int(time.time()) - seconds
    session.save()


def test_idle_session_is_logged_out(client_for, staff):
    client = client_for(staff)
    assert client.get("/").status_code == 200
    _age_session(client, SessionLimitsMiddleware.KEY, 29 * 60)
    assert client.get("/").status_code == 200
    _age_session(client, SessionLimitsMiddleware.KEY, 31 * 60)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"
    assert "_auth_user_id" not in client.session


def test_active_session_ends_after_twelve_hours(client_for, staff):
    client = client_for(staff)
    assert client.get("/").status_code == 200
    _age_session(client, SessionLimitsMiddleware.STARTED, 12 * 3600 - 60)
    assert client.get("/").status_code == 200
    _age_session(client, SessionLimitsMiddleware.STARTED, 12 * 3600 + 60)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


# --- framing, CSRF, logout ----------------------------------------------------------------


@pytest.mark.django_db
def test_pages_refuse_to_be_framed(client):
    assert client.get(LOGIN)["X-Frame-Options"] == "DENY"
    assert client.get(LOGIN)["X-Content-Type-Options"] == "nosniff"


def test_login_without_csrf_token_is_refused(staff):
    client = Client(enforce_csrf_checks=True)
    response = _login(client, "staff", PASSWORD)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_login_with_csrf_token_works(staff):
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(
        LOGIN, {"username": "staff", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_logout_is_post_only(client_for, staff):
    client = client_for(staff)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


# --- passwords, tokens --------------------------------------------------------------------


@pytest.mark.django_db
def test_weak_password_is_refused_by_add_user(monkeypatch):
    monkeypatch.setenv("TIZHI_PASSWORD", "123456")
    with pytest.raises(CommandError) as caught:
        call_command("add_user", "newstaff", "--role", "staff")
    message = str(caught.value)
    assert message.startswith("密码不符合要求：")
    assert "这个密码太常见了。" in message
    assert "密码只包含数字。" in message


def test_token_auth(staff):
    api = APIClient()
    response = api.post(TOKEN, {"username": "staff", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert set(response.json()) == {"token"}
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/schools/").status_code == 200
    # The same token again on a second request for one.
    again = APIClient().post(TOKEN, {"username": "staff", "password": PASSWORD}, format="json")
    assert again.json() == {"token": token}


def test_token_bad_credentials(staff):
    api = APIClient()
    response = api.post(TOKEN, {"username": "staff", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "用户名或密码错误，或账户已被暂时锁定。"}
    response = api.post(TOKEN, {"username": "nobody", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "用户名或密码错误，或账户已被暂时锁定。"}


def test_inactive_user_gets_no_token(staff):
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    response = APIClient().post(TOKEN, {"username": "staff", "password": PASSWORD}, format="json")
    assert response.status_code == 400


def test_bad_token_is_refused(staff):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    response = api.get("/api/v1/schools/")
    # 401 with WWW-Authenticate: Token (bureau.authentication.TokenRefused).
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "令牌无效或已被撤销，请重新获取"}


def test_an_expired_token_is_refused_and_a_new_one_is_issued(staff, settings):
    settings.TIZHI_API_TOKEN_DAYS = 30
    api = APIClient()
    token = api.post(TOKEN, {"username": "staff", "password": PASSWORD}, format="json").json()
    key = token["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    issued = Token.objects.get(key=key)

    # 29 days 23 hours old: still good
    Token.objects.filter(key=key).update(created=timezone.now() - timedelta(days=29, hours=23))
    assert api.get("/api/v1/schools/").status_code == 200
    # 30 days and a minute old: refused with its own message
    Token.objects.filter(key=key).update(created=issued.created - timedelta(days=30, minutes=1))
    response = api.get("/api/v1/schools/")
    assert response.status_code == 401
    assert response.json() == {"detail": "令牌已过期，请重新获取"}

    again = APIClient().post(TOKEN, {"username": "staff", "password": PASSWORD}, format="json")
    fresh = again.json()["token"]
    assert fresh != key and not Token.objects.filter(key=key).exists()
    api.credentials(HTTP_AUTHORIZATION=f"Token {fresh}")
    assert api.get("/api/v1/schools/").status_code == 200
