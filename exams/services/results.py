"""Importing a results sheet (SPEC §2, §3): one way in for the web pages, the API and the
command line.

``results_import`` checks who may upload for which school and when, reads the file
(``exams.engine.sheet``), resolves every row against the database (students, schools, classes by
the class rule of SPEC §2), records a ``ResultUpload`` and keeps a clean file under
``MEDIA_ROOT/results/<random token>`` (a file with errors is refused and not kept). Only a
file without errors, and not in a dry run, is committed: in one transaction the students are
upserted by student number (moved to their new class), the classes of a school that had none
for the grade created, and every ``ExamEntry`` (one row per listed student, all subjects'
scores in it) the named school(s) had for the exam replaced. The statistics are then
recomputed by a background job. ``results_confirm`` commits a checked upload once, however
often it is called.

Students not counted (不计入统计): a sheet with a 不计入统计 column (or a 备注 cell naming a
reason, ``exams.engine.sheet.NOT_COUNTED_NOTES``) decides, row by row, who is not counted and why;
a sheet that says nothing keeps the marks that the exam's students already had (set on the
exam page or by an earlier file), so re-uploading scores never clears them.

Who may upload when (docs/results-import.md):
- a principal: their own school only, while the exam is open for upload;
- bureau staff and admins: any school, or a county-wide file with a 学校代码 column, while
  the exam is open or closed (after the deadline, to correct), not while draft or published;
- the command line (``user=None``) acts as the system: any school, any state.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from bureau import access
from bureau.audit import audit_batch
from core.errors import DomainError
from core.spreadsheets import Problem, check_upload, error, safe_display_name, warning
from core.storage import private_dir, write_private
from exams.engine import sheet as results
from exams.engine.sheet import CLASS, CLASS_TEXT, NAME, NOT_COUNTED, NUMBER, SCHOOL, ResultsParse
from schools.models import GRADE_NAMES, GRADE_SHORT, School, SchoolClass, Student

from ..models import Exam, ExamEntry, ExamState, ResultUpload, UploadStatus
from .stats import stats_request

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
    if access.is_principal(user):
        school = school or user.school
        access.require(
            school is not None and access.can_upload_results(user, school),
            _("只能上传本校的成绩"),
        )
    else:
        access.require(access.can_upload_somewhere(user), _("没有上传成绩的权限"))
        access.require(
            school is None or access.can_upload_results(user, school),
            _("没有上传该校成绩的权限"),
        )
    if exam.state not in access.upload_states(user):
        raise ExamStateError(_upload_closed_message(exam, user))
    return school


def _upload_closed_message(exam: Exam, user) -> str:
    if access.is_principal(user):
        return _("本次考试当前不接受学校上传成绩（状态：%(state)s）") % {
            "state": ExamState(exam.state).label
        }
    if exam.state == ExamState.DRAFT:
        return _("考试仍是草稿，请先开放上传")
    return _("考试成绩已发布；如需更正，请先将考试状态改回“已截止”")


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
    not_counted: dict[str, int] = field(default_factory=dict)  # reason → students
    students_moved: int = 0  # registered students whose class changes
    # Classes (school code and name) that the commit leaves without a student.
    classes_emptied: list[str] = field(default_factory=list)

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
        principal = access.is_principal(user)
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

    _plan_classes(plan, exam=exam, one_school=school is not None, problem=problem)
    frame = plan.frame
    is_new = frame["student_id"].isna()
    changed = ~is_new & (
        (frame[NAME] != frame["old_name"])
        | frame["class_id"].isna()
        | (frame["class_id"] != frame["old_class_id"]).fillna(True)
    )
    plan.students_created = int(is_new.sum())
    plan.students_updated = int(changed.sum())
    if not plan.parsed.has_not_counted:
        _keep_not_counted(exam, frame)
    plan.not_counted = not_counted_counts(frame[NOT_COUNTED])
    plan.problems.sort(key=lambda p: (p.row or 0, not p.is_error))
    return plan


def class_numbers_text(numbers: list[int]) -> str:
    """Class numbers as runs: [1, 2, 3, 4, 6] → "1–4、6"."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return "、".join(str(a) if a == b else f"{a}–{b}" for a, b in runs)


def _plan_classes(plan: Plan, *, exam: Exam, one_school: bool, problem) -> None:
    """The class rule (SPEC §2). A school with classes registered for the exam's grade (by
    the roster or an earlier commit) may only name those: another class is an error naming
    the ones it has. A school with none for the grade gets the file's classes, each a
    warning. A registered student whose class changes is a warning (the commit moves them),
    and a class that the commit would leave without a student is reported."""
    frame = plan.frame
    existing = {
        (school_id, number): pk
        for pk, school_id, number in SchoolClass.objects.filter(
            school_id__in=list(plan.schools), grade=exam.grade
        ).values_list("pk", "school_id", "number")
    }
    registered: dict[int, list[int]] = {}
    for school_id, number in existing:
        registered.setdefault(school_id, []).append(number)
    short = GRADE_SHORT.get(exam.grade, exam.grade)

    def class_name(number: int) -> str:
        return f"{short}({number})班"

    pairs = frame[["school_id", CLASS]].dropna()
    seen: set[tuple[int, int]] = set()
    for i, (school_id, number) in zip(
        pairs.index, pairs.itertuples(index=False, name=None), strict=True
    ):
        key = (int(school_id), int(number))
        if key in existing:
            continue
        pos = frame.index.get_loc(i)
        if key[0] in registered:
            who = _("本校") if one_school else plan.schools[key[0]].name
            problem(
                pos,
                CLASS,
                frame[CLASS_TEXT].iat[pos],
                _("%(who)s%(grade)s没有%(number)d班（现有%(have)s班）")
                % {
                    "who": who,
                    "grade": GRADE_NAMES.get(exam.grade, exam.grade),
                    "number": key[1],
                    "have": class_numbers_text(registered[key[0]]),
                },
            )
            continue
        if key in seen:
            continue
        seen.add(key)
        plan.new_classes.append(key)
        problem(
            pos,
            CLASS,
            frame[CLASS_TEXT].iat[pos],
            _("%(school)s 还没有%(grade)s的班级，导入时将新建%(cls)s")
            % {
                "school": plan.schools[key[0]].name,
                "grade": GRADE_NAMES.get(exam.grade, exam.grade),
                "cls": class_name(key[1]),
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

    # Registered students of these schools whose class changes: a warning each.
    known = frame["student_id"].notna() & frame["old_class_id"].notna() & frame[CLASS].notna()
    known &= frame["school_id"].notna()
    new_class = frame["class_id"].isna()
    moved = known & (new_class | (frame["class_id"] != frame["old_class_id"]).fillna(True))
    # A row whose class is refused above is no move.
    refused = new_class & pd.Series(
        [(not pd.isna(s)) and int(s) in registered for s in frame["school_id"]],
        index=frame.index,
    )
    moved &= ~refused
    if not moved.any():
        return
    old_ids = {int(v) for v in frame.loc[moved, "old_class_id"]}
    old_classes = {
        pk: (school_id, str(SchoolClass(grade=g, number=n)))
        for pk, school_id, g, n in SchoolClass.objects.filter(pk__in=old_ids).values_list(
            "pk", "school_id", "grade", "number"
        )
    }
    for pos in np.flatnonzero(moved.to_numpy()):
        old = old_classes.get(int(frame["old_class_id"].iat[pos]), (None, "—"))[1]
        problem(
            int(pos),
            CLASS,
            frame[CLASS_TEXT].iat[pos],
            _("学生班级由%(old)s变为%(new)s，导入时将调整")
            % {"old": old, "new": class_name(int(frame[CLASS].iat[pos]))},
            level=warning,
        )
    plan.students_moved = int(moved.sum())

    # Classes the moves leave empty: students now there − leaving + arriving.
    now = dict(
        Student.objects.filter(school_class_id__in=old_ids)
        .values("school_class")
        .annotate(n=Count("pk"))
        .values_list("school_class", "n")
    )
    leaving = frame.loc[moved, "old_class_id"].astype(int).value_counts().to_dict()
    arriving_rows = frame["class_id"].isin(list(old_ids)).fillna(False)
    arriving_rows &= (frame["class_id"] != frame["old_class_id"]).fillna(True)
    arriving = frame.loc[arriving_rows, "class_id"].astype(int).value_counts().to_dict()
    codes = {pk: s.code for pk, s in plan.schools.items()}
    for pk in sorted(old_ids, key=lambda k: old_classes.get(k, (0, ""))[1]):
        if pk not in old_classes:
            continue
        if now.get(pk, 0) - leaving.get(pk, 0) + arriving.get(pk, 0) > 0:
            continue
        school_id, name = old_classes[pk]
        label = name if one_school else f"{codes.get(school_id, '')} {name}".strip()
        plan.classes_emptied.append(label)
        plan.problems.append(
            warning(
                plan.parsed.sheet,
                None,
                plan.parsed.header(CLASS),
                label,
                _(
                    "导入后%(cls)s将没有学生（班级记录仍保留；如该班已撤销，请告知教育局在名册中处理）"
                )
                % {"cls": label},
            )
        )


def _keep_not_counted(exam: Exam, frame: pd.DataFrame) -> None:
    """The marks the exam's registered students already have, for a sheet without the
    不计入统计 column."""
    known = [int(v) for v in frame["student_id"].dropna()]
    marks: dict[int, str] = {}
    size = _chunk_size()
    for start in range(0, len(known), size):
        marks.update(
            ExamEntry.objects.filter(exam=exam, student_id__in=known[start : start + size])
            .exclude(not_counted="")
            .values_list("student_id", "not_counted")
        )
    if marks:
        frame[NOT_COUNTED] = [
            marks.get(int(sid), "") if not pd.isna(sid) else "" for sid in frame["student_id"]
        ]


def not_counted_counts(reasons) -> dict[str, int]:
    """{reason: students} of the students not counted, most frequent first."""
    counts = pd.Series([r for r in reasons if r], dtype=object).value_counts(sort=True)
    return {str(reason): int(n) for reason, n in counts.items()}


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
    ``SpreadsheetError`` for a file that cannot be read (nothing is stored then). A file
    with errors is refused: its upload row records the problems, the file is not kept."""
    school = results_upload_school(exam=exam, user=user, school=school)
    kind = check_upload(file_name, data)
    plan = _plan(exam=exam, data=data, kind=kind, user=user, school=school)
    stored_name = unkept_name() if plan.errors else store_upload(data)
    upload = ResultUpload(exam=exam, school=school, stored_name=stored_name)
    return _finish(plan, upload=upload, data=data, file_name=file_name, user=user, dry_run=dry_run)


def results_confirm(*, upload: ResultUpload, user) -> dict[str, Any]:
    """Commits a previously checked upload from its stored file (re-validated now), once.

    The upload row is locked for the confirmation: a second confirmation (a double click,
    a retried request), even one running at the same time, waits for the first and then
    answers the committed upload's summary without committing again. An upload that was
    refused cannot be confirmed."""
    with transaction.atomic():
        locked = (
            ResultUpload.objects.select_for_update(of=("self",))
            .select_related("exam", "school")
            .get(pk=upload.pk)
        )
        if locked.status == UploadStatus.COMMITTED:
            return summary(locked)
        if locked.status != UploadStatus.CHECKED:
            raise ExamStateError(_("这个文件有错误，不能导入，请修改后重新上传"))
        data = load_upload(locked.stored_name)
        exam = locked.exam
        school = results_upload_school(exam=exam, user=user, school=locked.school)
        kind = check_upload(locked.file_name, data)
        plan = _plan(exam=exam, data=data, kind=kind, user=user, school=school)
        result = _finish(
            plan, upload=locked, data=data, file_name=locked.file_name, user=user,
            dry_run=False,
        )  # fmt: skip
        if plan.errors:  # refused now (the registry changed since the check): not kept
            name = locked.stored_name
            transaction.on_commit(lambda: _remove(name))
        return result


def _finish(
    plan: Plan, *, upload: ResultUpload, data: bytes, file_name: str, user, dry_run: bool
) -> dict[str, Any]:
    """Records the outcome on ``upload`` (a new row, or the checked one being confirmed)
    and commits a clean file unless ``dry_run``."""
    upload.uploaded_by = user if getattr(user, "is_authenticated", False) else None
    upload.file_name = safe_display_name(file_name)[:120]
    upload.sha256 = hashlib.sha256(data).hexdigest()
    upload.rows = len(plan.frame)
    upload.students = int(plan.frame[NUMBER].notna().sum())
    upload.scores = len(plan.frame) * len(plan.subject_ids)
    upload.errors = [p.as_dict() for p in plan.errors[:STORED_PROBLEMS_MAX]]
    upload.warnings = [p.as_dict() for p in plan.warnings[:STORED_PROBLEMS_MAX]]
    upload.not_counted = plan.not_counted
    if plan.errors:
        upload.status = UploadStatus.REJECTED
        upload.save()
    elif dry_run:
        upload.status = UploadStatus.CHECKED
        upload.save()
    else:
        _commit(plan, exam=upload.exam, upload=upload)
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
        "students_moved": plan.students_moved if plan else None,
        "classes_emptied": plan.classes_emptied if plan else None,
        "sheet": plan.parsed.sheet if plan else None,
        "header_row": plan.parsed.header_row if plan else None,
        "errors": [p.as_dict() for p in plan.errors] if plan else upload.errors,
        "warnings": [p.as_dict() for p in plan.warnings] if plan else upload.warnings,
        "not_counted": sum(upload.not_counted.values()),
        "not_counted_reasons": dict(upload.not_counted),
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
    stats_request(exam=exam)


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
    """One ExamEntry per row of the file: COPY on PostgreSQL, batched inserts elsewhere. A
    frame without the ``not_counted`` column counts everyone."""
    columns = {
        "exam_id": [exam.pk] * len(frame),
        "student_id": frame["student_id"].to_numpy(dtype=np.int64).tolist(),
        "school_id": frame["school_id"].to_numpy(dtype=np.int64).tolist(),
        "school_class_id": frame["class_id"].to_numpy(dtype=np.int64).tolist(),
        "not_counted": (
            [str(r or "") for r in frame[NOT_COUNTED]]
            if NOT_COUNTED in frame
            else [""] * len(frame)
        ),
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
                not_counted=nc,
                scores={k: None if x != x else x for k, x in zip(keys, row, strict=True)},
            )
            for e, st, sc, cl, nc, row in zip(
                *columns.values(), zip(*values, strict=True), strict=True
            )
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


def _copy_entries(columns: dict[str, list], scores: list[str]) -> None:
    table = ExamEntry._meta.db_table
    names = ", ".join([*columns, "scores"])
    lines = [
        f"{exam_id}\t{student_id}\t{school_id}\t{class_id}\t{reason.translate(_COPY_ESCAPES)}"
        f"\t{text.translate(_COPY_ESCAPES)}\n"
        for exam_id, student_id, school_id, class_id, reason, text in zip(
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


# --- the stored files ----------------------------------------------------------------------


def _store() -> Path:
    return private_dir(RESULTS_DIR)


def store_upload(data: bytes) -> str:
    """Keeps an upload under a random name (never the user's file name); returns the name."""
    return write_private(RESULTS_DIR, data).name


def unkept_name() -> str:
    """A token for an upload whose file is refused and so not kept: its preview finds the
    upload row (and its problems) by it, and no file is ever written under it."""
    return secrets.token_hex(16)


def _remove(stored_name: str) -> None:
    if stored_name and all(c in "0123456789abcdef" for c in stored_name):
        (_store() / stored_name).unlink(missing_ok=True)


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
