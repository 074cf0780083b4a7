"""Reads for the registry pages: load from the scoped querysets of bureau.access, then call the
pure computations (structure.py, exchanges.py)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau import access
from bureau.models import AcademicYear
from schools.exchanges import ExchangeStats, exchange_stats
from schools.models import (
    GRADE_NAMES,
    LARGE_CLASS_OVER,
    Backbone,
    Education,
    Gender,
    School,
    SchoolClass,
    Student,
    Teacher,
    Title,
)
from schools.structure import (
    WEEKLY_PERIODS,
    ShortageRow,
    ShortageTotal,
    Structure,
    subject_shortage,
    teacher_structure,
)


def _count_of(model, **filters) -> Coalesce:
    """A correlated COUNT(*) of ``model`` rows pointing at the outer school."""
    subquery = (
        model.objects.filter(school=OuterRef("pk"), **filters)
        .order_by()
        .values("school")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(subquery, output_field=IntegerField()), Value(0))


def schools_with_counts(qs: QuerySet[School]) -> QuerySet[School]:
    """Classes, students and active teachers per school, in the same query as the schools
    (correlated subqueries: joining the three tables would multiply rows)."""
    return qs.select_related("zone", "group").annotate(
        n_classes=_count_of(SchoolClass),
        n_students=_count_of(Student),
        n_teachers=_count_of(Teacher, active=True),
    )


def ratio(students: int, teachers: int) -> float | None:
    return students / teachers if teachers else None


def school_list_summary(qs: QuerySet[School]) -> dict:
    return {
        "schools": qs.count(),
        "students": Student.objects.filter(school__in=qs.values("pk")).count(),
    }


# --- one school -------------------------------------------------------------------------


def school_profile(*, user, school: School) -> dict:
    classes = list(
        access.classes_for(user)
        .filter(school=school)
        .select_related("head_teacher")
        .annotate(n_students=Count("students"))
        .order_by("grade", "number")
    )
    for c in classes:
        c.grade_name = GRADE_NAMES.get(c.grade, c.grade)
        c.large = c.n_students > LARGE_CLASS_OVER
    teachers = list(
        access.teachers_for(user)
        .filter(school=school, active=True)
        .select_related("subject")
        .order_by("staff_number")
    )
    year = timezone.localdate().year
    for t in teachers:
        t.age = year - t.birth_year
    n_students = sum(c.n_students for c in classes)
    unassigned = Student.objects.filter(school=school, school_class__isnull=True).count()
    return {
        "classes": classes,
        "teachers": teachers,
        "figures": {
            "classes": len(classes),
            "students": n_students + unassigned,
            "teachers": len(teachers),
            "large_classes": sum(1 for c in classes if c.large),
        },
    }


# --- teacher structure ------------------------------------------------------------------

STRUCTURE_FIELDS = ("birth_year", "gender", "education", "title", "backbone", "certified")


def structure_of(teachers: QuerySet[Teacher]) -> Structure:
    rows = list(teachers.order_by().values(*STRUCTURE_FIELDS))
    return teacher_structure(
        rows,
        year=timezone.localdate().year,
        genders=Gender.choices,
        educations=Education.choices,
        titles=Title.choices,
        backbones=[(k, label if k else _("非骨干")) for k, label in Backbone.choices],
    )


def structure_charts(structure: Structure, *, prefix: str = "chart") -> list[dict]:
    """Chart specifications for static/js/charts.js (embedded with ``json_script``)."""

    def spec(key, title, kind, shares):
        return {
            "id": f"{prefix}-{key}",
            "data_id": f"{prefix}-{key}-data",
            "title": title,
            "type": kind,
            "unit": _("人"),
            "labels": [s.label for s in shares],
            "values": [s.count for s in shares],
        }

    return [
        spec("age", _("年龄结构"), "bar", structure.age),
        spec("education", _("学历结构"), "pie", structure.education),
        spec("title", _("职称结构"), "bar", structure.title),
        spec("backbone", _("骨干教师"), "bar", structure.backbone),
        spec("certified", _("教师资格持证"), "pie", structure.certified),
        spec("gender", _("性别结构"), "pie", structure.gender),
    ]


def shortage_chart(totals: list[ShortageTotal], *, prefix: str = "chart") -> dict:
    return {
        "id": f"{prefix}-shortage",
        "data_id": f"{prefix}-shortage-data",
        "title": _("各学科教师需求与现有"),
        "type": "bar",
        "unit": _("人"),
        "labels": [t.subject for t in totals],
        "colors": ["#1d4ed8", "#1f7a3d", "#c53030"],
        "series": [
            {"name": _("需要"), "values": [t.need for t in totals]},
            {"name": _("现有"), "values": [t.have for t in totals]},
            {"name": _("缺员"), "values": [t.short for t in totals]},
        ],
    }


@dataclass(frozen=True)
class Shortage:
    rows: list[ShortageRow]
    totals: list[ShortageTotal]

    @property
    def short_rows(self) -> list[ShortageRow]:
        return [r for r in self.rows if r.short]

    @property
    def total_short(self) -> int:
        return sum(t.short for t in self.totals)

    @property
    def chart(self) -> dict:
        return shortage_chart(self.totals)


def shortage_for(*, user, schools: QuerySet[School]) -> Shortage:
    """Subject shortage of the given schools (already scoped), with their active teachers."""
    school_ids = schools.values("pk")
    classes: dict[int, dict[int, int]] = defaultdict(dict)
    for row in (
        access.classes_for(user)
        .filter(school__in=school_ids)
        .order_by()
        .values("school_id", "grade")
        .annotate(n=Count("pk"))
    ):
        classes[row["school_id"]][row["grade"]] = row["n"]
    teachers: dict[int, dict[str, int]] = defaultdict(dict)
    for row in (
        access.teachers_for(user)
        .filter(school__in=school_ids, active=True, subject__isnull=False)
        .order_by()
        .values("school_id", "subject__name")
        .annotate(n=Count("pk"))
    ):
        teachers[row["school_id"]][row["subject__name"]] = row["n"]
    info = {
        pk: {"code": code, "name": name}
        for pk, code, name in schools.filter(pk__in=classes.keys()).values_list(
            "pk", "code", "name"
        )
    }
    rows, totals = subject_shortage(classes=classes, teachers=teachers)
    order = {subject: i for i, subject in enumerate(WEEKLY_PERIODS)}
    rows = [
        ShortageRow(
            school=info[r.school],
            subject=r.subject,
            classes=r.classes,
            periods=r.periods,
            need=r.need,
            have=r.have,
        )
        for r in sorted(rows, key=lambda r: (info[r.school]["code"], order[r.subject]))
    ]
    return Shortage(rows=rows, totals=totals)


# --- exchanges --------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    name: str
    start: datetime.date
    end: datetime.date
    year_id: int | None = None


def academic_period(year_id: str | int | None = None) -> Period:
    """The chosen academic year, else the current one; without any in the registry, the
    September-to-August year containing today."""
    year = None
    if year_id:
        year = AcademicYear.objects.filter(pk=year_id).first()
    year = year or AcademicYear.current()
    if year is not None:
        return Period(year.name, year.start, year.end, year.pk)
    today = timezone.localdate()
    first = today.year if today.month >= 9 else today.year - 1
    return Period(
        f"{first}-{first + 1}", datetime.date(first, 9, 1), datetime.date(first + 1, 8, 31)
    )


@dataclass(frozen=True)
class ExchangeRow:
    school: School
    stats: ExchangeStats


def exchange_overview(*, user, period: Period) -> tuple[list[ExchangeRow], ExchangeStats]:
    """Exchange figures of the schools the user may open, counted at the sending school."""
    schools = list(access.schools_for(user).filter(active=True).order_by("code"))
    ids = [s.pk for s in schools]
    teachers = (
        access.teachers_for(user)
        .filter(school_id__in=ids, active=True)
        .order_by()
        .values("school_id", "gender", "birth_year", "school_since", "active")
    )
    exchanges = (
        access.exchanges_for(user)
        .filter(from_school_id__in=ids, start__lte=period.end)
        .order_by()
        .values("teacher_id", "from_school_id", "start", "end", "backbone")
    )
    per_school, overall = exchange_stats(
        teachers=({**t, "school": t["school_id"]} for t in teachers),
        exchanges=(
            {**e, "teacher": e["teacher_id"], "from_school": e["from_school_id"]} for e in exchanges
        ),
        year_start=period.start,
        year_end=period.end,
        schools=ids,
    )
    return [ExchangeRow(s, per_school[s.pk]) for s in schools], overall
