"""Rectifications (整改) and lesson observations (推门听课) over the API."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bureau import access, idempotency
from bureau.models import Term
from core.errors import DomainError
from inspections import (
    selectors,
    services,
)
from inspections.api.common import (
    QuotaPeriodField,
    RatingField,
    RectificationStatusField,
    RoleField,
    SeverityField,
    resolve_body,
)
from inspections.models import (
    Observation,
    Rating,
    RectificationEvent,
    RectificationStatus,
    RectificationTask,
    Severity,
)

# --- rectifications (整改) -----------------------------------------------------------------


class RecordersSetRectifications(permissions.BasePermission):
    """Creating is for inspectors, staff and admins; answering and verifying are checked by
    the services against the task (403 with their message)."""

    message = gettext_lazy("只有督导员、局机关工作人员或管理员可以下达整改。")

    def has_permission(self, request, view):
        if view.action != "create":
            return True
        return access.can_record_visits(request.user)


class RectificationEventSerializer(serializers.ModelSerializer):
    by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    action = serializers.CharField(help_text=gettext_lazy("created、answered、reopened、closed"))
    action_display = serializers.CharField(source="get_action_display")

    class Meta:
        model = RectificationEvent
        fields = ["at", "by", "action", "action_display", "text"]
        read_only_fields = fields


class RectificationSerializer(serializers.ModelSerializer):
    school = serializers.CharField(source="school.code")
    school_name = serializers.CharField(source="school.name")
    severity = SeverityField()
    severity_display = serializers.CharField(source="get_severity_display")
    status = RectificationStatusField()
    status_display = serializers.CharField(source="get_status_display")
    overdue = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    history = RectificationEventSerializer(source="events", many=True, read_only=True)

    class Meta:
        model = RectificationTask
        fields = [
            "id",
            "school",
            "school_name",
            "visit",
            "title",
            "detail",
            "severity",
            "severity_display",
            "deadline",
            "responsible",
            "status",
            "status_display",
            "overdue",
            "created_by",
            "created_at",
            "history",
        ]
        read_only_fields = fields

    def get_overdue(self, task) -> bool:
        # As of the request, never stored: a task becomes overdue without anyone touching it.
        today = self.context.setdefault("today", timezone.localdate())
        return task.is_overdue(today)


class RectificationInSerializer(serializers.Serializer):
    school = serializers.CharField(help_text=gettext_lazy("学校代码"))
    visit = serializers.IntegerField(required=False, allow_null=True)
    title = serializers.CharField(max_length=200)
    detail = serializers.CharField(required=False, allow_blank=True)
    severity = SeverityField(default=Severity.MEDIUM)
    deadline = serializers.DateField()
    responsible = serializers.CharField(required=False, allow_blank=True, max_length=100)


class RectificationAnswerSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, help_text=gettext_lazy("整改情况"))


class RectificationVerifySerializer(serializers.Serializer):
    accepted = serializers.BooleanField()
    reason = serializers.CharField(
        required=False, allow_blank=True, help_text=gettext_lazy("退回重改的理由")
    )


class RectificationFilter(filters.FilterSet):
    school = filters.CharFilter(field_name="school__code")
    status = filters.ChoiceFilter(choices=RectificationStatus.choices)
    overdue = filters.BooleanFilter(method="filter_overdue")

    class Meta:
        model = RectificationTask
        fields = ["school", "status", "severity", "visit"]

    def filter_overdue(self, queryset, name, value):
        return selectors.rectifications_overdue(queryset, value, timezone.localdate())


class RectificationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RectificationSerializer
    permission_classes = [permissions.IsAuthenticated, RecordersSetRectifications]
    filterset_class = RectificationFilter

    def get_queryset(self):
        return selectors.rectifications_for(self.request.user)

    def get_object(self):
        task = selectors.rectification_get_for(self.request.user, self.kwargs["pk"])
        self.check_object_permissions(self.request, task)
        return task

    def _answer(self, task, code=status.HTTP_200_OK):
        return Response(RectificationSerializer(self.get_queryset().get(pk=task.pk)).data, code)

    @extend_schema(request=RectificationInSerializer, responses={201: RectificationSerializer})
    def create(self, request, *args, **kwargs):
        body = RectificationInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        args = resolve_body(request.user, body.validated_data)
        if args.get("visit") is not None:
            visit = selectors.visits_for(request.user).filter(pk=args["visit"]).first()
            if visit is None:
                raise DomainError(_("督导记录不存在：%(id)s") % {"id": args["visit"]})
            args["visit"] = visit
        task = services.rectification_create(user=request.user, **args)
        return self._answer(task, status.HTTP_201_CREATED)

    @extend_schema(request=RectificationAnswerSerializer, responses={200: RectificationSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        task = self.get_object()
        body = RectificationAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = services.rectification_answer(task=task, user=request.user, **body.validated_data)
        return self._answer(task)

    @extend_schema(request=RectificationVerifySerializer, responses={200: RectificationSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        task = self.get_object()
        body = RectificationVerifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        task = services.rectification_verify(task=task, user=request.user, **body.validated_data)
        return self._answer(task)


# --- lesson observations (推门听课) ---------------------------------------------------------


class ObserversWrite(permissions.BasePermission):
    message = gettext_lazy("只有校长、督导员、局机关工作人员或管理员可以记录听课。")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.can_observe(request.user)


class ObservationSerializer(serializers.ModelSerializer):
    observer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    observer_name = serializers.CharField(source="observer.__str__")
    school = serializers.CharField(source="school.code")
    school_name = serializers.CharField(source="school.name")
    teacher = serializers.CharField(source="teacher.staff_number")
    teacher_name = serializers.CharField(source="teacher.name")
    rating = RatingField()

    class Meta:
        model = Observation
        fields = [
            "id",
            "observer",
            "observer_name",
            "school",
            "school_name",
            "teacher",
            "teacher_name",
            "class_name",
            "subject",
            "date",
            "announced",
            "rating",
            "notes",
            "created_at",
        ]
        read_only_fields = fields


class ObservationInSerializer(serializers.Serializer):
    teacher = serializers.CharField(help_text=gettext_lazy("教师工号"))
    class_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    subject = serializers.CharField(required=False, allow_blank=True, max_length=30)
    date = serializers.DateField()
    announced = serializers.BooleanField(default=False)
    rating = RatingField()
    notes = serializers.CharField(required=False, allow_blank=True)
    request_key = serializers.CharField(
        required=False,
        max_length=100,
        help_text=gettext_lazy(
            "可选：请求的一次性键（也可用请求头 Idempotency-Key）；同一个键重复提交时返回第一次建立的记录"
        ),
    )


class ComplianceRowSerializer(serializers.Serializer):
    user = serializers.CharField()
    name = serializers.CharField()
    role = RoleField()
    school = serializers.CharField(allow_null=True)
    per = QuotaPeriodField()
    done = serializers.IntegerField()
    quota = serializers.IntegerField()
    behind = serializers.IntegerField()


class ComplianceQuerySerializer(serializers.Serializer):
    school = serializers.CharField(required=False, help_text=gettext_lazy("学校代码"))
    term = serializers.IntegerField(required=False, help_text=gettext_lazy("学期 id，默认当前学期"))


class ObservationFilter(filters.FilterSet):
    school = filters.CharFilter(field_name="school__code")
    observer = filters.CharFilter(field_name="observer__username")
    teacher = filters.CharFilter(field_name="teacher__staff_number")
    rating = filters.ChoiceFilter(choices=Rating.choices)
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Observation
        fields = ["announced"]


ObservationFilter.base_filters["from"] = ObservationFilter.base_filters.pop("date_from")
ObservationFilter.base_filters["to"] = ObservationFilter.base_filters.pop("date_to")


class ObservationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ObservationSerializer
    permission_classes = [permissions.IsAuthenticated, ObserversWrite]
    filterset_class = ObservationFilter

    def get_queryset(self):
        return selectors.observations_for(self.request.user)

    def get_object(self):
        observation = selectors.observation_get_for(self.request.user, self.kwargs["pk"])
        self.check_object_permissions(self.request, observation)
        return observation

    @extend_schema(request=ObservationInSerializer, responses={201: ObservationSerializer})
    def create(self, request, *args, **kwargs):
        key = idempotency.api_key_of(request)
        body = ObservationInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        args = dict(body.validated_data)
        args.pop("request_key", None)
        # Only teachers the user may see: another school's teacher is "not found" to a principal.
        teacher = access.teachers_for(request.user).filter(staff_number=args["teacher"]).first()
        if teacher is None:
            raise DomainError(_("教师不存在：%(number)s") % {"number": args["teacher"]})
        args["teacher"] = teacher
        # With an Idempotency-Key (or request_key), a repeat answers the first observation.
        observation, created = idempotency.request_once(
            user=request.user,
            scope="observation",
            key=key,
            model=Observation,
            fingerprint=idempotency.body_fingerprint(request.data),
            create=lambda: services.observation_create(user=request.user, **args),
        )
        response = Response(
            ObservationSerializer(self.get_queryset().get(pk=observation.pk)).data,
            status.HTTP_201_CREATED,
        )
        if not created:
            response[idempotency.REPLAYED_HEADER] = "true"
        return response

    @extend_schema(
        parameters=[ComplianceQuerySerializer],
        responses={200: ComplianceRowSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def compliance(self, request):
        """Not paginated: one row per user whose role has an observation quota."""
        query = ComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        school = term = None
        if "school" in query.validated_data:
            school = access.school_get_for(request.user, query.validated_data["school"])
        if "term" in query.validated_data:
            term = Term.objects.select_related("year").filter(pk=query.validated_data["term"])
            term = term.first()
            if term is None:
                raise DomainError(_("学期不存在：%(id)s") % {"id": query.validated_data["term"]})
        rows = selectors.observation_compliance(request.user, school=school, term=term)
        return Response(ComplianceRowSerializer(rows, many=True).data)
