"""Visits over the API: record, change while a draft, submit, attachments, admin corrections."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from bureau import idempotency
from core.errors import DomainError
from inspections.services import corrections as services_corrections
from inspections.services import files as services_files

from .. import selectors, services
from ..models import (
    Visit,
    VisitAttachment,
    VisitScore,
)
from .common import (
    RecordersWriteVisits,
    VisitKindField,
    VisitStatusField,
    resolve_body,
)

# --- visits --------------------------------------------------------------------------------


class VisitScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = VisitScore
        fields = ["item", "points", "level", "comment"]


class VisitSerializer(serializers.ModelSerializer):
    school = serializers.CharField(source="school.code")
    school_name = serializers.CharField(source="school.name")
    kind = VisitKindField()
    status = VisitStatusField()
    kind_display = serializers.CharField(source="get_kind_display")
    checklist_name = serializers.CharField(source="checklist.name")
    checklist_version = serializers.IntegerField(source="checklist.version")
    inspectors = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    scores = VisitScoreSerializer(many=True, read_only=True)
    total = serializers.SerializerMethodField()
    possible = serializers.SerializerMethodField()
    percentage = serializers.SerializerMethodField()
    passed = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = [
            "id",
            "school",
            "school_name",
            "date",
            "kind",
            "kind_display",
            "checklist",
            "checklist_name",
            "checklist_version",
            "inspectors",
            "findings",
            "status",
            "status_display",
            "submitted_at",
            "created_by",
            "created_at",
            "scores",
            "total",
            "possible",
            "percentage",
            "passed",
        ]
        read_only_fields = fields

    def _result(self, visit):
        cache = self.context.setdefault("results", {})
        if visit.pk not in cache:
            cache[visit.pk] = selectors.visit_score(visit)
        return cache[visit.pk]

    def get_inspectors(self, visit) -> list[str]:
        return sorted(u.username for u in visit.inspectors.all())

    def get_total(self, visit) -> float:
        return self._result(visit).total

    def get_possible(self, visit) -> float:
        return self._result(visit).possible

    def get_percentage(self, visit) -> float | None:
        return self._result(visit).percentage

    def get_passed(self, visit) -> bool | None:
        return self._result(visit).passed


class ScoreInSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    points = serializers.FloatField(required=False, allow_null=True)
    level = serializers.CharField(required=False, allow_blank=True)
    comment = serializers.CharField(required=False, allow_blank=True)


class VisitInSerializer(serializers.Serializer):
    school = serializers.CharField(help_text=gettext_lazy("学校代码"))
    date = serializers.DateField()
    kind = VisitKindField()
    checklist = serializers.IntegerField()
    inspectors = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=gettext_lazy("督导人员的用户名")
    )
    scores = ScoreInSerializer(many=True, required=False)
    findings = serializers.CharField(required=False, allow_blank=True)


class VisitCreateSerializer(VisitInSerializer):
    request_key = serializers.CharField(
        required=False,
        max_length=100,
        help_text=gettext_lazy(
            "可选：请求的一次性键（也可用请求头 Idempotency-Key）；同一个键重复提交时返回第一次建立的记录"
        ),
    )


class VisitAttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = VisitAttachment
        fields = ["id", "name", "content_type", "size", "uploaded_by", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        return reverse("inspections:attachment", args=[attachment.visit_id, attachment.pk])


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class VisitCorrectSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text=gettext_lazy("更正原因（必填）"))
    date = serializers.DateField(required=False)
    kind = VisitKindField(required=False)
    scores = ScoreInSerializer(many=True, required=False)
    findings = serializers.CharField(required=False, allow_blank=True)


class VisitFilter(filters.FilterSet):
    school = filters.CharFilter(field_name="school__code")
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Visit
        fields = ["kind", "status"]


# ``from`` and ``to`` (SPEC) are not valid Python names for class attributes.
VisitFilter.base_filters["from"] = VisitFilter.base_filters.pop("date_from")
VisitFilter.base_filters["to"] = VisitFilter.base_filters.pop("date_to")


class VisitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = VisitSerializer
    permission_classes = [permissions.IsAuthenticated, RecordersWriteVisits]
    filterset_class = VisitFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.visits_for(self.request.user)

    def get_object(self):
        visit = selectors.visit_get_for(self.request.user, self.kwargs["pk"])
        self.check_object_permissions(self.request, visit)
        return visit

    def _answer(self, visit, code=status.HTTP_200_OK):
        return Response(VisitSerializer(self.get_queryset().get(pk=visit.pk)).data, code)

    @extend_schema(request=VisitCreateSerializer, responses={201: VisitSerializer})
    def create(self, request, *args, **kwargs):
        """A draft visit. With an ``Idempotency-Key`` header (or ``request_key``), a repeat
        of the same request answers the visit the first one made (docs/inspections.md)."""
        key = idempotency.api_key_of(request)
        body = VisitCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.pop("request_key", None)
        visit, created = idempotency.request_once(
            user=request.user,
            scope="visit",
            key=key,
            model=Visit,
            fingerprint=idempotency.body_fingerprint(request.data),
            create=lambda: services.visit_create(
                user=request.user, **resolve_body(request.user, data)
            ),
        )
        response = self._answer(visit, status.HTTP_201_CREATED)
        if not created:
            response[idempotency.REPLAYED_HEADER] = "true"
        return response

    @extend_schema(request=VisitInSerializer, responses={200: VisitSerializer})
    def partial_update(self, request, *args, **kwargs):
        visit = self.get_object()
        body = VisitInSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        visit = services.visit_update(
            visit=visit, user=request.user, **resolve_body(request.user, body.validated_data)
        )
        return self._answer(visit)

    @extend_schema(request=None, responses={200: VisitSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        visit = services.visit_submit(visit=self.get_object(), user=request.user)
        return self._answer(visit)

    @extend_schema(
        methods=["GET"], request=None, responses={200: VisitAttachmentSerializer(many=True)}
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: VisitAttachmentSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser],
        pagination_class=None,
        filterset_class=None,
    )
    def attachments(self, request, pk=None):
        """GET: the visit's attachments (not paginated). POST: one file (``file``), while the
        visit is a draft (docs/inspections-records.md)."""
        visit = self.get_object()
        if request.method == "GET":
            rows = VisitAttachment.objects.filter(visit=visit).select_related("uploaded_by")
            return Response(VisitAttachmentSerializer(rows, many=True).data)
        file = request.FILES.get("file")
        if file is None:
            raise DomainError(_("请选择要上传的文件"))
        attachment = services_files.attachment_add(visit=visit, file=file, user=request.user)
        return Response(VisitAttachmentSerializer(attachment).data, status.HTTP_201_CREATED)

    @extend_schema(request=VisitCorrectSerializer, responses={200: VisitSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """An admin's correction of a submitted visit, with a reason; only what changes is
        recorded (docs/inspections-records.md)."""
        visit = self.get_object()
        body = VisitCorrectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services_corrections.visit_correct(visit=visit, user=request.user, **body.validated_data)
        return self._answer(visit)
