"""Targets over the API (SPEC §6): codes as ids, years by name, schools by code.

Everyone signed in lists the targets ``access.targets_for`` lets them see; principals see only
the published targets of their school, with only their school's allocation and progress rows.
Admins and staff create and change drafts, fix or release quotas and publish. Refusals of the
services (bad input, a change after publishing) are 400 with a Chinese message naming the
field; a target the user may see but not change is 403, one they may not see 404.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from bureau import access
from core.errors import DomainError
from exams.models import Exam

from .exports import board_workbook
from .models import Acknowledgement, Target
from .selectors.allocations import allocation_plan, allocation_rows
from .selectors.board import board
from .selectors.progress import progress_rows_for
from .services.acknowledgements import acknowledgement_create
from .services.allocations import allocation_set
from .services.targets import target_create, target_publish, target_update

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def target_answer(target: Target, user) -> dict:
    allowed = access.target_school_ids(user)
    acknowledged = Acknowledgement.objects.filter(target=target).select_related("school", "by")
    if allowed is not None:
        acknowledged = acknowledged.filter(school_id__in=allowed)
    return {
        "code": target.code,
        "year": target.year.name,
        "name": target.name,
        "measure": target.measure,
        "grade": target.grade,
        "stage": target.stage,
        "subject": target.subject,
        "line": target.line,
        "top_n": target.top_n,
        "metric": target.metric,
        "reference": target.reference,
        "indicator": target.indicator,
        "class_limit": target.class_limit,
        "value": target.value,
        "direction": target.direction,
        "relative": target.relative,
        "previous": target.previous.code if target.previous_id else None,
        "basis": target.basis,
        "baseline_exam": target.baseline_exam.code if target.baseline_exam_id else None,
        "alpha": target.alpha,
        "weights": target.weights if allowed is None else {},
        "school_values": target.school_values if allowed is None else {},
        "schools": list(target.schools.order_by("code").values_list("code", flat=True)),
        "green": target.green,
        "amber": target.amber,
        "status": target.status,
        "published_at": target.published_at,
        "allocations": allocation_rows(target, allowed),
        "acknowledgements": [
            {"school": a.school.code, "by": a.by.username if a.by_id else None, "at": a.at}
            for a in acknowledged
        ],
    }


TargetAnswer = inline_serializer(
    "Target",
    {
        "code": serializers.CharField(),
        "year": serializers.CharField(),
        "name": serializers.CharField(),
        "measure": serializers.CharField(),
        "status": serializers.CharField(),
        "allocations": serializers.ListField(child=serializers.DictField()),
    },
)
ProgressRows = inline_serializer(
    "TargetProgressRow",
    many=True,
    fields={
        "school": serializers.CharField(allow_null=True),
        "target": serializers.FloatField(allow_null=True),
        "actual": serializers.FloatField(allow_null=True),
        "attainment": serializers.FloatField(allow_null=True),
        "status": serializers.CharField(allow_null=True),
    },
)
EXAM = OpenApiParameter("exam", str, description="考试代码（默认：该年级最近发布的考试）")


def body(request) -> dict:
    """The request's fields as plain values (lists only for ``schools``)."""
    data = request.data
    if hasattr(data, "getlist"):
        plain = data.dict()
        if "schools" in data:
            plain["schools"] = data.getlist("schools")
        return plain
    return dict(data)


def exam_param(request) -> Exam | None:
    code = request.query_params.get("exam")
    if not code:
        return None
    exam = access.exams_for(request.user).filter(code=code).first()
    if exam is None:
        raise DomainError(f"exam：考试 {code} 不存在", details={"field": "exam"})
    return exam


class TargetViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    lookup_field = "code"
    lookup_value_regex = "[-a-zA-Z0-9_]+"
    serializer_class = serializers.Serializer

    def get_queryset(self):
        qs = access.targets_for(self.request.user).prefetch_related("schools")
        year = self.request.query_params.get("year")
        if year:
            qs = qs.filter(year__name=year)
        return qs.order_by("year__start", "code")

    def get_object(self):
        return access.target_get_for(self.request.user, self.kwargs["code"])

    def _answer(self, target, code=status.HTTP_200_OK):
        target = Target.objects.select_related("year", "previous", "baseline_exam").get(
            pk=target.pk
        )
        return Response(target_answer(target, self.request.user), status=code)

    @extend_schema(responses={200: TargetAnswer})
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([target_answer(t, request.user) for t in page])

    @extend_schema(responses={200: TargetAnswer})
    def retrieve(self, request, code=None):
        return self._answer(self.get_object())

    @extend_schema(request=TargetAnswer, responses={201: TargetAnswer})
    def create(self, request):
        if not access.can_manage_targets(request.user):
            raise PermissionDenied("只有局机关工作人员或管理员可以设定目标。")
        target = target_create(user=request.user, data=body(request))
        return self._answer(target, status.HTTP_201_CREATED)

    @extend_schema(request=TargetAnswer, responses={200: TargetAnswer})
    def partial_update(self, request, code=None):
        target = self.get_object()
        target = target_update(user=request.user, target=target, data=body(request))
        return self._answer(target)

    @extend_schema(
        request=inline_serializer(
            "AllocationChange",
            {
                "school": serializers.CharField(),
                "quota": serializers.IntegerField(allow_null=True),
                "reason": serializers.CharField(required=False),
            },
        ),
        responses={200: TargetAnswer},
    )
    @action(detail=True, methods=["get", "post"])
    def allocations(self, request, code=None):
        """POST fixes a school's quota (with a reason) or releases it (``quota`` null); GET
        shows what a basis would give (``basis``, ``alpha``, ``baseline_exam``) without
        saving anything."""
        target = self.get_object()
        if request.method == "GET":
            return Response(self._preview(request, target))
        data = body(request)
        if "school" not in data or not data.get("school"):
            raise DomainError("school：必填", details={"field": "school"})
        if "quota" not in data:
            raise DomainError("quota：必填（null 表示释放固定名额）", details={"field": "quota"})
        target = allocation_set(
            target=target,
            user=request.user,
            school=data["school"],
            quota=data["quota"],
            reason=data.get("reason") or "",
        )
        return self._answer(target)

    def _preview(self, request, target) -> dict:
        if not access.can_manage_targets(request.user) and not access.can_see_board(request.user):
            return {"allocations": allocation_rows(target, access.target_school_ids(request.user))}
        query = request.query_params
        if not query.get("basis"):
            return {"allocations": allocation_rows(target)}
        baseline = None
        if query.get("baseline_exam"):
            baseline = Exam.objects.filter(code=query["baseline_exam"]).first()
            if baseline is None:
                raise DomainError(
                    f"baseline_exam：考试 {query['baseline_exam']} 不存在",
                    details={"field": "baseline_exam"},
                )
        alpha = None
        if query.get("alpha"):
            try:
                alpha = float(query["alpha"])
            except ValueError:
                raise DomainError("alpha：必须是数字", details={"field": "alpha"}) from None
        plan = allocation_plan(target, basis=query["basis"], baseline_exam=baseline, alpha=alpha)
        return {
            "basis": plan.basis,
            "total": plan.total,
            "allocations": [
                {
                    "school": s.school,
                    "weight": s.weight,
                    "share": round(s.share_float, 6),
                    "quota": s.quota,
                    "fixed": s.fixed,
                }
                for s in plan.seats
            ],
        }

    @extend_schema(request=None, responses={200: TargetAnswer})
    @action(detail=True, methods=["post"])
    def publish(self, request, code=None):
        target = target_publish(user=request.user, target=self.get_object())
        return self._answer(target)

    @extend_schema(request=None, responses={200: TargetAnswer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, code=None):
        target = self.get_object()
        acknowledgement_create(target=target, user=request.user)
        return self._answer(target)

    @extend_schema(parameters=[EXAM], responses={200: ProgressRows})
    @action(detail=True, methods=["get"], pagination_class=None)
    def progress(self, request, code=None):
        target = self.get_object()
        rows = progress_rows_for(request.user, target=target, exam=exam_param(request))
        return Response(rows)

    @extend_schema(responses={(200, XLSX): bytes})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The board (every visible target: county and school progress) as an Excel table."""
        if not access.can_see_board(request.user):
            raise PermissionDenied("只有局机关、局领导和督导人员可以导出目标看板。")
        year = request.query_params.get("year")
        data = board_workbook(board(user=request.user, year_name=year))
        response = HttpResponse(data, content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="targets-board.xlsx"'
        return response
