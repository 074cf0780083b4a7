"""What the monthly bulletin says of targets (aggregates only: county figures and how many
schools are behind, named by school, never a student): the 目标进展 section and the 目标 line
of an exam's section."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from bureau.models import AcademicYear
from exams.models import Exam, ExamState

from ..describe import figure
from ..models import Target, TargetStatus
from .board import STATUS_LABELS
from .measures import EXAM_MEASURES
from .progress import measuring_exams, rows_for


def _label(status: str | None) -> str:
    return _(STATUS_LABELS[status]) if status else _("尚无数据")


def _exam_by(target: Target, end: datetime.date) -> Exam | None:
    """The latest published exam measuring the target held by the end of the month."""
    return (
        measuring_exams(target)
        .filter(state=ExamState.PUBLISHED, date__lte=end)
        .order_by("-date", "-pk")
        .first()
    )


def target_progress_section(end: datetime.date) -> dict:
    """The year's published targets as of ``end``: county target, actual and status, and the
    schools behind (red) and close (amber)."""
    year = AcademicYear.for_date(end)
    if year is None:
        return {"year": None, "targets": []}
    items = []
    targets = Target.objects.filter(year=year, status=TargetStatus.PUBLISHED).order_by("code")
    for target in targets:
        exam = _exam_by(target, end) if target.measure in EXAM_MEASURES else None
        no_data = target.measure in EXAM_MEASURES and exam is None
        rows = rows_for(target, exam)
        county, schools = rows[0], rows[1:]
        names = dict(target.schools.values_list("pk", "name"))
        items.append(
            {
                "code": target.code,
                "name": target.name,
                "exam": exam.name if exam else None,
                "target": figure(target, county["target"]),
                "actual": None if no_data else figure(target, county["actual"]),
                "attainment": county["attainment"],
                "status": county["status"],
                "status_label": _label(county["status"]),
                "schools": len(schools),
                "green": sum(1 for r in schools if r["status"] == "green"),
                "amber": sum(1 for r in schools if r["status"] == "amber"),
                "red": sum(1 for r in schools if r["status"] == "red"),
                "behind": [names[r["school_id"]] for r in schools if r["status"] == "red"],
            }
        )
    return {"year": year.name, "targets": items}


def exam_target_line(exam: Exam) -> str | None:
    """The 目标 line of an exam's section: each published target the exam measures, its
    county target and actual against this exam; None when the exam measures none."""
    targets = Target.objects.filter(
        status=TargetStatus.PUBLISHED,
        grade=exam.grade,
        measure__in=list(EXAM_MEASURES),
        year__start__lte=exam.date,
        year__end__gte=exam.date,
    ).order_by("code")
    parts = []
    for target in targets:
        county = rows_for(target, exam)[0]
        parts.append(
            _("%(name)s：目标%(target)s，实际%(actual)s（%(status)s）")
            % {
                "name": target.name,
                "target": figure(target, county["target"]),
                "actual": figure(target, county["actual"]),
                "status": _label(county["status"]),
            }
        )
    return "；".join(parts) or None
