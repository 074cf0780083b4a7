"""Exams over the API (SPEC §4): codes as ids, subjects named by name.

Everyone signed in may list the exams that ``access.exams_for`` lets them see (drafts only
for admins, leaders and staff); only managers create exams. Results are uploaded with
``POST /exams/{code}/uploads/`` by whoever ``exams.services.results`` allows.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiTypes, extend_schema, inline_serializer
from rest_framework import mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bureau import access
from bureau.errors import DomainError
from bureau.spreadsheets import read_upload
from schools.models import School

from .models import Exam, ExamKind, ExamSubject, RateBase
from .services.exams import SubjectLine, exam_create
from .services.results import results_import

TRUE = {"1", "true", "yes", "on"}


class ManagersCreate(permissions.BasePermission):
    """Reading for everyone signed in; creating exams for managers. Uploads decide in the
    service (principals upload for their own school)."""

    message = "只有局机关工作人员或管理员可以创建考试。"

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS or view.action == "uploads":
            return True
        return access.is_manager(request.user)


class ExamSubjectSerializer(serializers.ModelSerializer):
    subject = serializers.CharField(source="subject.name")
    pass_ = serializers.FloatField(source="pass_line")

    class Meta:
        model = ExamSubject
        fields = ["subject", "full_marks", "excellent", "good", "pass_", "low"]

    def get_fields(self):
        fields = super().get_fields()
        fields["pass"] = fields.pop("pass_")
        return fields


class ExamSerializer(serializers.ModelSerializer):
    academic_year = serializers.CharField(source="academic_year.name", read_only=True)
    baseline = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    subjects = ExamSubjectSerializer(source="exam_subjects", many=True, read_only=True)

    class Meta:
        model = Exam
        fields = [
            "code",
            "name",
            "kind",
            "kind_display",
            "grade",
            "date",
            "academic_year",
            "rate_base",
            "weights",
            "baseline",
            "state",
            "state_display",
            "stats_status",
            "stats_updated_at",
            "subjects",
        ]


class SubjectLineSerializer(serializers.Serializer):
    subject = serializers.CharField(max_length=20)
    full_marks = serializers.FloatField()
    excellent = serializers.FloatField(required=False)
    good = serializers.FloatField(required=False)
    pass_ = serializers.FloatField(required=False)
    low = serializers.FloatField(required=False)

    def get_fields(self):
        fields = super().get_fields()
        fields["pass"] = fields.pop("pass_")
        return fields


class ExamCreateSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=ExamKind.choices)
    grade = serializers.IntegerField(min_value=1, max_value=12)
    date = serializers.DateField()
    rate_base = serializers.ChoiceField(choices=RateBase.choices, default=RateBase.SAT)
    weights = serializers.DictField(child=serializers.FloatField(), required=False)
    baseline = serializers.SlugRelatedField(
        slug_field="code", queryset=Exam.objects.all(), required=False, allow_null=True
    )
    subjects = SubjectLineSerializer(many=True)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    school = serializers.CharField(required=False, allow_blank=True)
    dry_run = serializers.CharField(required=False, allow_blank=True)


class ExamViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ExamSerializer
    permission_classes = [permissions.IsAuthenticated, ManagersCreate]
    lookup_field = "code"
    filterset_fields = ["grade", "kind", "state"]

    def get_queryset(self):
        return (
            access.exams_for(self.request.user)
            .select_related("academic_year", "baseline")
            .prefetch_related("exam_subjects__subject")
        )

    def get_object(self):
        # The scoped selector: "not yours" and "does not exist" give the same 404.
        exam = access.exam_get_for(self.request.user, self.kwargs["code"])
        self.check_object_permissions(self.request, exam)
        return exam

    @extend_schema(request=ExamCreateSerializer, responses={201: ExamSerializer})
    def create(self, request, *args, **kwargs):
        body = ExamCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        exam = exam_create(
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            grade=data["grade"],
            date=data["date"],
            rate_base=data["rate_base"],
            weights=data.get("weights"),
            baseline=data.get("baseline"),
            subjects=[
                SubjectLine(
                    subject=s["subject"],
                    full_marks=s["full_marks"],
                    lines={k: s[k] for k in ("excellent", "good", "pass", "low") if k in s},
                )
                for s in data["subjects"]
            ],
            user=request.user,
        )
        exam = self.get_queryset().get(pk=exam.pk)
        return Response(ExamSerializer(exam).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={
            200: inline_serializer(
                "ResultsImportSummary",
                {
                    "id": serializers.IntegerField(),
                    "status": serializers.CharField(),
                    "rows": serializers.IntegerField(),
                    "students": serializers.IntegerField(),
                    "scores": serializers.IntegerField(),
                    "errors": serializers.ListField(child=serializers.DictField()),
                    "warnings": serializers.ListField(child=serializers.DictField()),
                    "committed": serializers.BooleanField(),
                },
            ),
            400: OpenApiTypes.OBJECT,
        },
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="uploads",
        parser_classes=[parsers.MultiPartParser, parsers.FormParser],
    )
    def uploads(self, request, code=None):
        """Uploads a results sheet: multipart ``file``, optional ``school`` (code) and
        ``dry_run`` ("true"/"1"). Answers the import summary; 400 with it when it has
        errors (nothing is stored then)."""
        exam = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise DomainError("请上传成绩文件（字段 file）")
        school = None
        code_given = (request.data.get("school") or "").strip()
        if code_given:
            school = School.objects.filter(code=code_given).first()
            if school is None:
                raise DomainError(f"学校不存在：{code_given}")
        dry_run = str(request.data.get("dry_run", "")).strip().lower() in TRUE
        result = results_import(
            exam=exam,
            data=read_upload(upload),
            file_name=upload.name,
            user=request.user,
            school=school,
            dry_run=dry_run,
        )
        answer = status.HTTP_400_BAD_REQUEST if result["errors"] else status.HTTP_200_OK
        return Response(result, status=answer)
