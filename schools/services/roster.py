"""Writes to the registry. Each action is one function that the web views, the API and the
management commands call.

Roster import (SPEC §2): ``roster_import`` checks and parses the workbook
(``schools.roster``), resolves every reference against the file itself and the database,
and — only for a file without errors, and not in a dry run — upserts everything by code in
one transaction, with bulk queries. It never deletes: rows missing from the file stay.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from bureau import access
from bureau.audit import audit_batch
from bureau.models import AcademicYear
from bureau.services import academic_year_ensure
from core.errors import NotAllowed
from core.spreadsheets import Problem, check_upload, error, safe_display_name, warning
from schools import roster
from schools.models import (
    GRADE_SHORT,
    EducationGroup,
    School,
    SchoolClass,
    Subject,
    Teacher,
    TeachingAssignment,
    Zone,
)
from schools.roster import ASSIGNMENTS, CLASSES, SCHOOLS, SHEETS, TEACHERS, Record, RosterParse
from schools.signals import roster_changed

CHANGE_REASON = "名册导入"
_CHUNK = 900  # stays under SQLite's bound-parameter limit


logger = logging.getLogger(__name__)

# --- roster import -------------------------------------------------------------------------


@dataclass
class SheetPlan:
    """What an import does to one sheet's entity: rows to create, to update, unchanged."""

    rows: int = 0
    create: list[Record] = field(default_factory=list)
    update: list[tuple[Any, Record, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "created": len(self.create),
            "updated": len(self.update),
            "unchanged": self.unchanged,
        }


@dataclass
class RosterResult:
    sheets: dict[str, dict[str, int]]
    problems: list[Problem]
    committed: bool
    header_rows: dict[str, int] = field(default_factory=dict)
    created: dict[str, list[str]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def as_dict(self) -> dict[str, Any]:
        """The JSON summary (CLI, API)."""
        return {
            "sheets": self.sheets,
            "created": self.created,
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
            "committed": self.committed,
        }


def roster_import(*, data: bytes, name: str, user, dry_run: bool) -> RosterResult:
    """Imports a roster workbook. ``user`` None means the system (the command line).
    Raises ``SpreadsheetError`` for a file that cannot be read, ``NotAllowed`` for a user
    who is not bureau staff or an admin; every other problem is in the result."""
    if user is not None and not access.is_manager(user):
        raise NotAllowed(_("只有系统管理员和局机关人员可以导入名册"))
    kind = check_upload(name, data)
    parsed = roster.parse_roster(data, kind)
    if dry_run:
        return _roster_plan(parsed).result(committed=False)
    return _roster_commit(parsed, user, data=data, name=name)


@transaction.atomic
def _roster_commit(parsed: RosterParse, user, *, data: bytes, name: str) -> RosterResult:
    plan = _roster_plan(parsed)
    if any(p.is_error for p in plan.problems):
        return plan.result(committed=False)
    _roster_apply(plan, user)
    result = plan.result(committed=True)
    # One audit entry for the whole import (its rows are written in bulk).
    audit_batch(
        action="roster_import",
        model=School,
        object=f"roster:{safe_display_name(name)[:120]}",
        text=safe_display_name(name)[:120],
        user=user,
        summary={
            "file_name": safe_display_name(name)[:120],
            "sha256": hashlib.sha256(data).hexdigest(),
            "sheets": result.sheets,
        },
    )
    transaction.on_commit(lambda: _announce(user))
    return result


def _announce(user) -> None:
    for receiver, result in roster_changed.send_robust(sender=School, user=user):
        if isinstance(result, Exception):
            logger.error("after the roster import: %s failed: %r", receiver, result)


@dataclass
class _Plan:
    parsed: RosterParse
    problems: list[Problem]
    sheets: dict[str, SheetPlan]
    year: AcademicYear | None = None
    new_subjects: list[str] = field(default_factory=list)
    new_zones: list[str] = field(default_factory=list)
    new_groups: list[str] = field(default_factory=list)
    implied_classes: list[tuple[str, int, int]] = field(default_factory=list)

    def result(self, *, committed: bool) -> RosterResult:
        return RosterResult(
            sheets={self.parsed.sheet_names[s]: self.sheets[s].counts() for s in self.sheets},
            problems=sorted(self.problems, key=_problem_order(self.parsed)),
            committed=committed,
            header_rows=dict(self.parsed.header_rows),
            created={
                "协作区": self.new_zones,
                "教育集团": self.new_groups,
                "学科": self.new_subjects,
                "班级（任课表中新出现）": [
                    f"{code} {roster_class_name(g, n)}" for code, g, n in self.implied_classes
                ],
            },
        )


def roster_class_name(grade: int, number: int) -> str:
    return f"{GRADE_SHORT.get(grade, grade)}({number})班"


def _problem_order(parsed: RosterParse):
    order = {parsed.sheet_names.get(s, s): i for i, s in enumerate(SHEETS)}
    return lambda p: (order.get(p.sheet, 99), p.row or 0)


def _chunked_filter(qs, lookup: str, values: Iterable) -> list:
    values = sorted({v for v in values if v is not None})
    found = []
    for i in range(0, len(values), _CHUNK):
        found.extend(qs.filter(**{f"{lookup}__in": values[i : i + _CHUNK]}))
    return found


def _roster_plan(parsed: RosterParse) -> _Plan:
    """Resolves references and compares with the database; reads only."""
    plan = _Plan(parsed=parsed, problems=list(parsed.problems), sheets={})
    for sheet in SHEETS:
        if sheet in parsed.sheet_names:
            plan.sheets[sheet] = SheetPlan(rows=parsed.row_counts.get(sheet, 0))

    def problem(record: Record, key: str, message: str, *, level=error) -> None:
        plan.problems.append(
            level(
                parsed.sheet_names[record.sheet],
                record.row,
                record.header(key),
                record.raw.get(key),
                message,
            )
        )

    # What the file and the database know.
    file_schools = {code for (code,) in parsed.listed[SCHOOLS]}
    db_schools = {s.code: s for s in School.objects.select_related("zone", "group")}
    known_schools = file_schools | set(db_schools)
    file_teachers = {number for (number,) in parsed.listed[TEACHERS]}
    referenced = {r["head"] for r in parsed.classes} | {r["teacher"] for r in parsed.assignments}
    db_teachers = {
        t.staff_number: t
        for t in _chunked_filter(
            Teacher.objects.select_related("school", "subject"),
            "staff_number",
            file_teachers | referenced,
        )
    }
    known_teachers = file_teachers | set(db_teachers)
    db_subjects = {s.name for s in Subject.objects.all()}

    unknown_school = _("学校代码不存在（学校表和系统中都没有）")

    def subject_known(record: Record, key: str) -> None:
        name = record[key]
        if name and name not in db_subjects and name not in plan.new_subjects:
            plan.new_subjects.append(name)
            problem(record, key, _("学科不存在，导入时将新建"), level=warning)

    # 学校
    if SCHOOLS in plan.sheets:
        zones = {z for z in Zone.objects.values_list("name", flat=True)}
        groups = {g for g in EducationGroup.objects.values_list("name", flat=True)}
        for record in parsed.schools:
            if record["zone"] and record["zone"] not in zones | set(plan.new_zones):
                plan.new_zones.append(record["zone"])
            if record["group"] and record["group"] not in groups | set(plan.new_groups):
                plan.new_groups.append(record["group"])
            _diff(plan.sheets[SCHOOLS], db_schools.get(record["code"]), record, _school_now)

    # 教师
    if TEACHERS in plan.sheets:
        for record in parsed.teachers:
            if record["school_code"] not in known_schools:
                problem(record, "school_code", unknown_school)
                continue
            subject_known(record, "subject")
            existing = db_teachers.get(record["staff_number"])
            _diff(plan.sheets[TEACHERS], existing, record, _teacher_now)

    # 班级
    codes = {r["school_code"] for r in parsed.classes} | {
        r["school_code"] for r in parsed.assignments
    }
    db_classes = {
        (c.school.code, c.grade, c.number): c
        for c in _chunked_filter(
            SchoolClass.objects.select_related("school", "head_teacher"), "school__code", codes
        )
    }
    file_classes = set(parsed.listed[CLASSES])
    if CLASSES in plan.sheets:
        for record in parsed.classes:
            bad = False
            if record["school_code"] not in known_schools:
                problem(record, "school_code", unknown_school)
                bad = True
            if record["head"] and record["head"] not in known_teachers:
                problem(record, "head", _("班主任工号不存在（教师表和系统中都没有）"))
                bad = True
            if bad:
                continue
            key = (record["school_code"], record["grade"], record["number"])
            _diff(plan.sheets[CLASSES], db_classes.get(key), record, _class_now)

    # 任课
    if ASSIGNMENTS in plan.sheets and parsed.assignments:
        # The academic year of today, made if missing (as the first migrate and the daily
        # job do): a fresh install imports its 任课 straight away.
        plan.year = academic_year_ensure()
        db_assignments = {
            (
                a.school_class.school.code,
                a.school_class.grade,
                a.school_class.number,
                a.subject.name,
            ): a
            for a in _chunked_filter(
                TeachingAssignment.objects.filter(academic_year=plan.year).select_related(
                    "school_class__school", "subject", "teacher"
                ),
                "school_class__school__code",
                codes,
            )
        }
        for record in parsed.assignments:
            bad = False
            if record["school_code"] not in known_schools:
                problem(record, "school_code", unknown_school)
                bad = True
            if record["teacher"] not in known_teachers:
                problem(record, "teacher", _("教师工号不存在（教师表和系统中都没有）"))
                bad = True
            if bad:
                continue
            key = (record["school_code"], record["grade"], record["number"])
            known_class = key in file_classes or key in db_classes
            if not known_class and key not in plan.implied_classes:
                plan.implied_classes.append(key)
                problem(record, "number", _("班级不存在，导入时将新建"), level=warning)
            subject_known(record, "subject")
            existing = db_assignments.get((*key, record["subject"]))
            _diff(plan.sheets[ASSIGNMENTS], existing, record, _assignment_now)
    return plan


# How a record's fields compare with a stored row: natural keys in place of foreign keys.


def _school_now(s: School) -> dict[str, Any]:
    return {
        "name": s.name,
        "stage": s.stage,
        "locality": s.locality,
        "township": s.township,
        "zone": s.zone.name if s.zone else "",
        "group": s.group.name if s.group else "",
        "boarding": s.boarding,
    }


def _teacher_now(t: Teacher) -> dict[str, Any]:
    return {
        "name": t.name,
        "gender": t.gender,
        "birth_year": t.birth_year,
        "school_code": t.school.code,
        "education": t.education,
        "title": t.title,
        "backbone": t.backbone,
        "certified": t.certified,
        "subject": t.subject.name if t.subject else "",
    }


def _class_now(c: SchoolClass) -> dict[str, Any]:
    return {"head": c.head_teacher.staff_number if c.head_teacher else None}


def _assignment_now(a: TeachingAssignment) -> dict[str, Any]:
    return {"teacher": a.teacher.staff_number}


def _diff(sheet: SheetPlan, existing, record: Record, now) -> None:
    if existing is None:
        sheet.create.append(record)
        return
    current = now(existing)
    # A column missing from the file leaves that field as it is.
    changes = {
        k: record.values.get(k) for k in current if record.has(k) and current[k] != record[k]
    }
    if changes:
        sheet.update.append((existing, record, changes))
    else:
        sheet.unchanged += 1


def _roster_apply(plan: _Plan, user) -> None:
    """Writes a clean plan: names first, then schools, teachers, classes, assignments."""
    history = {"default_user": user, "default_change_reason": CHANGE_REASON}
    for name in plan.new_subjects:
        Subject.objects.get_or_create(name=name)
    Zone.objects.bulk_create([Zone(name=n) for n in plan.new_zones], ignore_conflicts=True)
    EducationGroup.objects.bulk_create(
        [EducationGroup(name=n) for n in plan.new_groups], ignore_conflicts=True
    )
    subject_ids = dict(Subject.objects.values_list("name", "id"))
    zone_ids = dict(Zone.objects.values_list("name", "id"))
    group_ids = dict(EducationGroup.objects.values_list("name", "id"))

    def school_fields(values: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in values.items() if k not in ("code", "zone", "group")}
        if "zone" in values:
            out["zone_id"] = zone_ids.get(values["zone"]) if values["zone"] else None
        if "group" in values:
            out["group_id"] = group_ids.get(values["group"]) if values["group"] else None
        return out

    if SCHOOLS in plan.sheets:
        sheet = plan.sheets[SCHOOLS]
        new = [
            School(code=r["code"], **school_fields({k: v for k, v in r.values.items()}))
            for r in sheet.create
        ]
        bulk_create_with_history(new, School, batch_size=500, **history)
        _bulk_update(sheet, School, school_fields, history)

    school_ids = dict(School.objects.values_list("code", "id"))

    def teacher_fields(values: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in values.items() if k not in ("staff_number", "school_code")}
        if "school_code" in values:
            out["school_id"] = school_ids[values["school_code"]]
        if "subject" in values:
            out.pop("subject")
            out["subject_id"] = subject_ids.get(values["subject"]) if values["subject"] else None
        return out

    if TEACHERS in plan.sheets:
        sheet = plan.sheets[TEACHERS]
        new = [
            Teacher(staff_number=r["staff_number"], **teacher_fields(r.values))
            for r in sheet.create
        ]
        bulk_create_with_history(new, Teacher, batch_size=500, **history)
        _bulk_update(sheet, Teacher, teacher_fields, history)

    referenced = {r["head"] for r in plan.parsed.classes} | {
        r["teacher"] for r in plan.parsed.assignments
    }
    teacher_ids = dict(
        (t.staff_number, t.pk)
        for t in _chunked_filter(
            Teacher.objects.only("id", "staff_number"), "staff_number", referenced
        )
    )

    def class_fields(values: dict[str, Any]) -> dict[str, Any]:
        if "head" not in values:
            return {}
        return {"head_teacher_id": teacher_ids.get(values["head"]) if values["head"] else None}

    new_classes = []
    if CLASSES in plan.sheets:
        sheet = plan.sheets[CLASSES]
        new_classes = [
            SchoolClass(
                school_id=school_ids[r["school_code"]],
                grade=r["grade"],
                number=r["number"],
                **class_fields(r.values),
            )
            for r in sheet.create
        ]
        _bulk_update(sheet, SchoolClass, class_fields, None)
    new_classes += [
        SchoolClass(school_id=school_ids[code], grade=g, number=n)
        for code, g, n in plan.implied_classes
    ]
    SchoolClass.objects.bulk_create(new_classes, batch_size=500)

    if ASSIGNMENTS in plan.sheets and plan.year is not None:
        codes = {r["school_code"] for r in plan.parsed.assignments}
        class_ids = {
            (c.school.code, c.grade, c.number): c.pk
            for c in _chunked_filter(
                SchoolClass.objects.select_related("school"), "school__code", codes
            )
        }
        sheet = plan.sheets[ASSIGNMENTS]
        TeachingAssignment.objects.bulk_create(
            [
                TeachingAssignment(
                    academic_year=plan.year,
                    school_class_id=class_ids[(r["school_code"], r["grade"], r["number"])],
                    subject_id=subject_ids[r["subject"]],
                    teacher_id=teacher_ids[r["teacher"]],
                )
                for r in sheet.create
            ],
            batch_size=500,
        )
        _bulk_update(
            sheet, TeachingAssignment, lambda v: {"teacher_id": teacher_ids[v["teacher"]]}, None
        )


def _bulk_update(sheet: SheetPlan, model, to_fields, history: dict | None) -> None:
    if not sheet.update:
        return
    objs, fields = [], set()
    for obj, _record, changes in sheet.update:
        for name, value in to_fields(changes).items():
            setattr(obj, name, value)
            fields.add(name)
        objs.append(obj)
    if history is None:
        model.objects.bulk_update(objs, sorted(fields), batch_size=500)
    else:
        bulk_update_with_history(objs, model, sorted(fields), batch_size=500, **history)
