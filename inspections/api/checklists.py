"""Checklists over the API: everyone signed in reads; managers create and revise."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import (
    selectors,
    services,
)
from ..models import (
    ChecklistItem,
    ChecklistTemplate,
    ItemKind,
)
from .common import (
    ItemKindField,
    ManagersWriteChecklists,
)

# --- checklists ----------------------------------------------------------------------------


class ChecklistItemSerializer(serializers.ModelSerializer):
    kind = ItemKindField()

    class Meta:
        model = ChecklistItem
        fields = ["id", "group", "text", "guidance", "kind", "max_points", "weight", "levels"]


class ChecklistSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "family", "name", "version", "pass_mark", "frozen", "created_at", "items"]


class ChecklistItemInSerializer(serializers.Serializer):
    group = serializers.CharField(max_length=50)
    text = serializers.CharField(max_length=300)
    guidance = serializers.CharField(required=False, allow_blank=True)
    kind = ItemKindField(default=ItemKind.POINTS)
    max_points = serializers.FloatField(required=False, allow_null=True)
    weight = serializers.FloatField(default=1.0)
    levels = serializers.DictField(child=serializers.FloatField(), required=False)


class ChecklistInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    pass_mark = serializers.FloatField()
    items = ChecklistItemInSerializer(many=True)


class ChecklistViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ChecklistSerializer
    permission_classes = [permissions.IsAuthenticated, ManagersWriteChecklists]
    filterset_fields = ["family", "frozen"]

    def get_queryset(self):
        return selectors.checklists_for(self.request.user)

    def get_object(self):
        template = selectors.checklist_get_for(self.request.user, self.kwargs["pk"])
        self.check_object_permissions(self.request, template)
        return template

    def _answer(self, template, code):
        return Response(ChecklistSerializer(self.get_queryset().get(pk=template.pk)).data, code)

    @extend_schema(request=ChecklistInSerializer, responses={201: ChecklistSerializer})
    def create(self, request, *args, **kwargs):
        body = ChecklistInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        template = services.checklist_create(**body.validated_data, user=request.user)
        return self._answer(template, status.HTTP_201_CREATED)

    @extend_schema(request=ChecklistInSerializer, responses={200: ChecklistSerializer})
    @action(detail=True, methods=["post"])
    def revise(self, request, pk=None):
        """Revises a checklist: in place while no visit uses it (200), otherwise as a new
        version of the same family (201, a new ``id``)."""
        template = self.get_object()
        body = ChecklistInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        revised = services.checklist_revise(
            template=template, **body.validated_data, user=request.user
        )
        code = status.HTTP_200_OK if revised.pk == template.pk else status.HTTP_201_CREATED
        return self._answer(revised, code)
