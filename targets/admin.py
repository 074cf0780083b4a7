"""Targets in Django admin: read and correct texts; quotas, publishing and entries go through
the pages and the API (their services keep the change history), so they are read-only here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Acknowledgement, Allocation, AllocationChange, IndicatorEntry, Target


class AllocationInline(admin.TabularInline):
    model = Allocation
    extra = 0
    can_delete = False
    readonly_fields = ["school", "weight", "share", "quota", "fixed", "reason"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "year", "measure", "value", "status"]
    list_filter = ["year", "measure", "status"]
    search_fields = ["code", "name"]
    inlines = [AllocationInline]
    readonly_fields = ["status", "published_at", "published_by", "created_by", "basis", "value"]
    filter_horizontal = ["schools"]


@admin.register(AllocationChange)
class AllocationChangeAdmin(admin.ModelAdmin):
    list_display = ["target", "school", "from_quota", "to_quota", "by", "at", "reason"]
    list_filter = ["target"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["target", "school", "by", "at"]
    list_filter = ["target"]


@admin.register(IndicatorEntry)
class IndicatorEntryAdmin(admin.ModelAdmin):
    list_display = ["target", "school", "term", "value", "entered_by", "confirmed_at"]
    list_filter = ["target"]
    readonly_fields = ["evidence_name", "evidence_stored", "evidence_type"]
