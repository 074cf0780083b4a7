"""Computing and storing an exam's statistics (SPEC §1, §3): one way in for the background
job, the ``compute_stats`` command and the "recompute" buttons.

``stats_compute`` loads the exam into the engine's frames (``exams.selectors.entries.entries_frame``,
the teaching assignments, the baseline exam's entries), calls ``statistics.compute_all`` once,
and only then replaces, in one transaction, the exam's ``UnitStat`` and ``StudentResult`` rows.
A failure marks the exam ``failed`` and leaves the rows of the previous run as they were.
Running it twice stores the same rows. ``stats_request`` queues it for after the commit.
"""

from __future__ import annotations

import datetime
import json
import logging
import math
from functools import partial

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from bureau.audit import audit_batch
from exams.engine import statistics
from exams.selectors.entries import entries_frame
from exams.selectors.stats import assignments_frame, exam_spec
from schools.models import Teacher

from ..models import Exam, Level, StatsStatus, StudentResult, UnitStat
from ..signals import stats_computed

logger = logging.getLogger(__name__)

ERROR_MAX = 500  # characters of Exam.stats_error
# Kept in Exam.stats_error (the language of the bureau, as the other stored messages).
INTERRUPTED_REQUEUED = "统计计算中断（计算进程未能完成），已自动重新排队"
INTERRUPTED_FAILED = "统计计算中断（计算进程两次未能完成），请重新计算"
STAT_FIELDS = [c for c in statistics.STAT_COLUMNS if c != "subject"]
UNIT_COLUMNS = [
    "exam_id",
    "level",
    "subject",
    "school_id",
    "school_class_id",
    "teacher_id",
    *STAT_FIELDS,
    "bands",
    "value_added",
    "matched",
    "small_sample",
]
STUDENT_COLUMNS = [
    "exam_id",
    "student_id",
    "school_id",
    "total",
    "county_rank",
    "school_rank",
    "subject_ranks",
    "z",
    "t",
]
JSON_COLUMNS = {"bands", "subject_ranks", "z", "t"}
# One encoder for every row: json.dumps with an option builds a new one per call (a third of
# the time of encoding a county's 60,000 rank dicts).
_json = json.JSONEncoder(ensure_ascii=False).encode


def stats_request(*, exam: Exam) -> None:
    """Marks the exam's statistics as queued and recomputes them in the background once the
    current transaction commits (at once outside a transaction)."""
    exam.stats_status = StatsStatus.QUEUED
    exam.stats_requeued = False
    exam.save(update_fields=["stats_status", "stats_requeued"])
    exam_id = exam.pk
    transaction.on_commit(lambda: stats_queue(exam_id))


def stats_queue(exam_id: int) -> None:
    """Hands the recomputation to the background job (in-process without a broker)."""
    # Imported here, not at the top: the task module imports this one for stats_compute.
    from exams.tasks import compute_exam_stats

    compute_exam_stats.delay(exam_id)


def stats_mark_running(*, exam_id: int) -> bool:
    """The computation starts now (the task, the command): ``running`` with its start time.
    Answers False when the exam no longer exists."""
    return bool(
        Exam.objects.filter(pk=exam_id).update(
            stats_status=StatsStatus.RUNNING, stats_started_at=timezone.now()
        )
    )


# --- interrupted computations --------------------------------------------------------------

# A computation cannot outlive the Celery hard time limit (the worker kills it then); one still
# marked running this much later lost its worker.
STALE_MARGIN = datetime.timedelta(minutes=5)


def stats_stale_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT) + STALE_MARGIN


def stats_interrupted(exam: Exam, *, now: datetime.datetime | None = None) -> bool:
    """统计计算中断: ``running`` for longer than the hard time limit plus a margin, or
    ``failed`` after the beat job's one re-queue was interrupted as well."""
    if exam.stats_status == StatsStatus.RUNNING:
        started = exam.stats_started_at
        return started is not None and started < (now or timezone.now()) - stats_stale_after()
    return exam.stats_status == StatsStatus.FAILED and exam.stats_requeued


def stats_requeue_interrupted(*, now: datetime.datetime | None = None) -> dict[str, list[str]]:
    """The beat job: every interrupted computation is queued again once; one interrupted a
    second time is marked ``failed`` (the exam page then offers 重新计算). Safe to run any
    number of times, and by two schedulers at once: each exam moves only from the state it
    was read in. Answers the exam codes, ``{"requeued": [...], "failed": [...]}``."""
    cutoff = (now or timezone.now()) - stats_stale_after()
    stuck = Exam.objects.filter(stats_status=StatsStatus.RUNNING, stats_started_at__lt=cutoff)
    answer: dict[str, list[str]] = {"requeued": [], "failed": []}
    for exam in stuck.order_by("pk"):
        same = Exam.objects.filter(
            pk=exam.pk,
            stats_status=StatsStatus.RUNNING,
            stats_started_at=exam.stats_started_at,
        )
        if not exam.stats_requeued:
            moved = same.update(
                stats_status=StatsStatus.QUEUED,
                stats_requeued=True,
                stats_error=INTERRUPTED_REQUEUED,
            )
            if moved:
                answer["requeued"].append(exam.code)
                transaction.on_commit(partial(stats_queue, exam.pk))
        elif same.update(stats_status=StatsStatus.FAILED, stats_error=INTERRUPTED_FAILED):
            answer["failed"].append(exam.code)
    for code in answer["requeued"]:
        logger.warning("statistics of exam %s were interrupted: queued again", code)
    for code in answer["failed"]:
        logger.error("statistics of exam %s were interrupted twice: marked failed", code)
    return answer


def stats_compute(*, exam_id: int) -> None:
    """Recomputes and stores every statistic, band, value-added and student rank of the exam.

    Sets ``stats_status`` to ``fresh``; on any error sets it to ``failed`` with a short
    ``stats_error``, keeps the previously stored rows, and re-raises."""
    exam = Exam.objects.select_related("baseline").get(pk=exam_id)
    try:
        units, students = _compute(exam)
        _store(exam, units, students)
    except Exception as exc:
        logger.exception("statistics of exam %s failed", exam.code)
        message = f"{type(exc).__name__}: {exc}"[:ERROR_MAX]
        Exam.objects.filter(pk=exam.pk).update(
            stats_status=StatsStatus.FAILED, stats_error=message, stats_requeued=False
        )
        raise
    transaction.on_commit(lambda: _announce(exam.pk))


def _announce(exam_id: int) -> None:
    for receiver, result in stats_computed.send_robust(sender=Exam, exam_id=exam_id):
        if isinstance(result, Exception):
            logger.error("after statistics of exam %s: %s failed: %r", exam_id, receiver, result)


# --- computing -----------------------------------------------------------------------------


def _compute(exam: Exam) -> tuple[list[tuple], list[tuple]]:
    spec = exam_spec(exam)
    frame = entries_frame(exam_id=exam.pk)
    assignments = assignments_frame(exam)
    baseline_scores = baseline_exam = None
    if exam.baseline_id:
        baseline_exam = exam_spec(exam.baseline)
        baseline_scores = entries_frame(exam_id=exam.baseline_id)
    results = statistics.compute_all(
        frame,
        spec,
        assignments,
        baseline_scores=baseline_scores,
        baseline_exam=baseline_exam,
    )
    return _unit_stats(exam, frame, results), _student_results(exam, frame, spec, results)


def _column(frame: pd.DataFrame, name: str) -> list:
    """A column as plain Python values, NaN as None."""
    values = frame[name].to_numpy()
    if values.dtype.kind == "f":
        return [None if math.isnan(v) else v for v in values.tolist()]
    return values.tolist()


def _unit_stats(exam: Exam, frame: pd.DataFrame, results: statistics.Results) -> list[tuple]:
    school_ids = dict(zip(frame["school"], frame["school_id"].tolist(), strict=True))
    known = frame["class_id"].notna()
    class_ids = dict(
        zip(
            frame.loc[known, "class_"],
            frame.loc[known, "class_id"].astype(int).tolist(),
            strict=True,
        )
    )
    teachers: dict[str, tuple[int, int]] = {}
    if "teacher" in results.stats:
        numbers = results.stats["teacher"]["teacher"].astype(str).unique().tolist()
        teachers = {
            s: (pk, school)
            for s, pk, school in Teacher.objects.filter(staff_number__in=numbers).values_list(
                "staff_number", "pk", "school_id"
            )
        }

    units: list[tuple] = []
    for level, stats in results.stats.items():
        keys = statistics.LEVEL_KEYS[level]
        bands = results.bands[level][statistics.BAND_COLUMNS].to_numpy(dtype=np.int64).tolist()
        added = results.value_added.get(level)
        if added is not None:
            stats = stats.merge(added, on=[*keys, "subject"], how="left")
        columns = {c: _column(stats, c) for c in [*keys, "subject", *STAT_FIELDS]}
        columns["rank"] = [None if r is None else int(r) for r in columns["rank"]]
        none = [None] * len(stats)
        matched = small = value_added = none
        if added is not None:
            value_added = _column(stats, "value_added")
            matched = [None if m is None else int(m) for m in _column(stats, "matched")]
            # Rows of subjects the baseline lacks have no value-added at all (NaN after merge).
            small = [
                None if m is None else bool(s)
                for m, s in zip(matched, stats["small_sample"], strict=True)
            ]
        school = class_ = teacher = none
        if level in (Level.SCHOOL, Level.CLASS):
            school = [school_ids[code] for code in columns["school"]]
        if level == Level.CLASS:
            class_ = [class_ids.get(key) for key in columns["class_"]]
        if level == Level.TEACHER:
            found = [teachers[str(number)] for number in columns["teacher"]]
            teacher, school = [t for t, _ in found], [s for _, s in found]
        units.extend(
            zip(
                [exam.pk] * len(stats),
                [level] * len(stats),
                columns["subject"],
                school,
                class_,
                teacher,
                *(columns[f] for f in STAT_FIELDS),
                bands,
                value_added,
                matched,
                small,
                strict=True,
            )
        )
    return units


def _ranks(frame: pd.DataFrame, name: str) -> list[int | None]:
    return [None if math.isnan(v) else int(v) for v in frame[name].to_numpy(float).tolist()]


def _student_results(
    exam: Exam, frame: pd.DataFrame, spec: statistics.ExamSpec, results: statistics.Results
) -> list[tuple]:
    students = results.students  # input order: the rows of ``frame``
    ranks = [_ranks(students, f"rank_{name}") for name in spec.names]
    subject_ranks = [dict(zip(spec.names, row, strict=True)) for row in zip(*ranks, strict=True)]
    named = [*spec.names, statistics.TOTAL]
    standard = {
        kind: [
            dict(zip(named, row, strict=True))
            for row in zip(*(_column(students, f"{kind}_{name}") for name in named), strict=True)
        ]
        for kind in ("z", "t")
    }
    return list(
        zip(
            [exam.pk] * len(frame),
            frame["student_id"].tolist(),
            frame["school_id"].tolist(),
            _column(students, "total"),
            _ranks(students, "county_rank"),
            _ranks(students, "school_rank"),
            subject_ranks,
            standard["z"],
            standard["t"],
            strict=True,
        )
    )


# --- storing -------------------------------------------------------------------------------


@transaction.atomic
def _store(exam: Exam, units: list[tuple], students: list[tuple]) -> None:
    # Lock the exam row: two runs at once store one after the other, never mixed.
    Exam.objects.select_for_update().filter(pk=exam.pk).first()
    UnitStat.objects.filter(exam_id=exam.pk).delete()
    StudentResult.objects.filter(exam_id=exam.pk).delete()
    _insert(UnitStat, UNIT_COLUMNS, units)
    _insert(StudentResult, STUDENT_COLUMNS, students)
    Exam.objects.filter(pk=exam.pk).update(
        stats_status=StatsStatus.FRESH,
        stats_updated_at=timezone.now(),
        stats_error="",
        stats_requeued=False,
    )
    audit_batch(
        action="stats_run",
        instance=exam,
        summary={"units": len(units), "students": len(students)},
    )


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Rows (values in ``columns`` order, attnames) inserted: COPY on PostgreSQL (a county's
    60,000 student results in well under a second), batched ``bulk_create`` elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=500
        )
        return
    meta = model._meta
    json_at = [i for i, c in enumerate(columns) if c in JSON_COLUMNS]
    names = ", ".join(meta.get_field(c.removesuffix("_id")).column for c in columns)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {meta.db_table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            if json_at:
                row = list(row)
                for i in json_at:
                    row[i] = _json(row[i])
            copy.write_row(row)
