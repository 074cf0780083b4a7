from django.urls import path

from . import views

app_name = "schools"

urlpatterns = [
    path("schools/", views.school_list, name="list"),
    path("schools/<str:code>/", views.school_detail, name="detail"),
    path("teachers/", views.teacher_list, name="teachers"),
    path("exchanges/", views.exchange_list, name="exchanges"),
    path("roster/import/", views.roster_import, name="roster_import"),
]
