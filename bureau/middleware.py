import contextlib
import logging
import sys
import time

from django.conf import settings
from django.contrib.auth import logout
from django.core.signals import got_request_exception
from django.db import DatabaseError, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)


def client_ip(request) -> str | None:
    """The client's address for django-axes (AXES_CLIENT_IP_CALLABLE).

    Behind TIZHI_PROXY_COUNT trusted reverse proxies, the client is the address the farthest
    of them appended to X-Forwarded-For (counted from the right, so that a client cannot
    choose its own address by sending the header itself); with no proxy, REMOTE_ADDR."""
    proxies = getattr(settings, "TIZHI_PROXY_COUNT", 0)
    remote = request.META.get("REMOTE_ADDR")
    if proxies <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [part for part in chain if part]
    if len(chain) < proxies:
        return remote
    return chain[-proxies]


class SessionLimitsMiddleware:
    """Ends a browser session after SESSION_IDLE_TIMEOUT seconds without a request, and in any
    case SESSION_COOKIE_AGE seconds (12 h) after it began.

    The absolute limit is enforced here rather than left to the session's expiry date: every
    save of the session (``_last_seen`` below) pushes that date forward again, so on its own
    it would let an active session live for ever."""

    KEY = "_last_seen"
    STARTED = "_started"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(self.KEY)
            started = request.session.get(self.STARTED)
            if (last is not None and now - last > settings.SESSION_IDLE_TIMEOUT) or (
                started is not None and now - started > settings.SESSION_COOKIE_AGE
            ):
                logout(request)
            else:
                if started is None:
                    request.session[self.STARTED] = now
                # Write at most once a minute to spare the session store.
                if last is None or now - last > 60:
                    request.session[self.KEY] = now
        return self.get_response(request)


class ChineseFirstMiddleware:
    """The portal speaks Simplified Chinese unless the user picks another language.

    Django's LocaleMiddleware would follow the browser's Accept-Language; a bureau's shared
    office computers often have an English browser, so only the language menu's cookie (or a
    language prefix) switches the interface. Placed before LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


# --- a lost database connection ----------------------------------------------------------

SAFE_METHODS = ("GET", "HEAD")
_LOST = "_tizhi_database_lost"
_RETRIED = "_tizhi_database_retried"


def _note_lost_connection(sender, request=None, **kwargs):
    """got_request_exception is sent inside Django's ``except``: mark the request when what
    failed is the database connection."""
    if request is not None and isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        setattr(request, _LOST, True)


got_request_exception.connect(_note_lost_connection, dispatch_uid="tizhi-database-retry")


def _close_connections() -> None:
    """Closes every opened connection so that the next query opens a new one. A connection
    inside a transaction is left alone (only a test wraps a request in one)."""
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            continue
        with contextlib.suppress(DatabaseError):
            connection.close()


class DatabaseRetryMiddleware:
    """A read (GET, HEAD) that failed because the database connection was lost (PostgreSQL
    restarted, a pooled connection timed out: ``OperationalError``/``InterfaceError``) is run
    once more on a fresh connection. Anything else, and a second failure, gets the Chinese
    503 page ("数据库暂时无法连接，请稍后重试", ``bureau.views_errors.server_error``): a POST
    is never repeated, since the first attempt may have written.

    Django turns an exception into a response inside every middleware layer, so this one sees
    the failure through the flag ``_note_lost_connection`` sets. Placed before the session
    and authentication middleware, whose queries are the first of a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(request, _LOST, False)
            and request.method in SAFE_METHODS
            and not getattr(request, _RETRIED, False)
        ):
            logger.warning(
                "database connection lost during %s %s: retrying once", request.method, request.path
            )
            setattr(request, _LOST, False)
            setattr(request, _RETRIED, True)
            _close_connections()
            response = self.get_response(request)
        return response
