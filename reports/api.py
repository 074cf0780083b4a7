"""Bulletins over the API (SPEC §4): ``GET /api/v1/bulletins/`` and ``/bulletins/{id}/``,
read-only, scoped by ``reports.selectors.bulletins_for`` (drafts for admins and staff only).
``read`` says whether the requesting user has opened the bulletin; reading the list leaves no
receipt (only the page or the PDF does)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from reports.rendering.sections import mask_students, masked_titles

from . import selectors
from .models import Bulletin, BulletinStatus


def _status_field():
    """``status`` documented in place: a shared ``StatusEnum`` component would clash with the
    other apps' ``status`` enums (a schema warning that ``check --deploy`` fails on)."""
    enum = {"type": "string", "enum": list(BulletinStatus.values)}
    labels = "；".join(f"{value}：{label}" for value, label in BulletinStatus.choices)

    @extend_schema_field({"allOf": [enum], "description": labels})
    class Field(serializers.ChoiceField):
        pass

    return Field(choices=BulletinStatus.choices, read_only=True)


class BulletinSerializer(serializers.ModelSerializer):
    period = serializers.SerializerMethodField()
    status = _status_field()
    pdf_url = serializers.SerializerMethodField()
    read = serializers.SerializerMethodField()

    class Meta:
        model = Bulletin
        fields = [
            "id",
            "year",
            "number",
            "period",
            "title",
            "status",
            "pdf_url",
            "published_at",
            "read",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        shown = getattr(instance, "shown_title", None)
        data["title"] = shown if shown is not None else mask_students(instance.title)
        return data

    def get_period(self, obj: Bulletin) -> str:
        return obj.period_label

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_pdf_url(self, obj: Bulletin) -> str | None:
        if not obj.pdf_name:
            return None
        url = reverse("reports:pdf", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    def get_read(self, obj: Bulletin) -> bool:
        return bool(getattr(obj, "is_read", False))


class BulletinViewSet(viewsets.ReadOnlyModelViewSet):
    """Bulletins; titles with student names masked (as in the bulletin itself)."""

    serializer_class = BulletinSerializer

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return masked_titles(page) if page is not None else None

    def get_queryset(self):
        user = self.request.user
        return selectors.with_read_flag(selectors.bulletins_for(user), user)
