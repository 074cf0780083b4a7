"""API token authentication with an expiry. A module of its own: DRF imports the classes of
``DEFAULT_AUTHENTICATION_CLASSES`` while ``rest_framework.views`` is still loading."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def token_expired(token: Token) -> bool:
    lifetime = datetime.timedelta(days=settings.TIZHI_API_TOKEN_DAYS)
    return token.created < timezone.now() - lifetime


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token …``, refused ``TIZHI_API_TOKEN_DAYS`` days after it was issued."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取"))
        return user, token
