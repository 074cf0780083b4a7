"""Admin: for looking bulletins up and mending by hand. Bulletins are built, edited and
published through the pages, the API and ``build_bulletin``, which go through
``reports.services.bulletins`` and ``reports.rendering.context``; their data snapshot and PDF are read-only here."""

from django.contrib import admin

from .models import Bulletin, BulletinRead


class BulletinReadInline(admin.TabularInline):
    model = BulletinRead
    extra = 0
    can_delete = False
    fields = ["user", "read_at"]
    readonly_fields = ["user", "read_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin):
    list_display = ["__str__", "period", "title", "status", "build_status", "published_at"]
    list_filter = ["status", "build_status", "year"]
    search_fields = ["title"]
    date_hierarchy = "period"
    readonly_fields = [
        "period",
        "year",
        "number",
        "content",
        "pdf_name",
        "pages",
        "build_status",
        "build_error",
        "built_at",
        "created_by",
        "created_at",
        "published_by",
        "published_at",
    ]
    inlines = [BulletinReadInline]


@admin.register(BulletinRead)
class BulletinReadAdmin(admin.ModelAdmin):
    list_display = ["bulletin", "user", "read_at"]
    list_filter = ["bulletin"]
    search_fields = ["user__username", "user__full_name"]
    raw_id_fields = ["bulletin", "user"]
    readonly_fields = ["read_at"]
