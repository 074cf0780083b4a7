"""Pages of the bulletins (简报)."""

from django.urls import path

from . import award_notice, views

app_name = "reports"

urlpatterns = [
    *views.urlpatterns,
    path("rewards/<slug:code>/notice.pdf", award_notice.award_notice, name="award_notice"),
]
