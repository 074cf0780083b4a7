"""Accountability records (亮红灯, 约谈) over the API."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from bureau import access
from bureau.models import AcademicYear
from core.errors import DomainError
from inspections.selectors import accountability as selectors_accountability
from inspections.services import accountability as services_accountability

from .. import selectors
from ..models import (
    AccountabilityKind,
    AccountabilityRecord,
)
from .common import _inline_choices, resolve_body

# --- accountability (问责: 亮红灯, 约谈) ---------------------------------------------------

AccountabilityKindField = _inline_choices(AccountabilityKind)


class ManagersRecordAccountability(permissions.BasePermission):
    message = gettext_lazy("只有局机关工作人员或管理员可以记录问责。")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.can_record_accountability(request.user)


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
        args = resolve_body(request.user, body.validated_data)  # the school, as for visits
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
