"""Reads for the visit pages (docs/inspections.md, "Pages"): the list's filters, the scoring
form's rows, coverage of schools per term and a school's score trend.

Everything starts from the scoped selectors (``visits_for``, ``access.schools_for``), so a
principal never reads another school's visits or a draft here either.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from bureau import access
from bureau.models import Term, User
from inspections.models import ChecklistTemplate, ItemKind, Visit, VisitKind, VisitStatus
from inspections.scoring import ordered_levels
from inspections.selectors import visit_score, visits_for
from schools.models import School


def latest_checklists() -> QuerySet[ChecklistTemplate]:
    """The latest version of each checklist family: the only ones a new visit may use."""
    newest = (
        ChecklistTemplate.objects.filter(family=OuterRef("family"))
        .order_by("-version")
        .values("version")[:1]
    )
    return ChecklistTemplate.objects.filter(version=Subquery(newest)).order_by("name")


def inspector_choices() -> QuerySet[User]:
    """Active users who may be named among a visit's inspectors (superusers count as admins)."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(role__in=access.INSPECTING_ROLES) | Q(is_superuser=True))
        .order_by("role", "username")
    )


def visits_filtered(
    user, *, school=None, kind: str = "", status: str = "", term: Term | None = None
) -> QuerySet[Visit]:
    qs = visits_for(user)
    if school is not None:
        qs = qs.filter(school=school)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if term is not None:
        qs = qs.filter(date__range=(term.start, term.end))
    return qs.order_by("-date", "-pk")


# --- one visit -----------------------------------------------------------------------------


@dataclass
class ItemRow:
    """One checklist item of a visit with its stored score, for the detail page and the
    scoring form."""

    item: object
    points: float | None = None
    level: str = ""
    comment: str = ""
    levels: list[tuple[str, float]] = field(default_factory=list)
    raw_points: str | None = None  # what was typed, when shown again after an error
    error: str = ""

    @property
    def input_value(self) -> str:
        if self.raw_points is not None:
            return self.raw_points
        return "" if self.points is None else f"{self.points:g}"

    @property
    def is_level(self) -> bool:
        return self.item.kind == ItemKind.LEVEL

    @property
    def scored(self) -> bool:
        return self.points is not None


@dataclass
class GroupRows:
    name: str
    rows: list[ItemRow]

    @property
    def points(self) -> float:
        return sum((r.points or 0) * r.item.weight for r in self.rows)

    @property
    def possible(self) -> float:
        return sum(r.item.max_points * r.item.weight for r in self.rows)


def visit_groups(visit: Visit) -> list[GroupRows]:
    """The visit's items in checklist order, grouped by 类别 in order of first appearance."""
    scores = {s.item_id: s for s in visit.scores.all()}
    groups: dict[str, GroupRows] = {}
    for item in visit.checklist.items.all():
        score = scores.get(item.pk)
        row = ItemRow(
            item=item,
            points=score.points if score else None,
            level=score.level if score else "",
            comment=score.comment if score else "",
            levels=[(name, float(item.levels[name])) for name in ordered_levels(item.levels)],
        )
        groups.setdefault(item.group, GroupRows(item.group, [])).rows.append(row)
    return list(groups.values())


def visit_version(visit: Visit) -> str:
    """A fingerprint of what the server holds for a draft (scores and findings). The scoring
    form's offline copy compares it to know whether the server changed since (a visit has no
    "updated at" time of its own)."""
    state = {
        "findings": visit.findings,
        "scores": sorted((s.item_id, s.points, s.level, s.comment) for s in visit.scores.all()),
    }
    raw = json.dumps(state, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


# --- coverage ------------------------------------------------------------------------------


@dataclass
class CoverageRow:
    school: School
    visits: int = 0
    unannounced: int = 0
    last_date: datetime.date | None = None
    last_inspectors: list[str] = field(default_factory=list)
    last_percentage: float | None = None
    last_visit_id: int | None = None

    @property
    def visited(self) -> bool:
        return self.visits > 0


@dataclass
class Coverage:
    term: Term
    rows: list[CoverageRow]

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def visited(self) -> int:
        return sum(1 for r in self.rows if r.visited)

    @property
    def share(self) -> float | None:
        return self.visited / self.total if self.total else None

    @property
    def unannounced(self) -> int:
        return sum(r.unannounced for r in self.rows)


def coverage(user, *, term: Term, schools: QuerySet[School]) -> Coverage:
    """Every active school of ``schools`` (already filtered by the page) with its submitted
    visits dated within ``term``: how many, how many unannounced (四不两直), the last one's
    date, inspectors and percentage. Schools not visited come first, then by code."""
    schools = access.schools_for(user).filter(pk__in=schools.values("pk"), active=True)
    rows = {s.pk: CoverageRow(school=s) for s in schools.select_related("zone").order_by("code")}
    visits = (
        visits_for(user)
        .filter(
            school_id__in=rows,
            status=VisitStatus.SUBMITTED,
            date__range=(term.start, term.end),
        )
        .order_by("date", "pk")
    )
    for visit in visits:
        row = rows[visit.school_id]
        row.visits += 1
        if visit.kind == VisitKind.UNANNOUNCED:
            row.unannounced += 1
        # Oldest first, so the last one seen is the latest.
        row.last_date = visit.date
        row.last_visit_id = visit.pk
        row.last_inspectors = [str(p) for p in visit.inspectors.all()]
        row.last_percentage = visit_score(visit).percentage
    ordered = sorted(rows.values(), key=lambda r: (r.visited, r.school.code))
    return Coverage(term=term, rows=ordered)


def terms() -> QuerySet[Term]:
    return Term.objects.select_related("year").order_by("-start")


# --- a school's profile --------------------------------------------------------------------

SCHOOL_VISITS_SHOWN = 10


def school_visits(*, user, school: School) -> dict:
    """The 督导记录 block of a school's profile: its latest visits the user may see, how many
    in all, and the percentage of each submitted visit over time (a bar chart spec for
    static/js/charts.js, oldest first)."""
    visits = list(visits_for(user).filter(school=school).order_by("-date", "-pk"))
    rows = [{"visit": v, "result": visit_score(v)} for v in visits]
    submitted = [r for r in reversed(rows) if r["visit"].status == VisitStatus.SUBMITTED]
    trend = [r for r in submitted if r["result"].percentage is not None]
    chart = None
    if trend:
        chart = {
            "id": "chart-visit-trend",
            "data_id": "visit-trend-data",
            "title": _("督导得分率"),
            "type": "bar",
            "unit": "%",
            "labels": [f"{r['visit'].date:%Y-%m-%d}" for r in trend],
            "values": [round(r["result"].percentage * 100, 1) for r in trend],
        }
    return {
        "rows": rows[:SCHOOL_VISITS_SHOWN],
        "count": len(rows),
        "chart": chart,
        "can_record": access.can_record_visits(user),
    }
