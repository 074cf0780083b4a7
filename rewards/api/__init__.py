"""Reward schemes and evaluation lists over the API (SPEC §7).

``/schemes/``: everyone signed in lists the schemes ``access.schemes_for`` lets them see
(published ones only for inspectors and principals); admins and staff create and change
them (``PATCH /schemes/{code}/`` until approved), compute them (``POST …/compute/``, 202,
queued), adjust a line (``POST …/adjust/``) and publish; leaders and admins approve.
``GET /evaluations/`` is in ``rewards.api.evaluations``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bureau import access
from core.errors import DomainError, NotAllowed

from ..models import Award, AwardLine, Scheme
from ..selectors.schemes import adjustments_of, line_rows, scheme_totals
from ..services.lines import line_adjust
from ..services.schemes import (
    scheme_approve,
    scheme_compute_request,
    scheme_create,
    scheme_publish,
    scheme_update,
)


class AwardSerializer(serializers.ModelSerializer):
    exam = serializers.SlugRelatedField(slug_field="code", read_only=True)
    baseline_exam = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Award
        fields = [
            "name",
            "recipient",
            "rule",
            "exam",
            "subject",
            "metric",
            "k",
            "value",
            "baseline_exam",
            "target",
            "amounts",
            "amount",
            "per_student",
            "cap",
            "min_participation",
            "min_sat",
            "exclude",
            "entries",
        ]


class SchemeSerializer(serializers.Serializer):
    code = serializers.CharField()
    year = serializers.CharField(source="year.name")
    name = serializers.CharField()
    budget = serializers.IntegerField()
    scale_to_budget = serializers.BooleanField()
    status = serializers.CharField()
    compute_status = serializers.CharField()
    progress = serializers.IntegerField()
    computed_at = serializers.DateTimeField()
    stale = serializers.BooleanField()
    approved_by = serializers.CharField(source="approved_by.username", default=None)
    approved_at = serializers.DateTimeField()
    published_at = serializers.DateTimeField()
    totals = serializers.SerializerMethodField()
    awards = AwardSerializer(many=True, read_only=True)

    def get_totals(self, scheme) -> dict:
        return scheme_totals(scheme)


SchemeBody = inline_serializer(
    "SchemeBody",
    {
        "code": serializers.CharField(),
        "year": serializers.CharField(),
        "name": serializers.CharField(),
        "budget": serializers.IntegerField(),
        "scale_to_budget": serializers.BooleanField(),
        "awards": serializers.ListField(child=serializers.DictField()),
    },
)
LineRow = inline_serializer(
    "AwardLineRow",
    {
        "id": serializers.IntegerField(),
        "award": serializers.CharField(),
        "recipient": serializers.CharField(),
        "school": serializers.CharField(allow_null=True),
        "subject": serializers.CharField(allow_null=True),
        "class_name": serializers.CharField(allow_null=True),
        "teacher": serializers.CharField(allow_null=True),
        "rank": serializers.IntegerField(allow_null=True),
        "value": serializers.FloatField(allow_null=True),
        "amount": serializers.IntegerField(),
        "reason": serializers.CharField(),
    },
    many=True,
)
AdjustBody = inline_serializer(
    "AwardLineAdjust",
    {
        "line": serializers.IntegerField(),
        "amount": serializers.IntegerField(required=False),
        "excluded": serializers.BooleanField(required=False),
        "reason": serializers.CharField(),
    },
)


class SchemeViewSet(viewsets.ViewSet):
    lookup_field = "code"
    queryset = Scheme.objects.none()  # for the schema's path type; reads use access.schemes_for
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = SchemeSerializer

    def _scheme(self, code):
        return access.scheme_get_for(self.request.user, code)

    def _answer(self, scheme, code=status.HTTP_200_OK):
        scheme.refresh_from_db()
        return Response(SchemeSerializer(scheme).data, status=code)

    def list(self, request):
        from rest_framework.pagination import PageNumberPagination

        qs = access.schemes_for(request.user).prefetch_related("awards")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(SchemeSerializer(page, many=True).data)

    def retrieve(self, request, code=None):
        return self._answer(self._scheme(code))

    @extend_schema(request=SchemeBody, responses=SchemeSerializer)
    def create(self, request):
        if not isinstance(request.data, dict):
            raise DomainError(_("请求体应为 JSON 对象"))
        scheme = scheme_create(data=dict(request.data), user=request.user)
        return self._answer(scheme, status.HTTP_201_CREATED)

    @extend_schema(request=SchemeBody, responses=SchemeSerializer)
    def partial_update(self, request, code=None):
        scheme = self._scheme(code)
        scheme = scheme_update(scheme=scheme, data=dict(request.data), user=request.user)
        return self._answer(scheme)

    @extend_schema(request=None, responses=SchemeSerializer)
    @action(detail=True, methods=["post"])
    def compute(self, request, code=None):
        scheme = scheme_compute_request(scheme=self._scheme(code), user=request.user)
        return self._answer(scheme, status.HTTP_202_ACCEPTED)

    @extend_schema(responses=LineRow)
    @action(detail=True, methods=["get"])
    def awards(self, request, code=None):
        return Response(line_rows(user=request.user, scheme=self._scheme(code)))

    @extend_schema(request=AdjustBody, responses=LineRow)
    @action(detail=True, methods=["post"])
    def adjust(self, request, code=None):
        scheme = self._scheme(code)
        if not access.can_write_schemes(request.user):
            raise NotAllowed(_("只有局机关工作人员或管理员可以调整获奖金额"))
        data = request.data
        line = AwardLine.objects.filter(
            award__scheme=scheme, pk=_int_or_none(data.get("line"))
        ).first()
        if line is None:
            raise DomainError(_("line: 获奖明细不存在"), details={"line": [_("获奖明细不存在")]})
        excluded = data.get("excluded") in (True, "true", "1", 1)
        amount = data.get("amount")
        if amount is not None and not excluded:
            try:
                number = float(amount)
            except (TypeError, ValueError):
                raise DomainError(
                    _("amount: 金额应为整数（%(value)s）") % {"value": amount},
                    details={"amount": [_("金额应为整数")]},
                ) from None
            amount = int(number) if number == int(number) else number
        line_adjust(
            line=line,
            user=request.user,
            reason=data.get("reason") or "",
            amount=amount,
            excluded=excluded,
        )
        return Response(line_rows(user=request.user, scheme=scheme))

    @action(detail=True, methods=["get"])
    def history(self, request, code=None):
        scheme = self._scheme(code)
        if not access.can_write_schemes(request.user) and not access.can_approve_schemes(
            request.user
        ):
            return Response([])
        return Response(
            [
                {
                    "at": a.at,
                    "by": a.by.username if a.by else None,
                    "award": a.award.name,
                    "recipient": a.recipient,
                    "from": a.from_amount,
                    "to": a.to_amount,
                    "excluded": a.excluded,
                    "reason": a.reason,
                }
                for a in adjustments_of(scheme)
            ]
        )

    @extend_schema(request=None, responses=SchemeSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, code=None):
        return self._answer(scheme_approve(scheme=self._scheme(code), user=request.user))

    @extend_schema(request=None, responses=SchemeSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, code=None):
        return self._answer(scheme_publish(scheme=self._scheme(code), user=request.user))


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
