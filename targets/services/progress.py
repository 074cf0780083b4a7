"""Storing a target's progress (the job run after each statistics run and roster change)."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from exams.models import Exam

from ..models import Measure, Progress, Target
from ..selectors.measures import EXAM_MEASURES
from ..selectors.progress import computed_rows, measuring_exams

logger = logging.getLogger(__name__)


@transaction.atomic
def progress_store(*, target_id: int, exam_id: int | None) -> int:
    """Recomputes and replaces the stored rows of one target against one exam (None: the
    registry or entries). Idempotent; answers the number of rows stored."""
    target = Target.objects.select_related("year", "previous").filter(pk=target_id).first()
    if target is None:
        return 0
    exam = None
    if exam_id is not None:
        exam = Exam.objects.filter(pk=exam_id).first()
        if exam is None:
            return 0
    rows = computed_rows(target, exam)
    now = timezone.now()
    Progress.objects.filter(target=target, exam=exam).delete()
    Progress.objects.bulk_create(
        Progress(
            target=target,
            exam=exam,
            school_id=r["school_id"],
            target_value=r["target"],
            actual=r["actual"],
            attainment=r["attainment"],
            status=r["status"] or "",
            computed_at=now,
        )
        for r in rows
    )
    return len(rows)


def targets_measured_by(exam: Exam):
    """Targets an exam measures: of its grade, by an exam measure, whose year started by the
    exam's date."""
    return Target.objects.filter(
        grade=exam.grade, measure__in=list(EXAM_MEASURES), year__start__lte=exam.date
    )


def registry_targets():
    return Target.objects.filter(measure=Measure.REGISTRY)


def progress_refresh_exam(*, exam_id: int) -> int:
    """Every target the exam measures, stored against it; answers how many targets."""
    exam = Exam.objects.filter(pk=exam_id).first()
    if exam is None:
        return 0
    found = 0
    for target in targets_measured_by(exam):
        if measuring_exams(target).filter(pk=exam.pk).exists():
            progress_store(target_id=target.pk, exam_id=exam.pk)
            found += 1
    return found


def progress_refresh_registry() -> int:
    found = 0
    for target_id in registry_targets().values_list("pk", flat=True):
        progress_store(target_id=target_id, exam_id=None)
        found += 1
    return found
