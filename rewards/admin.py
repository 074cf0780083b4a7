"""Admin: schemes with their awards, for looking up and mending by hand. An approved or
published scheme is read-only here too; computing and approving go through the services
(the actions below), as on the pages and the API."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.errors import DomainError

from .models import Award, AwardLine, Evaluation, EvaluationDecision, LineAdjustment, Scheme
from .services.schemes import scheme_approve, scheme_compute_request


class AwardInline(admin.StackedInline):
    model = Award
    extra = 0
    raw_id_fields = ["exam", "baseline_exam"]


@admin.register(AwardLine)
class AwardLineAdmin(admin.ModelAdmin):
    """Computed lines: read here, changed only by recomputing or adjusting with a reason."""

    list_display = ["award", "recipient", "rank", "reason", "base_amount", "amount"]
    list_filter = ["award__scheme"]
    readonly_fields = [f.name for f in AwardLine._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Scheme)
class SchemeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "year", "budget", "status", "compute_status", "stale"]
    list_filter = ["status", "year"]
    search_fields = ["code", "name"]
    readonly_fields = [
        "status",
        "compute_status",
        "progress",
        "computed_at",
        "compute_error",
        "stale",
        "approved_by",
        "approved_at",
        "published_at",
        "created_by",
        "created_at",
    ]
    inlines = [AwardInline]
    actions = ["compute", "approve"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.locked:
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("计算所选方案"))
    def compute(self, request, queryset):
        for scheme in queryset:
            try:
                scheme_compute_request(scheme=scheme, user=request.user)
            except DomainError as exc:
                self.message_user(request, f"{scheme.code}: {exc.message}", messages.ERROR)

    @admin.action(description=_("批准所选方案"))
    def approve(self, request, queryset):
        for scheme in queryset:
            try:
                scheme_approve(scheme=scheme, user=request.user)
            except DomainError as exc:
                self.message_user(request, f"{scheme.code}: {exc.message}", messages.ERROR)


@admin.register(LineAdjustment)
class LineAdjustmentAdmin(admin.ModelAdmin):
    list_display = [
        "award",
        "recipient",
        "from_amount",
        "to_amount",
        "excluded",
        "reason",
        "by",
        "at",
    ]
    readonly_fields = [f.name for f in LineAdjustment._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(SimpleHistoryAdmin):
    list_display = ["year", "last_k", "last_n", "far_p", "far_d", "classify_by"]
    filter_horizontal = ["exams"]


@admin.register(EvaluationDecision)
class EvaluationDecisionAdmin(admin.ModelAdmin):
    list_display = ["year", "teacher", "kind", "keep", "reason", "by", "at"]
    list_filter = ["kind", "keep"]
    raw_id_fields = ["teacher"]
