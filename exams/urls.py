from django.urls import path

from . import views_upload

app_name = "exams"

urlpatterns = [
    path("exams/<slug:code>/upload/", views_upload.upload, name="upload"),
    path(
        "exams/<slug:code>/upload/template/",
        views_upload.upload_template,
        name="upload_template",
    ),
    path(
        "exams/<slug:code>/upload/<str:token>/",
        views_upload.upload_preview,
        name="upload_preview",
    ),
    path(
        "exams/<slug:code>/upload/<str:token>/annotated/",
        views_upload.upload_annotated,
        name="upload_annotated",
    ),
    path("exams/<slug:code>/progress/", views_upload.progress, name="progress"),
]
