"""What the API modules of inspections share: write permissions, choice fields, and turning
the codes, ids and usernames of a request body into objects."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers

from bureau import access
from bureau.models import Role, User
from core.errors import DomainError

from ..models import (
    ChecklistTemplate,
    ItemKind,
    QuotaPeriod,
    Rating,
    RectificationStatus,
    Severity,
    VisitKind,
    VisitStatus,
)


class ManagersWriteChecklists(permissions.BasePermission):
    message = gettext_lazy("只有局机关工作人员或管理员可以管理检查表。")

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or access.is_manager(request.user)


class RecordersWriteVisits(permissions.BasePermission):
    message = gettext_lazy("只有督导员、局机关工作人员或管理员可以记录督导。")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.can_record_visits(request.user)


def _inline_choices(choices):
    """A choice field whose values the OpenAPI schema documents in place. A bare ``enum`` would
    be turned into a shared ``KindEnum``/``StatusEnum`` component by drf-spectacular and
    clash with the exams' ``kind`` (a warning that ``check --deploy`` fails on); wrapped in
    ``allOf`` next to a description (a lone ``allOf`` is unwrapped) it stays where it is."""
    enum = {"type": "string", "enum": list(choices.values)}
    labels = "；".join(f"{value}：{label}" for value, label in choices.choices)

    @extend_schema_field({"allOf": [enum], "description": labels})
    class Field(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices.choices, **kwargs)

    return Field


ItemKindField = _inline_choices(ItemKind)
VisitKindField = _inline_choices(VisitKind)
VisitStatusField = _inline_choices(VisitStatus)
SeverityField = _inline_choices(Severity)
RectificationStatusField = _inline_choices(RectificationStatus)
RatingField = _inline_choices(Rating)
RoleField = _inline_choices(Role)
QuotaPeriodField = _inline_choices(QuotaPeriod)


def resolve_body(user, data: dict) -> dict:
    """Codes, ids and usernames of the body → objects, as the services take them."""
    args = dict(data)
    if "school" in args:
        school = access.schools_for(user).filter(code=args["school"]).first()
        if school is None:
            raise DomainError(_("学校不存在：%(code)s") % {"code": args["school"]})
        args["school"] = school
    if "checklist" in args:
        checklist = ChecklistTemplate.objects.filter(pk=args["checklist"]).first()
        if checklist is None:
            raise DomainError(_("检查表不存在：%(id)s") % {"id": args["checklist"]})
        args["checklist"] = checklist
    if "inspectors" in args:
        names = list(dict.fromkeys(args["inspectors"]))
        people = list(User.objects.filter(username__in=names, is_active=True))
        unknown = sorted(set(names) - {u.username for u in people})
        if unknown:
            raise DomainError(_("用户不存在：%(names)s") % {"names": "、".join(unknown)})
        args["inspectors"] = people
    return args
