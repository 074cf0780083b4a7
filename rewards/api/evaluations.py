"""``GET /api/v1/evaluations/`` (SPEC §7): one evaluation list of a year, not paginated."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from bureau import access

from ..selectors.evaluations import LISTS, evaluation_rows, year_get


class EvaluationsView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("year", str, description="2026-2027"),
            OpenApiParameter("school", str),
            OpenApiParameter("list", str, enum=list(LISTS)),
        ],
        responses=dict,
    )
    def get(self, request):
        if not access.can_read_evaluations(request.user):
            raise PermissionDenied(_("没有权限查看考核名单"))
        year = year_get(request.query_params.get("year"))
        name = request.query_params.get("list") or "bottom_half"
        school = request.query_params.get("school") or None
        return Response(evaluation_rows(user=request.user, year=year, name=name, school=school))
