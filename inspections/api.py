"""Checklists and visits over the API (SPEC §4 "Inspections and bulletins").

``/checklists/``: everyone signed in reads; managers create, and revise with
``POST /checklists/{id}/revise/`` (a new version when the checklist is already in use).
``/visits/``: read as ``inspections.selectors.visits_for`` allows; inspectors, staff and admins
record visits; ``PATCH`` while a draft; ``POST /visits/{id}/submit/`` locks it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bureau import access
from bureau.errors import DomainError
from bureau.models import User

from . import selectors, services
from .models import (
    ChecklistItem,
    ChecklistTemplate,
    ItemKind,
    Visit,
    VisitKind,
    VisitScore,
    VisitStatus,
)


class ManagersWriteChecklists(permissions.BasePermission):
    message = gettext_lazy("只有局机关工作人员或管理员可以管理检查表。")

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or access.is_manager(request.user)


class RecordersWriteVisits(permissions.BasePermission):
    message = gettext_lazy("只有督导员、局机关工作人员或管理员可以记录督导。")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.role_of(request.user) in services.RECORDERS


def _inline_choices(choices):
    """A choice field whose values the OpenAPI schema documents in place. A bare ``enum`` would
    be turned into a shared ``KindEnum``/``StatusEnum`` component by drf-spectacular and
    clash with the exams' ``kind`` (a warning that ``check --deploy`` fails on); wrapped in
    ``allOf`` next to a description (a lone ``allOf`` is unwrapped) it stays where it is."""
    enum = {"type": "string", "enum": list(choices.values)}
    labels = "；".join(f"{value}：{label}" for value, label in choices.choices)

    @extend_schema_field({"allOf": [enum], "description": labels})
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices.choices, **kwargs)

    return Field


ItemKindField = _inline_choices(ItemKind)
VisitKindField = _inline_choices(VisitKind)
VisitStatusField = _inline_choices(VisitStatus)


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


def _resolve(user, data: dict) -> dict:
    """Codes, ids and usernames of the body → objects, as the services take them."""
    args = dict(data)
    if "school" in args:
        school = access.schools_for(user).filter(code=args["school"]).first()
        if school is None:
            raise DomainError(_("学校不存在：%(code)s") % {"code": args["school"]})
        args["school"] = school
    if "checklist" in args:
        checklist = ChecklistTemplate.objects.filter(pk=args["checklist"]).first()
        if checklist is None:
            raise DomainError(_("检查表不存在：%(id)s") % {"id": args["checklist"]})
        args["checklist"] = checklist
    if "inspectors" in args:
        names = list(dict.fromkeys(args["inspectors"]))
        people = list(User.objects.filter(username__in=names, is_active=True))
        unknown = sorted(set(names) - {u.username for u in people})
        if unknown:
            raise DomainError(_("用户不存在：%(names)s") % {"names": "、".join(unknown)})
        args["inspectors"] = people
    return args


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

    @extend_schema(request=VisitInSerializer, responses={201: VisitSerializer})
    def create(self, request, *args, **kwargs):
        body = VisitInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        visit = services.visit_create(
            user=request.user, **_resolve(request.user, body.validated_data)
        )
        return self._answer(visit, status.HTTP_201_CREATED)

    @extend_schema(request=VisitInSerializer, responses={200: VisitSerializer})
    def partial_update(self, request, *args, **kwargs):
        visit = self.get_object()
        body = VisitInSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        visit = services.visit_update(
            visit=visit, user=request.user, **_resolve(request.user, body.validated_data)
        )
        return self._answer(visit)

    @extend_schema(request=None, responses={200: VisitSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        visit = services.visit_submit(visit=self.get_object(), user=request.user)
        return self._answer(visit)
