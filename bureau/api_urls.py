"""/api/v1/: one router for every app's viewsets (SPEC §4)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from exams.api import views as exams_api
from inspections import api as inspections_api
from reports import api as reports_api
from rewards import api as rewards_api
from rewards.api.evaluations import EvaluationsView
from schools import api as schools_api
from targets import api as targets_api

from . import api, api_audit

router = DefaultRouter()
router.register("schools", schools_api.SchoolViewSet, basename="school")
router.register("teachers", schools_api.TeacherViewSet, basename="teacher")
router.register("exams", exams_api.ExamViewSet, basename="exam")
router.register("checklists", inspections_api.ChecklistViewSet, basename="checklist")
router.register("visits", inspections_api.VisitViewSet, basename="visit")
router.register("rectifications", inspections_api.RectificationViewSet, basename="rectification")
router.register("observations", inspections_api.ObservationViewSet, basename="observation")
router.register("accountability", inspections_api.AccountabilityViewSet, basename="accountability")
router.register("targets", targets_api.TargetViewSet, basename="target")
router.register("bulletins", reports_api.BulletinViewSet, basename="bulletin")
router.register("schemes", rewards_api.SchemeViewSet, basename="scheme")

urlpatterns = [
    path("auth/token/", api.ObtainTokenView.as_view(), name="api-token"),
    path("schema/", api.SchemaView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("evaluations/", EvaluationsView.as_view(), name="api-evaluations"),
    path("audit/", api_audit.AuditView.as_view(), name="api-audit"),
    path("access-log/", api_audit.AccessLogView.as_view(), name="api-access-log"),
    path("", include(router.urls)),
]
