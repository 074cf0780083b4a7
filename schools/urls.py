from django.urls import path

from schools.views import registry as views
from schools.views import roster as views_roster

app_name = "schools"

urlpatterns = [
    path("schools/", views.school_list, name="list"),
    path("schools/<str:code>/", views.school_detail, name="detail"),
    path("teachers/", views.teacher_list, name="teachers"),
    path("exchanges/", views.exchange_list, name="exchanges"),
    path("exchanges/new/", views.exchange_new, name="exchange_new"),
    path("roster/import/", views_roster.roster_import_view, name="roster_import"),
    path(
        "roster/import/annotate/",
        views_roster.roster_annotate_again,
        name="roster_annotate_again",
    ),
    path("roster/import/<str:token>/", views_roster.roster_preview, name="roster_preview"),
    path(
        "roster/import/<str:token>/annotated/",
        views_roster.roster_annotated,
        name="roster_annotated",
    ),
    path("roster/template/", views_roster.roster_template, name="roster_template"),
]
