from django.urls import path

from .views import board, entries, letters, targets

app_name = "targets"

urlpatterns = [
    path("targets/", board.board_page, name="board"),
    path("targets/new/", targets.target_new, name="new"),
    path("targets/export/", board.board_export, name="export"),
    path("targets/letters/", letters.letters_all, name="letters_all"),
    path("targets/letters/<str:school_code>/", letters.letter, name="letter"),
    path("targets/schools/<str:school_code>/", board.school_targets, name="school"),
    path("targets/entries/<int:pk>/confirm/", entries.entry_confirm_view, name="entry_confirm"),
    path("targets/entries/<int:pk>/evidence/", entries.entry_evidence, name="entry_evidence"),
    path("targets/<slug:code>/", targets.target_detail, name="detail"),
    path("targets/<slug:code>/quota/", targets.target_quota, name="quota"),
    path("targets/<slug:code>/basis/", targets.target_basis, name="basis"),
    path("targets/<slug:code>/publish/", targets.target_publish_view, name="publish"),
    path("targets/<slug:code>/acknowledge/", targets.target_acknowledge, name="acknowledge"),
    path(
        "targets/<slug:code>/allocation.xlsx", targets.allocation_export, name="allocation_export"
    ),
    path("targets/<slug:code>/entries/", entries.entry_new, name="entry_new"),
]
