"""Pages of the bulletins (简报)."""

from django.urls import path

from reports.views import awards
from reports.views import bulletins as views

app_name = "reports"

urlpatterns = [
    path("bulletins/", views.bulletin_list, name="list"),
    path("bulletins/build/", views.bulletin_build_month, name="build_month"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="detail"),
    path("bulletins/<int:pk>/pdf/", views.bulletin_pdf, name="pdf"),
    path("bulletins/<int:pk>/edit/", views.bulletin_edit, name="edit"),
    path("bulletins/<int:pk>/build/", views.bulletin_rebuild, name="build"),
    path("bulletins/<int:pk>/publish/", views.bulletin_publish, name="publish"),
    path("rewards/<slug:code>/notice.pdf", awards.award_notice, name="award_notice"),
]
