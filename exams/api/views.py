"""Exams over the API (SPEC §4): codes as ids, subjects named by name.

Everyone signed in may list the exams that ``access.exams_for`` lets them see (drafts only
for admins, leaders and staff); only managers create exams. Results are uploaded with
``POST /exams/{code}/uploads/`` by whoever ``exams.services.results`` allows; a checked upload
(``dry_run``) is committed with ``POST /exams/{code}/uploads/{id}/confirm/`` (idempotent).

The computed statistics (``/stats/``, ``/bands/``, ``/scores/``, ``/gap/``) are read through
``exams.selectors.stats``, which scope them by role; numbers are rounded to 6 decimals by
``exams.engine.statistics.stats_to_records``. Managers ask for a recomputation with
``POST /exams/{code}/recompute/`` (202) and move an exam along its states with
``POST /exams/{code}/state/`` (the exam page's buttons, through the same service).
"""

from __future__ import annotations

import pandas as pd
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema, inline_serializer
from rest_framework import mixins, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from bureau import access
from bureau.models import AccessLog
from bureau.services import access_log_record
from core.errors import DomainError, NotAllowed
from core.spreadsheets import read_upload
from exams.engine.statistics import stats_to_records
from exams.models import (
    TOTAL,
    Exam,
    ExamKind,
    ExamSubject,
    Level,
    RankMethod,
    RateBase,
    ResultUpload,
)
from exams.selectors import stats as stats_selectors
from exams.services.exams import SubjectLine, exam_create, exam_set_state
from exams.services.results import results_confirm, results_import
from exams.services.stats import stats_request
from schools.models import Stage

TRUE = {"1", "true", "yes", "on"}


class ManagersCreate(permissions.BasePermission):
    """Reading for everyone signed in; creating exams for managers. Uploads decide in the
    service (principals upload for their own school)."""

    message = "只有局机关工作人员或管理员可以创建考试。"

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        # These decide after the exam lookup, so that an exam the user cannot see is a 404.
        if view.action in ("uploads", "confirm_upload", "recompute", "state"):
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
    # An interrupted computation (the worker died) reads "failed", not "running" for ever.
    stats_status = serializers.CharField(source="stats_status_effective", read_only=True)

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
            "rank_method",
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
    rank_method = serializers.ChoiceField(
        choices=RankMethod.choices, default=RankMethod.COMPETITION
    )
    weights = serializers.DictField(child=serializers.FloatField(), required=False)
    baseline = serializers.SlugRelatedField(
        slug_field="code", queryset=Exam.objects.all(), required=False, allow_null=True
    )
    subjects = SubjectLineSerializer(many=True)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    school = serializers.CharField(required=False, allow_blank=True)
    dry_run = serializers.CharField(required=False, allow_blank=True)


class StatRowSerializer(serializers.Serializer):
    """A unit's statistics (SPEC §4); ``value_added``, ``matched`` and ``small_sample`` only
    with ``baseline``. Documentation of the answer only."""

    school_code = serializers.CharField(allow_null=True)
    school_name = serializers.CharField(allow_null=True)
    class_name = serializers.CharField(allow_null=True)
    teacher = serializers.CharField(allow_null=True, help_text="工号")
    teacher_name = serializers.CharField(allow_null=True)
    subject = serializers.CharField()
    enrolled = serializers.IntegerField()
    sat = serializers.IntegerField()
    absent = serializers.IntegerField()
    participation = serializers.FloatField(allow_null=True)
    mean = serializers.FloatField(allow_null=True)
    mean_rate = serializers.FloatField(allow_null=True)
    median = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    min = serializers.FloatField(allow_null=True)
    std = serializers.FloatField(allow_null=True)
    excellent_rate = serializers.FloatField(allow_null=True)
    good_rate = serializers.FloatField(allow_null=True)
    pass_rate = serializers.FloatField(allow_null=True)
    low_rate = serializers.FloatField(allow_null=True)
    over_mean_rate = serializers.FloatField(allow_null=True)
    over_school_mean_rate = serializers.FloatField(
        allow_null=True, help_text="班级、教师：相对本校同学科均分的超均率；其他层级为 null"
    )
    composite = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    t_score = serializers.FloatField(
        allow_null=True, help_text="50 + 10 ×（均分 − 全县均分）/ 全县标准差"
    )
    all_pass_rate = serializers.FloatField(allow_null=True, help_text="全科及格率，仅总分行")
    all_excellent_rate = serializers.FloatField(allow_null=True, help_text="全科优秀率，仅总分行")
    value_added = serializers.FloatField(allow_null=True, required=False)
    matched = serializers.IntegerField(allow_null=True, required=False)
    small_sample = serializers.BooleanField(allow_null=True, required=False)


class BandRowSerializer(serializers.Serializer):
    school_code = serializers.CharField(allow_null=True)
    school_name = serializers.CharField(allow_null=True)
    class_name = serializers.CharField(allow_null=True)
    teacher = serializers.CharField(allow_null=True)
    teacher_name = serializers.CharField(allow_null=True)
    subject = serializers.CharField()
    enrolled = serializers.IntegerField()
    sat = serializers.IntegerField()
    rank = serializers.IntegerField(allow_null=True)
    bands = serializers.ListField(child=serializers.IntegerField(), min_length=10, max_length=10)


class ScoreRowSerializer(serializers.Serializer):
    student_number = serializers.CharField()
    name = serializers.CharField()
    school_code = serializers.CharField()
    class_name = serializers.CharField(allow_null=True)
    scores = serializers.DictField(child=serializers.FloatField(allow_null=True))
    total = serializers.FloatField(allow_null=True)
    county_rank = serializers.IntegerField(allow_null=True)
    school_rank = serializers.IntegerField(allow_null=True)
    subject_ranks = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    z = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text="标准分 z：各学科与 total"
    )
    t = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text="T 分 = 50 + 10z：各学科与 total"
    )
    counted = serializers.BooleanField(help_text="false：不计入统计（不参与任何统计与排名）")
    not_counted = serializers.CharField(allow_blank=True, help_text="不计入统计的原因")


class GapSchoolSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    mean = serializers.FloatField()


class GapSerializer(serializers.Serializer):
    max_gap = serializers.FloatField(allow_null=True)
    highest = GapSchoolSerializer(allow_null=True)
    lowest = GapSchoolSerializer(allow_null=True)
    schools = serializers.IntegerField()


class ExamStateSerializer(serializers.Serializer):
    state = serializers.CharField(help_text="draft | open | closed | published")


class RecomputeSerializer(serializers.Serializer):
    exam = serializers.CharField()
    stats_status = serializers.CharField()


LEVEL = OpenApiParameter("level", str, required=True, enum=Level.values, description="统计层级")
SUBJECT = OpenApiParameter("subject", str, required=True, description="学科名称，或 total（总分）")
SCHOOL = OpenApiParameter("school", str, description="学校代码：只看该校的单位")
BASELINE = OpenApiParameter("baseline", str, description="增值评价的基线考试代码")


class RowsPagination(PageNumberPagination):
    """Student rows: 50 a page unless ``page_size`` (up to 5,000) asks for more."""

    page_size_query_param = "page_size"
    max_page_size = 5000


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
            rank_method=data["rank_method"],
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
            # Another school's code and an unknown one get the same answer.
            school = access.upload_school_get_for(request.user, code_given)
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

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"uploads/(?P<upload_id>[0-9]+)/confirm",
        url_name="upload-confirm",
    )
    def confirm_upload(self, request, code=None, upload_id=None):
        """Commits a checked upload (a ``dry_run``) of the requesting user, re-validated from
        the stored file. Idempotent: confirming it again answers the same summary and
        commits nothing more. Another user's upload: 404."""
        exam = self.get_object()
        upload = ResultUpload.objects.filter(
            exam=exam, pk=upload_id, uploaded_by=request.user
        ).first()
        if upload is None:
            raise NotFound(_("上传记录不存在"))
        result = results_confirm(upload=upload, user=request.user)
        answer = status.HTTP_400_BAD_REQUEST if result["errors"] else status.HTTP_200_OK
        return Response(result, status=answer)

    # --- computed statistics ---------------------------------------------------------------

    @extend_schema(
        parameters=[LEVEL, SUBJECT, SCHOOL, BASELINE],
        responses={200: StatRowSerializer(many=True), 400: OpenApiTypes.OBJECT},
    )
    @action(
        detail=True, methods=["get"], url_path="stats", pagination_class=None, filter_backends=[]
    )
    def stats(self, request, code=None):
        """Statistics of every unit of one level in one subject (or ``total``), not paginated,
        ordered by rank. With ``baseline`` (an exam code) also value-added. Principals read
        classes and teachers of their own school only; before publication inspectors and
        principals read only their own school."""
        exam = self.get_object()
        baseline = None
        if code_given := request.query_params.get("baseline", "").strip():
            baseline = access.exams_for(request.user).filter(code=code_given).first()
            if baseline is None:
                raise DomainError(_("基线考试不存在：%(code)s") % {"code": code_given})
        rows = stats_selectors.stat_rows(
            user=request.user,
            exam=exam,
            level=_required(request, "level"),
            subject=_required(request, "subject"),
            school=request.query_params.get("school") or None,
            baseline=baseline,
        )
        return Response(rounded(rows))

    @extend_schema(
        parameters=[LEVEL, SUBJECT, SCHOOL],
        responses={200: BandRowSerializer(many=True), 400: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], url_path="bands", filter_backends=[])
    def bands(self, request, code=None):
        """Score bands (分数段) of every unit of one level in one subject: ten counts,
        [0, 0.1F), …, [0.9F, F]. Scoped as ``stats``; paginated, ordered as ``stats``."""
        exam = self.get_object()
        rows = stats_selectors.band_rows(
            user=request.user,
            exam=exam,
            level=_required(request, "level"),
            subject=_required(request, "subject"),
            school=request.query_params.get("school") or None,
        )
        return self.get_paginated_response(rounded(self.paginate_queryset(rows)))

    @extend_schema(
        parameters=[
            OpenApiParameter("school", str, description="学校代码"),
            OpenApiParameter("class", str, description="班级，如 3、九(3)班"),
        ],
        responses={200: ScoreRowSerializer(many=True), 403: OpenApiTypes.OBJECT},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="scores",
        pagination_class=RowsPagination,
        filter_backends=[],
    )
    def scores(self, request, code=None):
        """Student rows (scores, total, ranks) of the schools whose students the user may
        see: every school for admins, leaders and staff, their own school for principals, the
        schools they visited for inspectors. Asking for another school's students, or having
        no school's students to see, answers 403. Every call is logged. Paginated
        (``page_size`` up to 5,000), by school, class and student number."""
        exam = self.get_object()
        rows = stats_selectors.score_rows(
            user=request.user,
            exam=exam,
            school=request.query_params.get("school") or None,
            class_name=request.query_params.get("class") or None,
        )
        page = self.paginate_queryset(rows)
        access_log_record(
            user=request.user,
            action=AccessLog.Action.VIEW,
            what=_("成绩明细 %(code)s") % {"code": exam.code},
            school=stats_selectors.score_rows_school(
                user=request.user, school=request.query_params.get("school") or None
            ),
            exam=exam,
            count=len(page),
        )
        return self.get_paginated_response(rounded(page))

    @extend_schema(
        parameters=[
            OpenApiParameter("stage", str, enum=Stage.values, description="学段"),
            OpenApiParameter("subject", str, description="学科名称或 total（默认）"),
        ],
        responses={200: GapSerializer, 400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["get"], url_path="gap", pagination_class=None, filter_backends=[])
    def gap(self, request, code=None):
        """最大距: highest − lowest school mean among the schools that sat, optionally of one
        学段. Compares schools, so before publication only admins, leaders and staff."""
        exam = self.get_object()
        if access.exam_stats_school_ids(request.user, exam, Level.SCHOOL) is not None:
            raise NotAllowed(_("成绩发布前，只有局机关可以查看学校间的比较"))
        stage = request.query_params.get("stage") or None
        if stage and stage not in Stage.values:
            raise DomainError(_("未知的学段：%(stage)s") % {"stage": stage})
        answer = stats_selectors.gap(
            exam=exam, stage=stage, subject=request.query_params.get("subject") or TOTAL
        )
        return Response(rounded([answer])[0])

    @extend_schema(
        request=ExamStateSerializer,
        responses={200: ExamSerializer, 400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["post"], url_path="state")
    def state(self, request, code=None):
        """Moves the exam to ``state`` (SPEC §4): the moves of the exam page's buttons
        (``exams.services.exams.STATE_FLOW``), by admins and staff. A refused move answers 400
        with the reason; other roles 403 (404 for an exam they cannot see)."""
        exam = self.get_object()
        if not access.is_manager(request.user):
            raise PermissionDenied(_("只有局机关工作人员或管理员可以更改考试状态。"))
        wanted = request.data.get("state") if hasattr(request.data, "get") else None
        if wanted in (None, ""):
            raise DomainError(_("缺少字段 state（draft、open、closed 或 published）"))
        exam = exam_set_state(exam=exam, state=str(wanted))
        return Response(ExamSerializer(self.get_queryset().get(pk=exam.pk)).data)

    @extend_schema(request=None, responses={202: RecomputeSerializer, 403: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["post"], url_path="recompute")
    def recompute(self, request, code=None):
        """Queues the recomputation of the exam's statistics (managers only); answers 202."""
        exam = self.get_object()
        if not access.is_manager(request.user):
            raise PermissionDenied(_("只有局机关工作人员或管理员可以重新计算统计。"))
        stats_request(exam=exam)
        return Response(
            {"exam": exam.code, "stats_status": exam.stats_status}, status=status.HTTP_202_ACCEPTED
        )


def _required(request, name: str) -> str:
    value = (request.query_params.get(name) or "").strip()
    if not value:
        raise DomainError(_("缺少查询参数 %(name)s") % {"name": name})
    return value


def rounded(rows: list[dict]) -> list[dict]:
    """Rows as JSON: floats rounded to 6 decimals, counts and ranks as ints, NaN as null (the
    engine's ``stats_to_records``), also inside dict values (``scores``, a gap's school)."""
    if not rows:
        return []
    nested = {k for row in rows for k, v in row.items() if isinstance(v, dict)}
    flat = stats_to_records(pd.DataFrame([{k: r[k] for k in r if k not in nested} for r in rows]))
    inner = {
        k: stats_to_records(pd.DataFrame([r[k] or {} for r in rows], index=range(len(rows))))
        for k in nested
    }
    return [
        {k: (inner[k][i] if rows[i][k] is not None else None) if k in nested else flat[i][k]
         for k in row}
        for i, row in enumerate(rows)
    ]  # fmt: skip
