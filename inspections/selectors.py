"""Reads of checklists and visits, scoped by role (DESIGN.md roles).

- admins, leaders and staff see every visit;
- inspectors see every visit, drafts included, whoever made them: they see all schools'
  aggregates, and a visit's scores are an aggregate about a school, not about students;
- principals see only their own school's submitted visits (a draft is still being written);
- every signed-in user reads every checklist.

``school_ids_visited_by`` is what ``bureau.access`` asks to let an inspector see the student
rows of the schools they have visited.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from bureau import access
from bureau.models import Role

from .models import ChecklistItem, ChecklistTemplate, Visit, VisitStatus
from .scoring import ScoredItem, VisitResult, visit_result


def school_ids_visited_by(user) -> set[int]:
    """Schools of the visits the user is one of the inspectors of, whatever their status."""
    if user is None or not user.is_authenticated:
        return set()
    return set(Visit.objects.filter(inspectors=user).values_list("school_id", flat=True).distinct())


def checklists_for(user) -> QuerySet[ChecklistTemplate]:
    if access.role_of(user) is None:
        return ChecklistTemplate.objects.none()
    return ChecklistTemplate.objects.prefetch_related("items")


def checklist_get_for(user, pk) -> ChecklistTemplate:
    template = checklists_for(user).filter(pk=pk).first()
    if template is None:
        raise Http404(_("检查表不存在"))
    return template


def visits_for(user) -> QuerySet[Visit]:
    qs = Visit.objects.select_related("school", "checklist", "created_by").prefetch_related(
        "inspectors",
        Prefetch("checklist__items", queryset=ChecklistItem.objects.order_by("order", "pk")),
        "scores",
    )
    role = access.role_of(user)
    if role in access.ALL_SEEING or role == Role.INSPECTOR:
        return qs
    if role == Role.PRINCIPAL and user.school_id:
        return qs.filter(school_id=user.school_id, status=VisitStatus.SUBMITTED)
    return qs.none()


def visit_get_for(user, pk) -> Visit:
    visit = visits_for(user).filter(pk=pk).first()
    if visit is None:
        raise Http404(_("督导记录不存在"))
    return visit


def visit_score(visit: Visit) -> VisitResult:
    """The visit's total, percentage and pass (uses prefetched items and scores if any)."""
    points = {s.item_id: s.points for s in visit.scores.all()}
    items = [
        ScoredItem(max_points=i.max_points, weight=i.weight, points=points.get(i.pk))
        for i in visit.checklist.items.all()
    ]
    return visit_result(items, visit.checklist.pass_mark)
