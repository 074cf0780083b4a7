"""Importing a results sheet (SPEC §2, §3): one way in for the web pages, the API and the
command line.

``results_import`` checks who may upload for which school and when, reads the file
(``exams.results``), resolves every row against the database (students, schools, classes),
keeps the file under ``MEDIA_ROOT/results/<random token>`` and records a ``ResultUpload``.
Only a file without errors, and not in a dry run, is committed: in one transaction the
students are upserted by student number, missing classes created, and every ``ExamEntry``
(one row per listed student, all subjects' scores in it) the named school(s) had for the exam
replaced. The statistics are then recomputed by a background job.

Who may upload when (docs/results-import.md):
- a principal: their own school only, while the exam is open for upload;
- bureau staff and admins: any school, or a county-wide file with a 学校代码 column, while
  the exam is open or closed (after the deadline, to correct), not while draft or published;
- the command line (``user=None``) acts as the system: any school, any state.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from bureau import access
from bureau.audit import audit_batch
from bureau.errors import DomainError, NotAllowed
from bureau.models import Role
from bureau.spreadsheets import Problem, check_upload, error, safe_display_name, warning
from bureau.storage import private_dir, write_private
from schools.models import GRADE_SHORT, School, SchoolClass, Student

from .. import results
from ..models import Exam, ExamEntry, ExamState, ResultUpload, StatsStatus, UploadStatus
from ..results import CLASS, CLASS_TEXT, NAME, NUMBER, SCHOOL, ResultsParse

RESULTS_DIR = "results"
STORED_PROBLEMS_MAX = 1000  # per kind, in ResultUpload.errors / .warnings
BATCH = 2000


class ExamStateError(DomainError):
    """The exam is not in a state that accepts this upload."""

    status_code = status.HTTP_409_CONFLICT

    def __init__(self, message: str):
        super().__init__(message, code="exam_state")


# --- who, for which school, when -----------------------------------------------------------


def results_upload_school(*, exam: Exam, user, school: School | None) -> School | None:
    """The school an upload is for (None: a county-wide file), after the checks of who may
    upload for which school and in which state of the exam. Raises ``NotAllowed`` (403) or
    ``ExamStateError`` (409)."""
    if user is None:  # the command line: the system
        return school
    role = access.role_of(user)
    if role == Role.PRINCIPAL:
        school = school or user.school
        if school is None or not access.can_upload_results(user, school):
            raise NotAllowed(_("只能上传本校的成绩"))
        if exam.state != ExamState.OPEN:
            raise ExamStateError(
                _("本次考试当前不接受学校上传成绩（状态：%(state)s）")
                % {"state": ExamState(exam.state).label}
            )
        return school
    if not access.is_manager(user):
        raise NotAllowed(_("没有上传成绩的权限"))
    if school is not None and not access.can_upload_results(user, school):
        raise NotAllowed(_("没有上传该校成绩的权限"))
    if exam.state == ExamState.DRAFT:
        raise ExamStateError(_("考试仍是草稿，请先开放上传"))
    if exam.state == ExamState.PUBLISHED:
        raise ExamStateError(_("考试成绩已发布；如需更正，请先将考试状态改回“已截止”"))
    return school


# --- the plan: the file resolved against the database ------------------------------------


@dataclass
class Plan:
    parsed: ResultsParse
    problems: list[Problem]
    frame: pd.DataFrame  # parsed.frame plus school_id, student_id (existing), class_id
    schools: dict[int, School] = field(default_factory=dict)  # the schools replaced
    subject_ids: dict[str, int] = field(default_factory=dict)
    new_classes: list[tuple[int, int]] = field(default_factory=list)  # (school id, number)
    students_created: int = 0
    students_updated: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def _chunk_size() -> int:
    return 900 if connection.vendor == "sqlite" else 10_000


def _students_by_number(numbers: list[str], fields: tuple[str, ...]) -> list[tuple]:
    """``values_list(*fields)`` of the students with those numbers: one query with an array
    parameter on PostgreSQL (a 60,000-item IN list is slow to compose), chunks elsewhere."""
    if not numbers:
        return []
    if connection.vendor == "postgresql":
        meta = Student._meta
        columns = ", ".join(meta.get_field(f).column for f in fields)
        number = meta.get_field("student_number").column
        with connection.cursor() as cursor:
            # Names from the model's metadata, the numbers as one bound parameter.
            sql = f"SELECT {columns} FROM {meta.db_table} WHERE {number} = ANY(%s)"  # noqa: S608
            cursor.execute(sql, [numbers])
            return cursor.fetchall()
    rows: list[tuple] = []
    size = _chunk_size()
    for start in range(0, len(numbers), size):
        chunk = numbers[start : start + size]
        rows.extend(Student.objects.filter(student_number__in=chunk).values_list(*fields))
    return rows


def _exam_subjects(exam: Exam) -> dict[str, tuple[int, float]]:
    return {
        es.subject.name: (es.subject_id, es.full_marks)
        for es in exam.exam_subjects.select_related("subject").order_by("order", "id")
    }


def results_check(
    *, exam: Exam, data: bytes, file_name: str, user, school: School | None = None
) -> Plan:
    """Reads and resolves an upload without storing anything (the preview's annotated
    copy uses it). Raises as ``results_import`` does."""
    school = results_upload_school(exam=exam, user=user, school=school)
    kind = check_upload(file_name, data)
    return _plan(exam=exam, data=data, kind=kind, user=user, school=school)


def _plan(*, exam: Exam, data: bytes, kind: str, user, school: School | None) -> Plan:
    subjects = _exam_subjects(exam)
    if not subjects:
        raise DomainError(_("考试还没有设置学科"))
    parsed = results.parse_results(
        data,
        kind,
        subjects={name: full for name, (_id, full) in subjects.items()},
        grade=exam.grade,
        multi_school=school is None,
    )
    frame = parsed.frame.copy()
    plan = Plan(
        parsed=parsed,
        problems=list(parsed.problems),
        frame=frame,
        subject_ids={name: sid for name, (sid, _full) in subjects.items()},
    )
    if parsed.sheet is None or parsed.header_row is None or not len(frame):
        if parsed.sheet is not None and not parsed.problems:
            plan.problems.append(
                error(parsed.sheet, parsed.header_row, None, "", _("表头下面没有学生数据"))
            )
        return plan
    sheet = parsed.sheet

    def problem(i: int, key: str, value: Any, message: str, level=error) -> None:
        row = int(frame[results.EXCEL_ROW].iat[i])
        plan.problems.append(level(sheet, row, parsed.header(key), value, message))

    # Which school each row is for.
    if school is not None:
        plan.schools = {school.pk: school}
        frame["school_id"] = pd.array([school.pk] * len(frame), dtype="Int64")
        if SCHOOL in parsed.columns:
            names = {school.code, school.name}
            for i, value in enumerate(frame[SCHOOL]):
                if value is not None and value not in names:
                    problem(
                        i,
                        SCHOOL,
                        value,
                        _("与所选学校（%(code)s %(name)s）不符")
                        % {"code": school.code, "name": school.name},
                    )
    else:
        written = {v for v in frame[SCHOOL] if v is not None}
        by_code = {s.code: s for s in School.objects.filter(code__in=written)}
        by_name = {}
        for s in School.objects.filter(name__in=written - set(by_code)):
            by_name.setdefault(s.name, []).append(s)
        resolved: dict[str, School] = dict(by_code)
        for name, found in by_name.items():
            if len(found) == 1:
                resolved[name] = found[0]
        ids = []
        for i, value in enumerate(frame[SCHOOL]):
            s = resolved.get(value) if value is not None else None
            if value is not None and s is None:
                problem(i, SCHOOL, value, _("学校代码不存在"))
            if s is not None:
                plan.schools[s.pk] = s
            ids.append(s.pk if s is not None else None)
        frame["school_id"] = pd.array(ids, dtype="Int64")

    # Students already registered: by student number, wherever they are.
    numbers = [n for n in frame[NUMBER] if n is not None]
    rows = _students_by_number(
        numbers, ("student_number", "id", "school_id", "name", "school_class_id")
    )
    known = pd.DataFrame(
        rows, columns=[NUMBER, "student_id", "student_school_id", "old_name", "old_class_id"]
    )
    merged = frame.merge(known, on=NUMBER, how="left", sort=False)
    merged.index = frame.index
    for col in ("student_id", "student_school_id", "old_class_id"):
        frame[col] = merged[col].astype("Int64")
    frame["old_name"] = merged["old_name"].astype(object)

    elsewhere = frame["student_id"].notna() & frame["school_id"].notna()
    elsewhere &= (frame["student_school_id"] != frame["school_id"]).fillna(False)
    if elsewhere.any():
        principal = access.role_of(user) == Role.PRINCIPAL
        other_ids = {int(v) for v in frame.loc[elsewhere, "student_school_id"]}
        other_names = dict(School.objects.filter(pk__in=other_ids).values_list("pk", "name"))
        for i in np.flatnonzero(elsewhere.to_numpy()):
            if principal:
                message = _("学籍号已登记在其他学校，请核对")
            else:
                message = _("该学籍号属于其他学校（%(school)s，%(name)s）") % {
                    "school": other_names.get(int(frame["student_school_id"].iat[i]), ""),
                    "name": frame["old_name"].iat[i],
                }
            problem(i, NUMBER, frame[NUMBER].iat[i], message)
        frame.loc[elsewhere, "student_id"] = pd.NA

    # Classes of the exam's grade at those schools; missing ones are created (a warning).
    existing = {
        (school_id, number): pk
        for pk, school_id, number in SchoolClass.objects.filter(
            school_id__in=list(plan.schools), grade=exam.grade
        ).values_list("pk", "school_id", "number")
    }
    pairs = frame[["school_id", CLASS]].dropna()
    seen: set[tuple[int, int]] = set()
    for i, (school_id, number) in zip(
        pairs.index, pairs.itertuples(index=False, name=None), strict=True
    ):
        key = (int(school_id), int(number))
        if key in existing or key in seen:
            continue
        seen.add(key)
        plan.new_classes.append(key)
        pos = frame.index.get_loc(i)
        problem(
            pos,
            CLASS,
            frame[CLASS_TEXT].iat[pos],
            _("%(school)s 还没有%(cls)s，导入时将新建")
            % {
                "school": plan.schools[key[0]].name,
                "cls": f"{GRADE_SHORT.get(exam.grade, exam.grade)}({key[1]})班",
            },
            level=warning,
        )
    frame["class_id"] = pd.array(
        [
            existing.get((int(s), int(c))) if not (pd.isna(s) or pd.isna(c)) else None
            for s, c in zip(frame["school_id"], frame[CLASS], strict=True)
        ],
        dtype="Int64",
    )
    is_new = frame["student_id"].isna()
    changed = ~is_new & (
        (frame[NAME] != frame["old_name"])
        | frame["class_id"].isna()
        | (frame["class_id"] != frame["old_class_id"]).fillna(True)
    )
    plan.students_created = int(is_new.sum())
    plan.students_updated = int(changed.sum())
    plan.problems.sort(key=lambda p: (p.row or 0, not p.is_error))
    plan.frame = frame
    return plan


# --- the import ----------------------------------------------------------------------------


def results_import(
    *,
    exam: Exam,
    data: bytes,
    file_name: str,
    user,
    school: School | None = None,
    dry_run: bool,
) -> dict[str, Any]:
    """Checks, and unless ``dry_run`` or the file has errors, commits a results sheet.

    Returns the summary (SPEC §3) with the ``id`` and ``status`` of the ``ResultUpload``.
    Raises ``NotAllowed``/``ExamStateError`` before reading anything, and
    ``SpreadsheetError`` for a file that cannot be read (nothing is stored then)."""
    school = results_upload_school(exam=exam, user=user, school=school)
    kind = check_upload(file_name, data)
    plan = _plan(exam=exam, data=data, kind=kind, user=user, school=school)
    stored_name = store_upload(data)
    return _finish(
        plan, exam=exam, data=data, file_name=file_name, user=user, school=school,
        stored_name=stored_name, dry_run=dry_run,
    )  # fmt: skip


def results_confirm(*, upload: ResultUpload, user) -> dict[str, Any]:
    """Commits a previously checked upload from its stored file (re-validated now)."""
    data = load_upload(upload.stored_name)
    exam = upload.exam
    school = results_upload_school(exam=exam, user=user, school=upload.school)
    kind = check_upload(upload.file_name, data)
    plan = _plan(exam=exam, data=data, kind=kind, user=user, school=school)
    return _finish(
        plan, exam=exam, data=data, file_name=upload.file_name, user=user, school=school,
        stored_name=upload.stored_name, dry_run=False,
    )  # fmt: skip


def _finish(
    plan: Plan, *, exam, data, file_name, user, school, stored_name, dry_run
) -> dict[str, Any]:
    upload = ResultUpload(
        exam=exam,
        school=school,
        uploaded_by=user if getattr(user, "is_authenticated", False) else None,
        file_name=safe_display_name(file_name)[:120],
        stored_name=stored_name,
        sha256=hashlib.sha256(data).hexdigest(),
        rows=len(plan.frame),
        students=int(plan.frame[NUMBER].notna().sum()),
        scores=len(plan.frame) * len(plan.subject_ids),
        errors=[p.as_dict() for p in plan.errors[:STORED_PROBLEMS_MAX]],
        warnings=[p.as_dict() for p in plan.warnings[:STORED_PROBLEMS_MAX]],
    )
    if plan.errors:
        upload.status = UploadStatus.REJECTED
        upload.save()
    elif dry_run:
        upload.status = UploadStatus.CHECKED
        upload.save()
    else:
        _commit(plan, exam=exam, upload=upload)
    return summary(upload, plan)


def summary(upload: ResultUpload, plan: Plan | None = None) -> dict[str, Any]:
    """The JSON summary of an upload (CLI, API); all problems when the plan is at hand,
    else those stored with the upload."""
    return {
        "id": upload.pk,
        "status": upload.status,
        "exam": upload.exam.code,
        "school": upload.school.code if upload.school else None,
        "file_name": upload.file_name,
        "rows": upload.rows,
        "students": upload.students,
        "scores": upload.scores,
        "students_created": plan.students_created if plan else None,
        "students_updated": plan.students_updated if plan else None,
        "classes_created": len(plan.new_classes) if plan else None,
        "sheet": plan.parsed.sheet if plan else None,
        "header_row": plan.parsed.header_row if plan else None,
        "errors": [p.as_dict() for p in plan.errors] if plan else upload.errors,
        "warnings": [p.as_dict() for p in plan.warnings] if plan else upload.warnings,
        "committed": upload.status == UploadStatus.COMMITTED,
    }


@transaction.atomic
def _commit(plan: Plan, *, exam: Exam, upload: ResultUpload) -> None:
    frame = plan.frame
    school_ids = sorted(plan.schools)
    # Classes first, then students (which point at them), then the entries.
    SchoolClass.objects.bulk_create(
        [SchoolClass(school_id=s, grade=exam.grade, number=n) for s, n in plan.new_classes],
        ignore_conflicts=True,
    )
    class_ids = {
        (s, n): pk
        for pk, s, n in SchoolClass.objects.filter(
            school_id__in=school_ids, grade=exam.grade
        ).values_list("pk", "school_id", "number")
    }
    frame["class_id"] = pd.array(
        [
            class_ids[(int(s), int(c))]
            for s, c in zip(frame["school_id"], frame[CLASS], strict=True)
        ],
        dtype="Int64",
    )
    _upsert_students(frame)
    student_ids = dict(_students_by_number(list(frame[NUMBER]), ("student_number", "id")))
    frame["student_id"] = frame[NUMBER].map(student_ids).astype("int64")

    # Replace: what these schools had for the exam, and any earlier rows of their students
    # filed under another school (a student who moved since).
    ExamEntry.objects.filter(exam=exam, school_id__in=school_ids).delete()
    ExamEntry.objects.filter(exam=exam, student__school_id__in=school_ids).delete()
    _insert_entries(exam, frame, plan.subject_ids)

    exam.stats_status = StatsStatus.QUEUED
    exam.save(update_fields=["stats_status"])
    upload.status = UploadStatus.COMMITTED
    upload.committed_at = timezone.now()
    upload.save()
    audit_batch(
        action="results_commit",
        instance=exam,
        user=upload.uploaded_by,
        summary={
            "file_name": upload.file_name,
            "sha256": upload.sha256,
            "rows": upload.rows,
            "students": upload.students,
            "scores": upload.scores,
            "school": upload.school.code if upload.school else None,
            "schools": len(school_ids),
            "upload": upload.pk,
        },
    )
    exam_id = exam.pk
    transaction.on_commit(lambda: enqueue_stats(exam_id))


def _upsert_students(frame: pd.DataFrame) -> None:
    """New students created, changed names/classes updated; by student number. Rows of a
    student registered at another school were refused before, so no student moves here."""
    new = frame["student_id"].isna()
    changed = (
        new
        | (frame[NAME] != frame["old_name"])
        | (frame["class_id"] != frame["old_class_id"]).fillna(True)
    )
    todo = frame.loc[changed, [NUMBER, NAME, "school_id", "class_id"]]
    if not len(todo):
        return
    if connection.vendor == "postgresql":
        _upsert_students_postgresql(todo)
        return
    Student.objects.bulk_create(
        [
            Student(student_number=n, name=name, school_id=int(s), school_class_id=int(c))
            for n, name, s, c in todo.itertuples(index=False, name=None)
        ],
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["student_number"],
        update_fields=["name", "school_class"],
    )


def _upsert_students_postgresql(todo: pd.DataFrame) -> None:
    """The same upsert as one INSERT … ON CONFLICT from four array parameters: a first county
    upload creates 60,000 students, which ``bulk_create`` takes over a second to compose."""
    meta = Student._meta
    number, name, school, klass = (
        meta.get_field(f).column for f in ("student_number", "name", "school", "school_class")
    )
    # Names from the model's metadata, the values as bound array parameters.
    sql = (
        f"INSERT INTO {meta.db_table} ({number}, {name}, {school}, {klass}) "  # noqa: S608
        "SELECT * FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::bigint[]) "
        f"ON CONFLICT ({number}) DO UPDATE SET {name} = EXCLUDED.{name}, {klass} = EXCLUDED.{klass}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                todo[NUMBER].tolist(),
                todo[NAME].tolist(),
                todo["school_id"].to_numpy(dtype=np.int64).tolist(),
                todo["class_id"].to_numpy(dtype=np.int64).tolist(),
            ],
        )


def _insert_entries(exam: Exam, frame: pd.DataFrame, subject_ids: dict[str, int]) -> None:
    """One ExamEntry per row of the file: COPY on PostgreSQL, batched inserts elsewhere."""
    columns = {
        "exam_id": [exam.pk] * len(frame),
        "student_id": frame["student_id"].to_numpy(dtype=np.int64).tolist(),
        "school_id": frame["school_id"].to_numpy(dtype=np.int64).tolist(),
        "school_class_id": frame["class_id"].to_numpy(dtype=np.int64).tolist(),
    }
    if connection.vendor == "postgresql":
        _copy_entries(columns, scores_json(frame, subject_ids))
        return
    keys = [str(subject_id) for subject_id in subject_ids.values()]
    values = [frame[name].to_numpy(dtype=float).tolist() for name in subject_ids]
    ExamEntry.objects.bulk_create(
        [
            ExamEntry(
                exam_id=e,
                student_id=st,
                school_id=sc,
                school_class_id=cl,
                scores={k: None if x != x else x for k, x in zip(keys, row, strict=True)},
            )
            for e, st, sc, cl, row in zip(*columns.values(), zip(*values, strict=True), strict=True)
        ],
        batch_size=BATCH,
    )


def scores_json(frame: pd.DataFrame, subject_ids: dict[str, int]) -> list[str]:
    """``ExamEntry.scores`` of every row as JSON text, ``{"3": 95.5, "4": null}``: one %-format
    of the row's floats (``%r`` of a float is its shortest JSON-valid repr; NaN, i.e. absent,
    becomes null) — twice as fast as ``json.dumps`` of a dict per row."""
    if not subject_ids:
        return ["{}"] * len(frame)
    template = "{" + ", ".join(f'"{subject_id}": %r' for subject_id in subject_ids.values()) + "}"
    values = [frame[name].to_numpy(dtype=float).tolist() for name in subject_ids]
    return [(template % row).replace("nan", "null") for row in zip(*values, strict=True)]


# COPY's text format gives a meaning to these; JSON of numbers and null never has them.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_entries(columns: dict[str, list[int]], scores: list[str]) -> None:
    table = ExamEntry._meta.db_table
    names = ", ".join([*columns, "scores"])
    lines = [
        f"{exam_id}\t{student_id}\t{school_id}\t{class_id}\t{text.translate(_COPY_ESCAPES)}\n"
        for exam_id, student_id, school_id, class_id, text in zip(
            *columns.values(), scores, strict=True
        )
    ]
    payload = "".join(lines).encode()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        step = 8 * 1024 * 1024
        for start in range(0, len(payload), step):
            copy.write(payload[start : start + step])


def enqueue_stats(exam_id: int) -> bool:
    """Queues the recomputation of an exam's statistics, when the task module is there."""
    try:
        from exams.tasks import compute_exam_stats
    except ImportError:
        return False
    compute_exam_stats.delay(exam_id)
    return True


# --- the stored files ----------------------------------------------------------------------


def _store() -> Path:
    return private_dir(RESULTS_DIR)


def store_upload(data: bytes) -> str:
    """Keeps an upload under a random name (never the user's file name); returns the name."""
    return write_private(RESULTS_DIR, data).name


def load_upload(stored_name: str) -> bytes:
    if not stored_name or not all(c in "0123456789abcdef" for c in stored_name):
        raise DomainError(_("上传的文件不存在或已过期"))
    try:
        return (_store() / stored_name).read_bytes()
    except OSError as exc:
        raise DomainError(_("上传的文件不存在或已过期")) from exc


# Files of uploads that were checked but never committed are kept this long (the preview and
# its annotated workbook need them), then removed. Files of committed uploads are kept: they
# are the record of what was imported.
UNCOMMITTED_KEEP_DAYS = 7


def results_files_purge(*, now=None) -> int:
    """Removes the stored result files no committed upload points at, once they are older than
    ``UNCOMMITTED_KEEP_DAYS`` (a file no upload row points at, e.g. left by a failed request,
    counts likewise). The upload rows stay, with their problems; their preview then says the
    file has expired. Answers how many files went."""
    store = _store()
    if not store.is_dir():
        return 0
    cutoff = (now or timezone.now()).timestamp() - UNCOMMITTED_KEEP_DAYS * 24 * 3600
    committed = set(
        ResultUpload.objects.filter(status=UploadStatus.COMMITTED).values_list(
            "stored_name", flat=True
        )
    )
    removed = 0
    for path in store.iterdir():
        if path.name in committed or not path.is_file():
            continue
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
