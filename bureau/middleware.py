import time

from django.conf import settings
from django.contrib.auth import logout


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
