"""Admin: for looking things up and mending by hand. Checklists and visits are created through
the API and the pages, which go through inspections.services and its rules."""

from django.contrib import admin

from .models import ChecklistItem, ChecklistTemplate, Visit, VisitScore


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
