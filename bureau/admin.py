from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AcademicYear, AccessLog, Term, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "school", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_superuser"]
    search_fields = ["username", "full_name", "school__name", "school__code"]
    autocomplete_fields = ["school"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("角色与学校"), {"fields": ["role", "school", "full_name"]}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("角色与学校"), {"fields": ["role", "school", "full_name"]}),
    )


class TermInline(admin.TabularInline):
    model = Term
    extra = 0


@admin.register(AcademicYear)
class AcademicYearAdmin(admin.ModelAdmin):
    list_display = ["name", "start", "end"]
    inlines = [TermInline]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "action", "what", "school", "exam", "rows"]
    list_filter = ["action"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
