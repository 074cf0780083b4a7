import time

from django.conf import settings
from django.contrib.auth import logout


class SessionLimitsMiddleware:
    """Ends a browser session after SESSION_IDLE_TIMEOUT seconds without a request.

    The absolute 12-hour limit is SESSION_COOKIE_AGE (the session is not refreshed on every
    request, so its expiry stays where login put it)."""

    KEY = "_last_seen"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(self.KEY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
            else:
                # Write at most once a minute to spare the session store.
                if last is None or now - last > 60:
                    request.session[self.KEY] = now
        return self.get_response(request)
