"""Checklists and visits over the API (SPEC §4 "Inspections and bulletins").

``/checklists/``: everyone signed in reads; managers create, and revise with
``POST /checklists/{id}/revise/`` (a new version when the checklist is already in use).
``/visits/``: read as ``inspections.selectors.visits_for`` allows; inspectors, staff and admins
record visits; ``PATCH`` while a draft; ``POST /visits/{id}/submit/`` locks it.
``/rectifications/``: read as ``inspections.selectors.rectifications_for`` allows; inspectors,
staff and admins set them; ``POST /rectifications/{id}/answer/`` by the school's principal (or
staff, an admin); ``POST /rectifications/{id}/verify/`` by an inspector (or staff, an admin).
``/observations/``: read as ``inspections.selectors.observations_for`` allows; the observer is
the user; ``GET /observations/compliance/`` compares what each user did with their quota.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from bureau import access
from bureau.errors import DomainError
from bureau.models import AcademicYear, Role, Term, User

from . import (
    selectors,
    selectors_accountability,
    services,
    services_accountability,
    services_corrections,
    services_files,
)
from .models import (
    AccountabilityKind,
    AccountabilityRecord,
    ChecklistItem,
    ChecklistTemplate,
    ItemKind,
    Observation,
    QuotaPeriod,
    Rating,
    RectificationEvent,
    RectificationStatus,
    RectificationTask,
    Severity,
    Visit,
    VisitAttachment,
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
SeverityField = _inline_choices(Severity)
RectificationStatusField = _inline_choices(RectificationStatus)
RatingField = _inline_choices(Rating)
RoleField = _inline_choices(Role)
QuotaPeriodField = _inline_choices(QuotaPeriod)


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


# --- rectifications (整改) -----------------------------------------------------------------


class RecordersSetRectifications(permissions.BasePermission):
    """Creating is for inspectors, staff and admins; answering and verifying are checked by
    the services against the task (403 with their message)."""

    message = gettext_lazy("只有督导员、局机关工作人员或管理员可以下达整改。")

    def has_permission(self, request, view):
        if view.action != "create":
            return True
        return access.role_of(request.user) in services.RECORDERS


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
        args = _resolve(request.user, body.validated_data)
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
        return access.role_of(request.user) in services.OBSERVERS


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
        body = ObservationInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        args = dict(body.validated_data)
        # Only teachers the user may see: another school's teacher is "not found" to a principal.
        teacher = access.teachers_for(request.user).filter(staff_number=args["teacher"]).first()
        if teacher is None:
            raise DomainError(_("教师不存在：%(number)s") % {"number": args["teacher"]})
        args["teacher"] = teacher
        observation = services.observation_create(user=request.user, **args)
        return Response(
            ObservationSerializer(self.get_queryset().get(pk=observation.pk)).data,
            status.HTTP_201_CREATED,
        )

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


# --- accountability (问责: 亮红灯, 约谈) ---------------------------------------------------

AccountabilityKindField = _inline_choices(AccountabilityKind)


class ManagersRecordAccountability(permissions.BasePermission):
    message = gettext_lazy("只有局机关工作人员或管理员可以记录问责。")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return selectors_accountability.may_record_accountability(request.user)


class AccountabilitySerializer(serializers.ModelSerializer):
    kind = AccountabilityKindField()
    kind_display = serializers.CharField(source="get_kind_display")
    school = serializers.CharField(source="school.code")
    school_name = serializers.CharField(source="school.name")
    visits = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    exams = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = AccountabilityRecord
        fields = [
            "id",
            "kind",
            "kind_display",
            "school",
            "school_name",
            "person",
            "date",
            "reason",
            "visits",
            "exams",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class AccountabilityInSerializer(serializers.Serializer):
    kind = AccountabilityKindField()
    school = serializers.CharField(help_text=gettext_lazy("学校代码"))
    person = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=gettext_lazy("空白表示针对学校")
    )
    date = serializers.DateField()
    reason = serializers.CharField(allow_blank=True)
    visits = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text=gettext_lazy("督导记录 id")
    )
    exams = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=gettext_lazy("考试代码")
    )


class AccountabilityFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=AccountabilityKind.choices)
    school = filters.CharFilter(field_name="school__code")
    year = filters.CharFilter(method="filter_year", help_text=gettext_lazy("学年，如 2026-2027"))

    class Meta:
        model = AccountabilityRecord
        fields = ["kind", "school"]

    def filter_year(self, queryset, name, value):
        year = AcademicYear.objects.filter(name=value).first()
        if year is None:
            return queryset.none()
        return selectors_accountability.accountability_filter(queryset, year=year)


class AccountabilityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Warnings (亮红灯) and interviews (约谈): everyone reads as
    ``selectors_accountability.accountability_for`` allows; admins and staff record them."""

    serializer_class = AccountabilitySerializer
    permission_classes = [permissions.IsAuthenticated, ManagersRecordAccountability]
    filterset_class = AccountabilityFilter

    def get_queryset(self):
        return selectors_accountability.accountability_for(self.request.user)

    def get_object(self):
        record = selectors_accountability.accountability_get_for(
            self.request.user, self.kwargs["pk"]
        )
        self.check_object_permissions(self.request, record)
        return record

    @extend_schema(request=AccountabilityInSerializer, responses={201: AccountabilitySerializer})
    def create(self, request, *args, **kwargs):
        body = AccountabilityInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        args = dict(body.validated_data)
        school = access.schools_for(request.user).filter(code=args["school"]).first()
        if school is None:
            raise DomainError(_("学校不存在：%(code)s") % {"code": args["school"]})
        args["school"] = school
        ids = list(dict.fromkeys(args.get("visits") or []))
        visits = {v.pk: v for v in selectors.visits_for(request.user).filter(pk__in=ids)}
        unknown = [str(i) for i in ids if i not in visits]
        if unknown:
            raise DomainError(_("督导记录不存在：%(ids)s") % {"ids": "、".join(unknown)})
        args["visits"] = [visits[i] for i in ids]
        codes = list(dict.fromkeys(args.get("exams") or []))
        exams = {e.code: e for e in access.exams_for(request.user).filter(code__in=codes)}
        unknown = [c for c in codes if c not in exams]
        if unknown:
            raise DomainError(_("考试不存在：%(codes)s") % {"codes": "、".join(unknown)})
        args["exams"] = [exams[c] for c in codes]
        record = services_accountability.accountability_create(user=request.user, **args)
        return Response(
            AccountabilitySerializer(self.get_queryset().get(pk=record.pk)).data,
            status.HTTP_201_CREATED,
        )
