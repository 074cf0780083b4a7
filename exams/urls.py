from django.urls import path

from exams.views import analysis as views
from exams.views import manage as views_manage
from exams.views import upload as views_upload

app_name = "exams"

urlpatterns = [
    path("exams/", views.exam_list, name="list"),
    path("exams/new/", views_manage.exam_new, name="new"),
    path("exams/<slug:code>/", views.exam_detail, name="detail"),
    path("exams/<slug:code>/schools/<str:school_code>/", views.exam_school, name="school"),
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
    path("exams/<slug:code>/edit/", views_manage.exam_edit, name="edit"),
    path("exams/<slug:code>/state/", views_manage.exam_state, name="state"),
    path("exams/<slug:code>/recompute/", views_manage.exam_recompute, name="recompute"),
    path("exams/<slug:code>/not-counted/", views_manage.exam_not_counted, name="not_counted"),
]
