import threading

from django.contrib.auth import authenticate
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .authentication import token_expired
from .services import tokens_revoke


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class ObtainTokenView(APIView):
    """POST {"username", "password"} → {"token"}: the user's token, a new one when it has
    expired (``TIZHI_API_TOKEN_DAYS``) or was revoked. DELETE (with the token, or signed in)
    revokes the user's tokens: the API's logout.

    Goes through ``authenticate(request=…)`` so that django-axes counts failures and locks
    the account exactly as it does for the login page."""

    def _asking_for_a_token(self) -> bool:
        request = getattr(self, "request", None)
        return request is None or request.method == "POST"

    def get_authenticators(self):
        return [] if self._asking_for_a_token() else super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if self._asking_for_a_token() else [IsAuthenticated()]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: inline_serializer("Token", {"token": serializers.CharField()})},
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request=request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        # django-axes marks the request it was given (this DRF request, not the Django one
        # its middleware sees), so the lockout answer is given here.
        if getattr(request, "axes_locked_out", False):
            return Response(
                {"detail": _("登录失败次数过多，账户已被暂时锁定，请稍后再试。")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None or not user.is_active:
            return Response(
                {"detail": _("用户名或密码错误，或账户已被暂时锁定。")},
                status=status.HTTP_400_BAD_REQUEST,
            )
        token = Token.objects.filter(user=user).first()
        if token is not None and token_expired(token):
            token.delete()
            token = None
        if token is None:
            token = Token.objects.create(user=user)
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        tokens_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- the OpenAPI schema ------------------------------------------------------------------

_schemas: dict[tuple, dict] = {}
_schemas_lock = threading.Lock()


def schema_cache_clear() -> None:
    with _schemas_lock:
        _schemas.clear()


class SchemaView(SpectacularAPIView):
    """``/api/v1/schema/``: generated once per process and language, then served from memory.

    drf-spectacular resolves its extensions (``polymorphic`` and other optional packages) as it
    generates; two generations at once in one process could see each other's half-done state
    and fail (a 500 when the docs page was loaded three times quickly). The schema is public
    (``SERVE_PUBLIC``: not filtered by the user), so one copy per language serves everyone."""

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        key = (translation.get_language(), version)
        with _schemas_lock:
            schema = _schemas.get(key)
            if schema is None:
                generator = self.generator_class(
                    urlconf=self.urlconf, api_version=version, patterns=self.patterns
                )
                schema = generator.get_schema(request=request, public=self.serve_public)
                _schemas[key] = schema
        filename = self._get_filename(request, version)
        return Response(
            data=schema, headers={"Content-Disposition": f'inline; filename="{filename}"'}
        )
