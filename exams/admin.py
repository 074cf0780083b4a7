from django.contrib import admin

from .models import Exam, ExamSubject, ResultUpload, Subject


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]


class ExamSubjectInline(admin.TabularInline):
    model = ExamSubject
    extra = 0


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "grade", "date", "state", "stats_status"]
    list_filter = ["kind", "grade", "state", "academic_year"]
    search_fields = ["code", "name"]
    inlines = [ExamSubjectInline]
    readonly_fields = [
        "stats_status",
        "stats_updated_at",
        "stats_error",
        "stats_started_at",
        "stats_requeued",
        "created_by",
    ]


@admin.register(ResultUpload)
class ResultUploadAdmin(admin.ModelAdmin):
    list_display = [
        "exam",
        "school",
        "file_name",
        "status",
        "students",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["status"]
    readonly_fields = [f.name for f in ResultUpload._meta.fields]

    def has_add_permission(self, request):
        return False
