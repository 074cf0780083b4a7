from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("督导")

    def ready(self) -> None:
        from schools.profile import register_profile_block

        from .selectors.pages import school_visits

        # Visits of the school (督导记录) and its accountability records.
        register_profile_block(
            order=40,
            template="inspections/_school_visits.html",
            context=lambda user, school: {"school_visits": school_visits(user=user, school=school)},
        )

        from bureau.audit import audit_register

        from . import models as m

        audit_register(m.Visit, name="visit", m2m=("inspectors",))
        audit_register(m.VisitScore, name="visit_score")
        audit_register(m.VisitCorrection, name="visit_correction")
        audit_register(m.RectificationTask, name="rectification")
        audit_register(m.RectificationEvent, name="rectification_event")
