from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .authentication import token_expired


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class ObtainTokenView(APIView):
    """POST {"username", "password"} → {"token"}: the user's token, a new one when it has
    expired (``TIZHI_API_TOKEN_DAYS``).

    Goes through ``authenticate(request=…)`` so that django-axes counts failures and locks
    the account exactly as it does for the login page."""

    permission_classes = [AllowAny]
    authentication_classes = []

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
