"""Checklists and visits over the API (SPEC §4 "Inspections and bulletins").

``/checklists/``: everyone signed in reads; managers create, and revise with
``POST /checklists/{id}/revise/`` (a new version when the checklist is already in use).
``/visits/``: read as ``inspections.selectors.visits_for`` allows; inspectors, staff and admins
record visits; ``PATCH`` while a draft; ``POST /visits/{id}/submit/`` locks it.
``/rectifications/``: read as ``inspections.selectors.rectifications_for`` allows; inspectors,
staff and admins set them; ``POST /rectifications/{id}/answer/`` by the school's principal (or
staff, an admin); ``POST /rectifications/{id}/verify/`` by an inspector (or staff, an admin).
``/observations/``: read as ``inspections.selectors.observations_for`` allows; the observer is
the user; ``GET /observations/compliance/`` compares what each user did with their quota.
"""

from inspections.api.rectifications import ObservationViewSet, RectificationViewSet

from .accountability import AccountabilityViewSet
from .checklists import ChecklistViewSet
from .visits import VisitViewSet

__all__ = [
    "AccountabilityViewSet",
    "ChecklistViewSet",
    "ObservationViewSet",
    "RectificationViewSet",
    "VisitViewSet",
]
