from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from bureau.admin_access import AccessLoggedAdminMixin

from .models import (
    EducationGroup,
    School,
    SchoolClass,
    Student,
    Teacher,
    TeacherExchange,
    TeachingAssignment,
    Zone,
)


@admin.register(School)
class SchoolAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "stage", "locality", "township", "zone", "group", "boarding"]
    list_filter = ["stage", "locality", "category", "boarding", "zone"]
    search_fields = ["code", "name", "township"]


@admin.register(Teacher)
class TeacherAdmin(SimpleHistoryAdmin):
    list_display = ["staff_number", "name", "school", "title", "backbone", "certified", "active"]
    list_filter = ["title", "backbone", "education", "certified", "active"]
    search_fields = ["staff_number", "name"]
    autocomplete_fields = ["school"]


@admin.register(TeacherExchange)
class TeacherExchangeAdmin(SimpleHistoryAdmin):
    list_display = ["teacher", "from_school", "to_school", "start", "end", "backbone"]
    autocomplete_fields = ["teacher", "from_school", "to_school"]


@admin.register(SchoolClass)
class SchoolClassAdmin(admin.ModelAdmin):
    list_display = ["school", "grade", "number", "head_teacher"]
    list_filter = ["grade"]
    search_fields = ["school__name", "school__code"]
    autocomplete_fields = ["school", "head_teacher"]


@admin.register(Student)
class StudentAdmin(AccessLoggedAdminMixin, admin.ModelAdmin):
    list_display = ["student_number", "name", "school", "school_class"]
    search_fields = ["student_number", "name"]
    raw_id_fields = ["school", "school_class"]


admin.site.register(Zone)
admin.site.register(EducationGroup)
admin.site.register(TeachingAssignment)
