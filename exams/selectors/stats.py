"""Reads of an exam's computed statistics, for the API and the pages (SPEC §1, §4).

Every function takes an ``exam`` that ``access.exam_get_for`` already let the user see, and
scopes the rows by ``access.exam_stats_school_ids`` (units) or ``access.student_school_ids``
(student rows). Numbers are returned unrounded: the API rounds to 6 decimals, pages format.

``exam_spec`` and ``assignments_frame`` load what the statistics engine takes; the stats
service uses them too.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from bureau import access
from core.errors import DomainError, NotAllowed
from exams.engine import statistics
from exams.engine.sheet import parse_class
from exams.models import TOTAL, Exam, ExamSubject, Level, StudentResult, UnitStat
from exams.selectors.entries import entries_frame
from schools.models import GRADE_SHORT, School, TeachingAssignment

STAT_FIELDS = [c for c in statistics.STAT_COLUMNS if c != "subject"]
VALUE_ADDED_FIELDS = ["value_added", "matched", "small_sample"]


# --- what the engine takes -----------------------------------------------------------------


def exam_spec(exam: Exam) -> statistics.ExamSpec:
    """The exam as the engine's ExamSpec: its subjects in exam order with their lines, the
    base of the rates, the composite weights (missing weights take the defaults)."""
    subjects = [
        statistics.SubjectSpec(
            name=es.subject.name,
            full_marks=es.full_marks,
            excellent=es.excellent,
            good=es.good,
            pass_=es.pass_line,
            low=es.low,
        )
        for es in ExamSubject.objects.filter(exam=exam)
        .select_related("subject")
        .order_by("order", "id")
    ]
    weights = {k: float(v) for k, v in (exam.weights or {}).items() if k in ("a", "b", "c", "d")}
    return statistics.ExamSpec(
        subjects=tuple(subjects),
        rate_base=exam.rate_base,
        weights=statistics.Weights(**weights),
        rank_method=exam.rank_method,
    )


def class_key(code: str, grade: int, number: int) -> str:
    """The county-unique class key of ``entries_frame``: ``"S001/9/3"``."""
    return f"{code}/{grade}/{number}"


def assignments_frame(exam: Exam) -> pd.DataFrame:
    """The teaching assignments of the exam's academic year for classes of the exam's grade, in
    the exam's subjects: ``teacher`` (staff number), ``school`` (code), ``class_`` (key as in
    ``entries_frame``), ``subject`` (name)."""
    rows = TeachingAssignment.objects.filter(
        academic_year_id=exam.academic_year_id,
        school_class__grade=exam.grade,
        subject__in=ExamSubject.objects.filter(exam=exam).values("subject"),
    ).values_list(
        "teacher__staff_number",
        "school_class__school__code",
        "school_class__grade",
        "school_class__number",
        "subject__name",
    )
    return pd.DataFrame(
        [(t, code, class_key(code, g, n), subject) for t, code, g, n, subject in rows],
        columns=["teacher", "school", "class_", "subject"],
        dtype=object,
    )


def format_class_name(grade: int | None, number: int | None) -> str | None:
    """九(3)班 style, as ``SchoolClass.name``."""
    if number is None:
        return None
    return f"{GRADE_SHORT.get(grade, grade)}({number})班"


# --- checks --------------------------------------------------------------------------------


def subject_names(exam: Exam) -> list[str]:
    return list(
        ExamSubject.objects.filter(exam=exam)
        .order_by("order", "id")
        .values_list("subject__name", flat=True)
    )


def check_level_subject(exam: Exam, level: str, subject: str) -> None:
    """Raises DomainError (400) for an unknown level or subject, or the total of teachers."""
    if level not in Level.values:
        raise DomainError(
            _("未知的统计层级：%(level)s（可选 county、school、class、teacher）") % {"level": level}
        )
    if subject == TOTAL:
        if level == Level.TEACHER:
            raise DomainError(_("教师层级没有总分统计，请选择一个学科"))
        return
    if subject not in subject_names(exam):
        raise DomainError(_("本次考试没有该学科：%(subject)s") % {"subject": subject})


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


# --- unit statistics -----------------------------------------------------------------------


def _units(*, user, exam: Exam, level: str, subject: str, school: str | None) -> list[dict]:
    """The stored UnitStat rows of one level and subject that the user may read, as dicts
    with the unit's fields, the statistics, bands, stored value-added and a private ``_key``
    (the engine's unit key)."""
    check_level_subject(exam, level, subject)
    allowed = access.exam_stats_school_ids(user, exam, level)
    if allowed is not None and level == Level.COUNTY:
        return []
    qs = UnitStat.objects.filter(exam=exam, level=level, subject=subject)
    if allowed is not None:
        qs = qs.filter(school_id__in=allowed)
    if school and level != Level.COUNTY:
        qs = qs.filter(school__code=school)
    values = qs.values(
        "school__code",
        "school__name",
        "school_class__grade",
        "school_class__number",
        "teacher__staff_number",
        "teacher__name",
        "subject",
        "bands",
        *STAT_FIELDS,
        *VALUE_ADDED_FIELDS,
    )
    rows = []
    for v in values:
        code, grade, number = v["school__code"], v["school_class__grade"], v["school_class__number"]
        staff_number = v["teacher__staff_number"]
        if level == Level.COUNTY:
            key: tuple = ()
        elif level == Level.SCHOOL:
            key = (code,)
        elif level == Level.CLASS:
            key = (code, class_key(code, grade, number) if number is not None else "None")
        else:
            key = (staff_number,)
        row = {
            "school_code": code,
            "school_name": v["school__name"],
            "class_name": format_class_name(grade, number),
            "teacher": staff_number,
            "teacher_name": v["teacher__name"],
            "subject": v["subject"],
            **{f: v[f] for f in STAT_FIELDS},
            "bands": list(v["bands"] or []),
            **{f: v[f] for f in VALUE_ADDED_FIELDS},
            "_key": key,
        }
        rows.append(row)
    rows.sort(
        key=lambda r: (
            r["rank"] is None,
            r["rank"] or 0,
            r["school_code"] or "",
            r["_key"][-1] if level == Level.CLASS else "",
            r["teacher"] or "",
        )
    )
    return rows


def _baseline_value_added(exam: Exam, baseline: Exam, level: str, subject: str) -> dict:
    """{engine unit key: (value_added, matched, small_sample)} of one level and subject
    against another baseline than the exam's own, computed now by the engine."""
    assignments = assignments_frame(exam) if level == Level.TEACHER else None
    frame = statistics.value_added(
        entries_frame(exam_id=exam.pk),
        entries_frame(exam_id=baseline.pk),
        exam_spec(exam),
        exam_spec(baseline),
        level,
        assignments,
    )
    frame = frame[frame["subject"] == subject]
    keys = statistics.LEVEL_KEYS[level]
    return {
        tuple(str(k) for k in row[: len(keys)]): (
            _plain(row[-2]),
            int(row[-3]),
            bool(row[-1]),
        )
        for row in frame[[*keys, "matched", "value_added", "small_sample"]].itertuples(
            index=False, name=None
        )
    }


def _finish(rows: list[dict], fields: list[str]) -> list[dict]:
    return [{f: r[f] for f in fields} for r in rows]


UNIT_FIELDS = ["school_code", "school_name", "class_name", "teacher", "teacher_name", "subject"]


def stat_rows(
    *,
    user,
    exam: Exam,
    level: str,
    subject: str,
    school: str | None = None,
    baseline: Exam | None = None,
) -> list[dict]:
    """SPEC §4 rows of one level and subject (a name or ``"total"``), ordered by rank (units
    without one last), then school, class, teacher. ``school`` (a code) keeps that school's
    units (ignored at the county level). With ``baseline``, each row also has
    ``value_added``, ``matched`` and ``small_sample``: stored for the exam's own baseline,
    computed now for any other exam (None for a subject the baseline lacks)."""
    rows = _units(user=user, exam=exam, level=level, subject=subject, school=school)
    fields = [*UNIT_FIELDS, *STAT_FIELDS]
    if baseline is None:
        return _finish(rows, fields)
    if baseline.pk != exam.baseline_id and rows:
        added = _baseline_value_added(exam, baseline, level, subject)
        for row in rows:
            row["value_added"], row["matched"], row["small_sample"] = added.get(
                row["_key"], (None, None, None)
            )
    return _finish(rows, [*fields, *VALUE_ADDED_FIELDS])


def band_rows(
    *, user, exam: Exam, level: str, subject: str, school: str | None = None
) -> list[dict]:
    """The units of ``stat_rows`` (same scope and order) with ``enrolled``, ``sat`` and
    ``bands``: ten counts, [0, 0.1F), …, [0.9F, F]."""
    rows = _units(user=user, exam=exam, level=level, subject=subject, school=school)
    return _finish(rows, [*UNIT_FIELDS, "enrolled", "sat", "rank", "bands"])


# --- student rows --------------------------------------------------------------------------


def score_rows(
    *, user, exam: Exam, school: str | None = None, class_name: str | None = None
) -> list[dict]:
    """Student rows of the exam, only of schools whose students the user may see
    (``access.student_school_ids``): ``student_number``, ``name``, ``school_code``,
    ``class_name``, ``scores`` {subject: score or None}, ``total``, ``county_rank``,
    ``school_rank`` (by total, None without one), ``subject_ranks`` {subject: county rank},
    ``z`` and ``t`` {subject or "total": standard score or None}, ``counted`` and
    ``not_counted`` (the reason, "" when counted; a student not counted has no rank or
    standard score).

    Raises ``NotAllowed`` (403) when ``school`` names a school whose students the user may not
    see, or when the user may see no school's students at all. ``class_name`` is any form
    of the results sheet (``3``, ``九(3)班``…). Not logged here: whoever shows or exports
    the rows writes one access-log row (``bureau.services.access_log_record``)."""
    allowed = access.student_school_ids(user)
    if allowed is not None and not allowed:
        raise NotAllowed(_("没有查看学生成绩明细的权限"))
    target = None
    if school:
        target = School.objects.filter(code=school).first()
        if allowed is not None and (target is None or target.pk not in allowed):
            raise NotAllowed(_("只能查看本校学生的成绩明细"))
        if target is None:
            return []
    school_ids = [target.pk] if target else (sorted(allowed) if allowed is not None else None)
    frame = entries_frame(exam_id=exam.pk, school_ids=school_ids)
    if class_name:
        number, problem = parse_class(class_name, exam.grade)
        if problem:
            raise DomainError(problem)
        wanted = f"/{exam.grade}/{number}"
        frame = frame[frame["class_"].fillna("").str.endswith(wanted)]
    names = subject_names(exam)
    stored = StudentResult.objects.filter(exam=exam)
    if school_ids is not None:
        stored = stored.filter(school_id__in=school_ids)
    results = {
        r[0]: r[1:]
        for r in stored.values_list(
            "student_id", "total", "county_rank", "school_rank", "subject_ranks", "z", "t"
        )
    }
    standard_names = [*names, TOTAL]
    scores = {name: frame[name].tolist() for name in names}
    rows = []
    for i, (number, student_id, name, code, key, reason) in enumerate(
        zip(
            frame["student"].tolist(),
            frame["student_id"].tolist(),
            frame["name"].tolist(),
            frame["school"].tolist(),
            frame["class_"].tolist(),
            frame["not_counted"].tolist(),
            strict=True,
        )
    ):
        total, county_rank, school_rank, ranks, z, t = results.get(student_id, (None,) * 6)
        grade, klass = (int(p) for p in key.split("/")[1:]) if key else (None, None)
        rows.append(
            {
                "student_number": number,
                "name": name,
                "school_code": code,
                "class_name": format_class_name(grade, klass),
                "scores": {s: _plain(scores[s][i]) for s in names},
                "total": total,
                "county_rank": county_rank,
                "school_rank": school_rank,
                "subject_ranks": {s: (ranks or {}).get(s) for s in names},
                "z": {s: (z or {}).get(s) for s in standard_names},
                "t": {s: (t or {}).get(s) for s in standard_names},
                "counted": not reason,
                "not_counted": reason,
            }
        )
    return rows


def score_rows_school(*, user, school: str | None) -> School | None:
    """The one school that student rows asked with ``school`` come from, for the access log:
    that school, or the user's only visible school; None for several."""
    if school:
        return School.objects.filter(code=school).first()
    allowed = access.student_school_ids(user)
    if allowed is not None and len(allowed) == 1:
        return School.objects.filter(pk=next(iter(allowed))).first()
    return None


# --- max gap -------------------------------------------------------------------------------


def _school_means(exam: Exam, subject: str) -> pd.DataFrame:
    rows = UnitStat.objects.filter(exam=exam, level=Level.SCHOOL, subject=subject).values_list(
        "school__code", "school__name", "school__stage", "mean", "sat"
    )
    return pd.DataFrame(
        [(c, n, st, np.nan if m is None else m, s) for c, n, st, m, s in rows],
        columns=["school", "name", "stage", "mean", "sat"],
    ).astype({"mean": "float64", "sat": "int64"})


def _gap_answer(found: dict, names: dict[str, str]) -> dict:
    def school(code, mean):
        return None if code is None else {"code": code, "name": names.get(code), "mean": mean}

    return {
        "max_gap": found["max_gap"],
        "highest": school(found["highest"], found["highest_mean"]),
        "lowest": school(found["lowest"], found["lowest_mean"]),
        "schools": found["schools"],
    }


def gap(*, exam: Exam, stage: str | None = None, subject: str = TOTAL) -> dict:
    """最大距 among the schools with sat > 0, from the stored school statistics:
    ``{"max_gap", "highest": {code, name, mean}, "lowest": {…}, "schools"}`` (None when
    nobody sat); ``stage`` keeps the schools of that 学段."""
    check_level_subject(exam, Level.SCHOOL, subject)
    frame = _school_means(exam, subject)
    if stage:
        frame = frame[frame["stage"] == stage]
    names = dict(zip(frame["school"], frame["name"], strict=True))
    return _gap_answer(statistics.max_gap(frame[["school", "mean", "sat"]]), names)


def gaps_by_stage(*, exam: Exam, subject: str = TOTAL) -> dict[str, dict]:
    """``gap`` of each 学段 that has a school in the exam: {stage: answer}."""
    check_level_subject(exam, Level.SCHOOL, subject)
    frame = _school_means(exam, subject)
    names = dict(zip(frame["school"], frame["name"], strict=True))
    found = statistics.max_gap(frame[["school", "mean", "sat", "stage"]], "stage")
    return {stage: _gap_answer(answer, names) for stage, answer in found.items()}
