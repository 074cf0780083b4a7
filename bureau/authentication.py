"""API token authentication with an expiry. A module of its own: DRF imports the classes of
``DEFAULT_AUTHENTICATION_CLASSES`` while ``rest_framework.views`` is still loading."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_expired(token: Token) -> bool:
    lifetime = datetime.timedelta(days=settings.TIZHI_API_TOKEN_DAYS)
    return token.created < timezone.now() - lifetime


class TokenRefused(exceptions.APIException):
    """A token that was sent and is not good: always 401 with ``WWW-Authenticate: Token``.

    Not an ``AuthenticationFailed``: DRF answers those with the first authentication class's
    header, and session authentication comes first and has none, which would make them 403."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = _("令牌无效或已被撤销，请重新获取")
    default_code = "authentication_failed"

    def __init__(self, detail=None):
        super().__init__(detail)
        self.auth_header = "Token"


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token …``: refused (401) when unknown or revoked (a password change,
    deactivation or logout revokes a user's tokens: ``bureau.signals``), when its user is
    inactive, and ``TIZHI_API_TOKEN_DAYS`` days after it was issued."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except TokenRefused:
            raise
        except exceptions.AuthenticationFailed as exc:  # a malformed header
            raise TokenRefused(_("令牌格式不正确：Authorization: Token <令牌>")) from exc

    def authenticate_credentials(self, key):
        token = Token.objects.select_related("user").filter(key=key).first()
        if token is None:
            raise TokenRefused()
        if not token.user.is_active:
            raise TokenRefused(_("账户已停用"))
        if token_expired(token):
            raise TokenRefused(_("令牌已过期，请重新获取"))
        return token.user, token
