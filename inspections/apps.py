from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("督导")

    def ready(self):
        from bureau.audit import audit_register

        from . import models as m

        audit_register(m.Visit, name="visit", m2m=("inspectors",))
        audit_register(m.VisitScore, name="visit_score")
        audit_register(m.VisitCorrection, name="visit_correction")
        audit_register(m.RectificationTask, name="rectification")
        audit_register(m.RectificationEvent, name="rectification_event")
