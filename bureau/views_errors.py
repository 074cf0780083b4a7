"""Error pages (400, 403, 404, 429, 500, and 503 when the database is unreachable): Chinese, in
the site's layout. Paths under ``/api/`` answer JSON instead, as the API does everywhere else.

Wired in ``bureau/urls.py`` (``handler400`` …), ``CSRF_FAILURE_VIEW`` and
``AXES_LOCKOUT_TEMPLATE`` (the lock-out page extends ``429.html``). The 400, 404, 500 and 503
pages are rendered without the request's context (no navigation, no per-request token): the
request may be malformed or the database gone, an error page must not fail in turn, and a 404
must be the same bytes whether the object is absent or not the user's.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)


def _api(request) -> bool:
    return request is not None and request.path.startswith("/api/")


def error_response(
    request, status: int, message: str, *, template: str | None = None, with_request=True
) -> HttpResponse:
    """The error page ``template`` (default ``<status>.html``) with ``message``, or
    ``{"detail": message}`` under ``/api/``."""
    if _api(request):
        return JsonResponse({"detail": message}, status=status)
    context = {"message": message, "bureau_name": settings.TIZHI_BUREAU_NAME}
    try:
        body = loader.render_to_string(
            template or f"{status}.html", context, request=request if with_request else None
        )
    except Exception:  # the page about an error must not raise one
        logger.exception("the %s page could not be rendered", status)
        body = f'<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><p>{message}</p></html>'
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def bad_request(request, exception=None):
    return error_response(
        request, 400, _("请求有误，服务器无法处理。请返回上一页重试。"), with_request=False
    )


def permission_denied(request, exception=None):
    # The services' refusals carry a Chinese reason ("只有…可以…"): show it.
    reason = str(exception or "") if exception is not None else ""
    return error_response(request, 403, reason or _("您没有权限访问此页面。"))


def page_not_found(request, exception=None):
    # Never the exception's text, and the same bytes for everyone (no per-request token):
    # "not found" and "not yours" must read exactly the same.
    return error_response(request, 404, _("页面不存在，或您没有查看它的权限。"), with_request=False)


def server_error(request):
    """500, or 503 when what failed is the database connection (``sys.exc_info()`` is the
    exception being handled: Django calls this view inside its ``except``)."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    return error_response(
        request,
        500,
        _("服务器内部错误，请稍后重试；如果一再出现，请联系系统管理员。"),
        with_request=False,
    )


def database_unavailable(request):
    response = error_response(
        request, 503, _("数据库暂时无法连接，请稍后重试"), template="503.html", with_request=False
    )
    response["Retry-After"] = "30"
    return response


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form from an expired page (or another site)."""
    return error_response(
        request, 403, _("页面已过期或来源无法验证，请刷新页面后重新提交。"), template="403.html"
    )


def too_many_requests(request, exception=None):
    return error_response(request, 429, _("请求过于频繁，请稍后再试。"))
