"""Pages of the 督导 domain: visits, attachments and corrections, rectifications and lesson
observations, checklists, accountability."""

from django.urls import path

from inspections.views import accountability, checklists, records, rectifications, visits

app_name = "inspections"

urlpatterns = [
    # visits
    path("inspections/", visits.visit_list, name="visits"),
    path("inspections/new/", visits.visit_new, name="visit_new"),
    path("inspections/coverage/", visits.coverage, name="coverage"),
    path("inspections/<int:pk>/", visits.visit_detail, name="visit_detail"),
    path("inspections/<int:pk>/edit/", visits.visit_edit, name="visit_edit"),
    path("inspections/<int:pk>/submit/", visits.visit_submit_view, name="visit_submit"),
    # records
    path(
        "inspections/<int:visit_pk>/attachments/",
        records.attachment_add,
        name="attachment_add",
    ),
    path(
        "inspections/<int:visit_pk>/attachments/<int:pk>/",
        records.attachment,
        name="attachment",
    ),
    path(
        "inspections/<int:visit_pk>/attachments/<int:pk>/delete/",
        records.attachment_delete,
        name="attachment_delete",
    ),
    path("inspections/<int:pk>/correct/", records.visit_correct, name="visit_correct"),
    # rectifications
    path("rectifications/", rectifications.rectification_list, name="rectifications"),
    path("rectifications/new/", rectifications.rectification_new, name="rectification_new"),
    path(
        "rectifications/<int:pk>/", rectifications.rectification_detail, name="rectification_detail"
    ),
    path(
        "rectifications/<int:pk>/answer/",
        rectifications.rectification_answer,
        name="rectification_answer",
    ),
    path(
        "rectifications/<int:pk>/verify/",
        rectifications.rectification_verify,
        name="rectification_verify",
    ),
    path("observations/", rectifications.observation_list, name="observations"),
    path("observations/new/", rectifications.observation_new, name="observation_new"),
    path("observations/compliance/", rectifications.compliance, name="compliance"),
    path("liaison/", rectifications.liaison, name="liaison"),
    # checklists
    path("inspections/checklists/", checklists.checklist_list, name="checklists"),
    path("inspections/checklists/new/", checklists.checklist_new, name="checklist_new"),
    path("inspections/checklists/<int:pk>/", checklists.checklist_detail, name="checklist_detail"),
    path(
        "inspections/checklists/<int:pk>/revise/",
        checklists.checklist_revise,
        name="checklist_revise",
    ),
    # accountability
    path("inspections/accountability/", accountability.accountability_list, name="accountability"),
    path(
        "inspections/accountability/new/",
        accountability.accountability_new,
        name="accountability_new",
    ),
]
