"""``GET /api/v1/audit/`` and ``GET /api/v1/access-log/`` (SPEC §9): system administrators
only (anyone else: 403); paginated as every list (``?page=``, ``count``, ``results``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.generics import GenericAPIView

from . import access
from .selectors_audit import access_log_entries, access_log_row, audit_entries, audit_row


class IsAuditReader(permissions.BasePermission):
    message = gettext_lazy("只有系统管理员可以查看操作日志和访问日志")

    def has_permission(self, request, view):
        return bool(request.user and access.can_read_audit(request.user))


def _query(request, name: str) -> str | None:
    return request.query_params.get(name) or None


class AuditView(GenericAPIView):
    """Every recorded change: who, when, what, before → after."""

    permission_classes = [permissions.IsAuthenticated, IsAuditReader]
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("model", str, description="exam, visit, rectification, user…"),
            OpenApiParameter("object", str, description="exam:BARS-MID, visit:12…"),
            OpenApiParameter("user", str, description="用户名"),
            OpenApiParameter("from", str, description="YYYY-MM-DD（含）"),
            OpenApiParameter("to", str, description="YYYY-MM-DD（含）"),
        ],
        responses=inline_serializer(
            "AuditRow",
            {
                "at": serializers.DateTimeField(),
                "user": serializers.CharField(allow_null=True),
                "origin": serializers.CharField(),
                "action": serializers.CharField(),
                "model": serializers.CharField(),
                "object": serializers.CharField(),
                "changes": serializers.JSONField(),
            },
            many=True,
        ),
    )
    def get(self, request):
        entries = audit_entries(
            model=_query(request, "model"),
            object=_query(request, "object"),
            user=_query(request, "user"),
            start=_query(request, "from"),
            end=_query(request, "to"),
        )
        page = self.paginate_queryset(entries)
        return self.get_paginated_response([audit_row(e) for e in page])


class AccessLogView(GenericAPIView):
    """Who viewed or exported student-level data (pages, exports, API, templates, admin)."""

    permission_classes = [permissions.IsAuthenticated, IsAuditReader]
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter("user", str, description="用户名"),
            OpenApiParameter("school", str, description="学校代码"),
            OpenApiParameter("action", str, enum=["view", "export"]),
            OpenApiParameter("from", str, description="YYYY-MM-DD（含）"),
            OpenApiParameter("to", str, description="YYYY-MM-DD（含）"),
        ],
        responses=inline_serializer(
            "AccessLogRow",
            {
                "at": serializers.DateTimeField(),
                "user": serializers.CharField(),
                "action": serializers.CharField(),
                "what": serializers.CharField(),
                "school": serializers.CharField(allow_null=True),
                "exam": serializers.CharField(allow_null=True),
                "rows": serializers.IntegerField(),
            },
            many=True,
        ),
    )
    def get(self, request):
        logs = access_log_entries(
            user=_query(request, "user"),
            school=_query(request, "school"),
            action=_query(request, "action"),
            start=_query(request, "from"),
            end=_query(request, "to"),
        )
        page = self.paginate_queryset(logs)
        return self.get_paginated_response([access_log_row(x) for x in page])
