"""The login lock-out per topology (docs/operations.md, "Client addresses behind proxies"):
with the one right AXES_PROXY_COUNT, a client rotating its own X-Forwarded-For is still locked
by its real address."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.test import Client

from ..conftest import PASSWORD

LOGIN = "/accounts/login/"
NGINX = "172.18.0.5"  # the compose nginx, as gunicorn sees it
CLIENT = "203.0.113.7"  # the attacker's real address
COLLEAGUE = "198.51.100.9"


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    return settings


def _login(password, *, remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client(**extra).post(LOGIN, {"username": "staff", "password": password})


def test_behind_one_trusted_proxy_the_lock_follows_the_client(axes_on, staff):
    axes_on.TIZHI_PROXY_COUNT = 1
    # The client forges a different leading entry each time; nginx appends the real address.
    for n in range(5):
        forged = f"10.9.0.{n}"
        _login("wrong-password", remote=NGINX, forwarded=f"{forged}, {CLIENT}")
    response = _login(PASSWORD, remote=NGINX, forwarded=f"10.9.0.99, {CLIENT}")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT}
    # Another person behind the same nginx is not locked.
    assert _login(PASSWORD, remote=NGINX, forwarded=COLLEAGUE).status_code == 302


def test_reached_directly_with_no_proxy_count_a_forged_header_changes_nothing(axes_on, staff):
    axes_on.TIZHI_PROXY_COUNT = 0
    for n in range(5):
        _login("wrong-password", remote=CLIENT, forwarded=f"10.9.0.{n}")
    assert _login(PASSWORD, remote=CLIENT, forwarded="10.9.0.99").status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {CLIENT}
    assert _login(PASSWORD, remote=COLLEAGUE).status_code == 302


def test_why_gunicorn_is_never_published_with_a_proxy_count(axes_on, staff):
    # The unsafe pairing the compose file rules out: a proxy count while clients reach the
    # portal directly. Each forged last entry is a new "address", so no lock ever comes.
    axes_on.TIZHI_PROXY_COUNT = 1
    for n in range(6):
        assert _login("wrong-password", remote=CLIENT, forwarded=f"10.9.0.{n}").status_code == 200
    assert _login(PASSWORD, remote=CLIENT, forwarded="10.9.0.99").status_code == 302
