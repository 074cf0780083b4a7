"""Admin: for looking things up and mending by hand. Checklists and visits are created through
the API and the pages (as are rectifications), which go through inspections.services and its rules."""

from django.contrib import admin

from .models import (
    ChecklistItem,
    ChecklistTemplate,
    Observation,
    ObservationQuota,
    RectificationEvent,
    RectificationTask,
    Visit,
    VisitAttachment,
    VisitCorrection,
    VisitScore,
)


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "pass_mark", "frozen", "created_by", "created_at"]
    list_filter = ["frozen"]
    search_fields = ["name"]
    inlines = [ChecklistItemInline]
    readonly_fields = ["family", "frozen", "created_by", "created_at"]


class VisitScoreInline(admin.TabularInline):
    model = VisitScore
    extra = 0
    raw_id_fields = ["item"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["date", "school", "kind", "checklist", "status", "submitted_at"]
    list_filter = ["kind", "status"]
    search_fields = ["school__code", "school__name", "findings"]
    date_hierarchy = "date"
    raw_id_fields = ["school", "checklist"]
    filter_horizontal = ["inspectors"]
    inlines = [VisitScoreInline]
    readonly_fields = ["status", "submitted_at", "created_by", "created_at"]


class RectificationEventInline(admin.TabularInline):
    model = RectificationEvent
    extra = 0
    readonly_fields = ["at", "by", "action", "text"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RectificationTask)
class RectificationTaskAdmin(admin.ModelAdmin):
    list_display = ["title", "school", "severity", "deadline", "status", "created_by"]
    list_filter = ["status", "severity"]
    search_fields = ["school__code", "school__name", "title", "detail", "responsible"]
    date_hierarchy = "deadline"
    raw_id_fields = ["school", "visit"]
    inlines = [RectificationEventInline]
    readonly_fields = ["status", "created_by", "created_at"]


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ["date", "observer", "school", "teacher", "subject", "announced", "rating"]
    list_filter = ["rating", "announced"]
    search_fields = ["school__code", "school__name", "teacher__name", "observer__username"]
    date_hierarchy = "date"
    raw_id_fields = ["observer", "school", "teacher"]


@admin.register(ObservationQuota)
class ObservationQuotaAdmin(admin.ModelAdmin):
    list_display = ["role", "per", "quota"]


@admin.register(VisitAttachment)
class VisitAttachmentAdmin(admin.ModelAdmin):
    """Looked up here; added and deleted on the visit's page (inspections.services.files),
    which keeps the file and its row together."""

    list_display = ["original_name", "visit", "content_type", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["original_name", "visit__school__code", "visit__school__name"]
    raw_id_fields = ["visit"]
    readonly_fields = [
        "visit",
        "original_name",
        "stored_name",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(VisitCorrection)
class VisitCorrectionAdmin(admin.ModelAdmin):
    """The log of corrections: read-only (corrections are made on the visit's page)."""

    list_display = ["visit", "at", "by", "reason"]
    search_fields = ["reason", "visit__school__code", "visit__school__name"]
    date_hierarchy = "at"
    readonly_fields = ["visit", "by", "at", "reason", "changes"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
