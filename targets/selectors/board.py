"""The year's board (/targets/): every target the user may see with its county and school
progress, a heat map of schools × targets and the county trend across the year's exams."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from bureau import access
from bureau.models import AcademicYear
from exams.models import Exam, ExamState, StatsStatus
from schools.models import School

from ..models import Measure, Target
from .measures import EXAM_MEASURES
from .progress import exam_for, measuring_exams, rows_for

STATUS_ORDER = {"red": 0, "amber": 1, "green": 2}
STATUS_LABELS = {"green": "达标", "amber": "接近", "red": "落后"}


@dataclass
class TargetLine:
    target: Target
    exam: Exam | None
    county: dict
    rows: list[dict]  # the school rows the user may read
    counts: dict[str, int]
    trend: list[dict] = field(default_factory=list)

    @property
    def no_data(self) -> bool:
        return self.target.measure in EXAM_MEASURES and self.exam is None

    @property
    def by_school(self) -> dict[int, dict]:
        return {r["school_id"]: r for r in self.rows}


@dataclass
class Board:
    year: AcademicYear | None
    years: list[AcademicYear]
    lines: list[TargetLine]
    schools: list[School]

    @property
    def heat(self) -> dict:
        """ECharts heat map data: x targets, y schools, [x, y, 0 red | 1 amber | 2 green]."""
        data = []
        for x, line in enumerate(self.lines):
            found = line.by_school
            for y, school in enumerate(self.schools):
                row = found.get(school.pk)
                if row and row["status"]:
                    data.append([x, y, STATUS_ORDER[row["status"]]])
        return {
            "x": [line.target.name for line in self.lines],
            "y": [f"{s.code} {s.name}" for s in self.schools],
            "data": data,
            "labels": [_("落后"), _("接近"), _("达标")],
        }


def year_of(year_name: str | None) -> AcademicYear | None:
    if year_name:
        found = AcademicYear.objects.filter(name=year_name).first()
        if found:
            return found
    return AcademicYear.current()


def trend(target: Target, user) -> list[dict]:
    """The county's actual and status against each published exam of the year (an exam still
    open for upload would read as a fall)."""
    if target.measure not in EXAM_MEASURES:
        return []
    exams = (
        access.exams_for(user)
        .filter(
            pk__in=measuring_exams(target),
            state=ExamState.PUBLISHED,
            stats_status=StatsStatus.FRESH,
        )
        .order_by("date", "pk")
    )
    points = []
    for exam in exams:
        county = rows_for(target, exam)[0]
        points.append(
            {
                "exam": exam.code,
                "name": exam.name,
                "date": exam.date.isoformat(),
                "actual": county["actual"],
                "target": county["target"],
                "status": county["status"],
            }
        )
    return points


def target_line(target: Target, user, *, exam: Exam | None = None, with_trend=False):
    allowed = access.target_school_ids(user)
    used = exam_for(target, exam)
    rows = rows_for(target, used)
    county = rows[0]
    schools = [r for r in rows[1:] if allowed is None or r["school_id"] in allowed]
    counts = {"green": 0, "amber": 0, "red": 0, "none": 0}
    for r in schools:
        counts[r["status"] or "none"] += 1
    line = TargetLine(target, used, county, schools, counts)
    if with_trend:
        line.trend = trend(target, user)
    return line


def board(*, user, year_name: str | None = None, with_trend: bool = True) -> Board:
    year = year_of(year_name)
    targets = access.targets_for(user).filter(year=year).order_by("code") if year else []
    lines = [target_line(t, user, with_trend=with_trend) for t in targets]
    ids = {r["school_id"] for line in lines for r in line.rows}
    schools = list(School.objects.filter(pk__in=ids).order_by("code"))
    return Board(year, list(AcademicYear.objects.order_by("-start")), lines, schools)


def school_lines(*, user, school: School, with_trend: bool = True) -> list[TargetLine]:
    """A school's targets of the current year with its own row (profile, dashboard)."""
    year = AcademicYear.current()
    if year is None:
        return []
    targets = access.targets_for(user).filter(year=year, schools=school).order_by("code")
    lines = []
    for target in targets:
        line = target_line(target, user, with_trend=with_trend)
        line.rows = [r for r in line.rows if r["school_id"] == school.pk]
        lines.append(line)
    return lines


def red_rows(*, user, schools) -> list[dict]:
    """The red school rows of the current year's targets among ``schools`` (liaison page)."""
    year = AcademicYear.current()
    if year is None:
        return []
    ids = {s.pk for s in schools}
    names = {s.pk: s for s in schools}
    found = []
    for target in access.targets_for(user).filter(year=year, schools__in=ids).distinct():
        if target.measure == Measure.MAX_GAP:
            continue
        for row in target_line(target, user).rows:
            if row["school_id"] in ids and row["status"] == "red":
                found.append(
                    {
                        "goal": target,
                        "school": names[row["school_id"]],
                        "actual": row["actual"],
                        "target_value": row["target"],
                    }
                )
    return found
