from django.urls import path

from .views import evaluations, exports, schemes

app_name = "rewards"

urlpatterns = [
    path("rewards/", schemes.scheme_list, name="list"),
    path("rewards/new/", schemes.scheme_new, name="new"),
    path("rewards/<slug:code>/", schemes.scheme_detail, name="detail"),
    path("rewards/<slug:code>/compute/", schemes.scheme_compute, name="compute"),
    path("rewards/<slug:code>/approve/", schemes.scheme_approve_view, name="approve"),
    path("rewards/<slug:code>/publish/", schemes.scheme_publish_view, name="publish"),
    path(
        "rewards/<slug:code>/awards/<int:award_id>/delete/",
        schemes.award_delete_view,
        name="award_delete",
    ),
    path("rewards/<slug:code>/lines/<int:line_id>/", schemes.line_adjust_view, name="adjust"),
    path("rewards/<slug:code>/export.xlsx", exports.scheme_export, name="export"),
    path("evaluations/", evaluations.evaluation_list, name="evaluations"),
    path("evaluations/export.xlsx", exports.evaluation_export, name="evaluations_export"),
    path("evaluations/decide/", evaluations.evaluation_decide, name="decide"),
    path("evaluations/summon/", evaluations.evaluation_summon, name="summon"),
    path("evaluations/settings/", evaluations.evaluation_settings, name="settings"),
]
