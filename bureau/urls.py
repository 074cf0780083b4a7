from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views, views_audit

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("health/", views.health, name="health"),
    path("audit/", views_audit.audit_log, name="audit"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("bureau.api_urls")),
    path("", include("schools.urls")),
    path("", include("exams.urls")),
    path("", include("inspections.urls")),
    path("", include("targets.urls")),
    path("", include("rewards.urls")),
    path("", include("reports.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()

# Chinese error pages in the site's layout (JSON under /api/): bureau/views_errors.py.
handler400 = "bureau.views_errors.bad_request"
handler403 = "bureau.views_errors.permission_denied"
handler404 = "bureau.views_errors.page_not_found"
handler500 = "bureau.views_errors.server_error"
