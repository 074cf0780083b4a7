"""The year's evaluation lists (SPEC §7), read from stored statistics through ``rules``.

``evaluation_rows(user=…, year=…, name=…)`` answers the rows of one list — ``bottom_half``,
``backbone_review``, ``far_below``, ``last_place`` or ``classification`` — scoped by
``access.evaluation_school_ids`` (a principal: the own school only)."""

from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from bureau import access
from bureau.models import AcademicYear
from core.errors import DomainError
from exams.models import TOTAL, Exam, ExamState, ExamSubject, Level, UnitStat
from schools.models import Backbone, School, Stage

from .. import rules
from ..models import ClassifyBy, DecisionKind, Evaluation, EvaluationDecision, LastPlaceAction

LISTS = ("bottom_half", "backbone_review", "far_below", "last_place", "classification")
DECISION_OF = {
    "bottom_half": DecisionKind.EXCELLENT,
    "backbone_review": DecisionKind.BACKBONE,
    "far_below": DecisionKind.POST,
}


def year_get(name: str | None) -> AcademicYear:
    if not name:
        year = AcademicYear.current()
        if year is None:
            raise DomainError(_("year: 请指定学年"), details={"year": [_("请指定学年")]})
        return year
    year = AcademicYear.objects.filter(name=name).first()
    if year is None:
        message = _("学年不存在：%(year)s") % {"year": name}
        raise DomainError(f"year: {message}", details={"year": [message]})
    return year


def evaluation_of(year: AcademicYear) -> Evaluation:
    return Evaluation.objects.filter(year=year).first() or Evaluation(year=year)


def counted_exams(year: AcademicYear, evaluation: Evaluation | None = None) -> list[Exam]:
    """The exams the year's evaluation counts: those staff chose, else every published exam
    of the year."""
    evaluation = evaluation or evaluation_of(year)
    if evaluation.pk and evaluation.exams.exists():
        return list(evaluation.exams.order_by("date", "code"))
    return list(
        Exam.objects.filter(academic_year=year, state=ExamState.PUBLISHED).order_by("date", "code")
    )


def teacher_results(exams: list[Exam]) -> list[rules.TeacherResult]:
    names = {e.pk: e for e in exams}
    rows = (
        UnitStat.objects.filter(exam__in=exams, level=Level.TEACHER)
        .exclude(subject=TOTAL)
        .values(
            "exam_id",
            "subject",
            "sat",
            "composite",
            "mean",
            "value_added",
            "rank",
            "teacher__staff_number",
            "teacher__name",
            "teacher__backbone",
            "school__code",
            "school__name",
        )
    )
    return [
        rules.TeacherResult(
            teacher=r["teacher__staff_number"],
            teacher_name=r["teacher__name"],
            school=r["school__code"],
            school_name=r["school__name"],
            exam=names[r["exam_id"]].code,
            exam_name=names[r["exam_id"]].name,
            grade=names[r["exam_id"]].grade,
            subject=r["subject"],
            sat=r["sat"],
            composite=r["composite"],
            mean=r["mean"],
            value_added=r["value_added"],
            county_rank=r["rank"],
            backbone=r["teacher__backbone"] != Backbone.NONE,
        )
        for r in rows
        if r["teacher__staff_number"]
    ]


def county_figures(exams: list[Exam]) -> dict[tuple[str, str], rules.CountyFigures]:
    marks = {
        (code, name): full
        for code, name, full in ExamSubject.objects.filter(exam__in=exams).values_list(
            "exam__code", "subject__name", "full_marks"
        )
    }
    out = {}
    for code, subject, mean in UnitStat.objects.filter(
        exam__in=exams, level=Level.COUNTY
    ).values_list("exam__code", "subject", "mean"):
        if mean is not None and (code, subject) in marks:
            out[(code, subject)] = rules.CountyFigures(mean=mean, full_marks=marks[(code, subject)])
    return out


def school_results(exams: list[Exam]) -> dict[str, list[rules.SchoolResult]]:
    labels = dict(Stage.choices)
    out: dict[str, list[rules.SchoolResult]] = defaultdict(list)
    for code, school, name, stage, sat, composite in UnitStat.objects.filter(
        exam__in=exams, level=Level.SCHOOL, subject=TOTAL
    ).values_list(
        "exam__code", "school__code", "school__name", "school__stage", "sat", "composite"
    ):
        out[code].append(
            rules.SchoolResult(school, name, stage, str(labels.get(stage, stage)), sat, composite)
        )
    return out


def _last_place(
    year: AcademicYear, evaluation: Evaluation, counted: list[Exam]
) -> list[rules.Listed]:
    grades = {e.grade for e in counted}
    published = list(
        Exam.objects.filter(state=ExamState.PUBLISHED, grade__in=grades, date__lte=year.end)
    )
    refs = [rules.ExamRef(e.code, e.name, e.grade, e.date) for e in published]
    return rules.last_place_warnings(
        refs,
        school_results(published),
        n=evaluation.last_n,
        k=evaluation.last_k,
        counted={e.code for e in counted},
    )


def _classification(year: AcademicYear, evaluation: Evaluation, counted: list[Exam]) -> list[dict]:
    if evaluation.classify_by == ClassifyBy.ATTAINMENT:
        from .targets import year_attainment

        scores = year_attainment(year)
        graded = rules.classify_attainment(scores, evaluation.cuts)
        info = dict(School.objects.filter(code__in=scores).values_list("code", "name"))
        return [
            {
                "school": code,
                "school_name": info.get(code, code),
                "class": letter,
                "value": round(value, 6),
                "reason": _("目标平均完成率 %(v).1f%%，%(c)s类") % {"v": value * 100, "c": letter},
            }
            for code, (letter, value) in sorted(graded.items())
        ]
    by_school: dict[str, list[float]] = defaultdict(list)
    info: dict[str, rules.SchoolResult] = {}
    for results in school_results(counted).values():
        for r in results:
            if r.sat > 0 and r.composite is not None:
                by_school[r.school].append(r.composite)
                info[r.school] = r
    by_stage: dict[str, dict[str, float]] = defaultdict(dict)
    for code, values in by_school.items():
        by_stage[info[code].stage][code] = sum(values) / len(values)
    rows = []
    for _stage, scores in sorted(by_stage.items()):
        for code, (letter, pct) in rules.classify(scores, evaluation.cuts).items():
            r = info[code]
            rows.append(
                {
                    "school": code,
                    "school_name": r.school_name,
                    "stage": r.stage,
                    "class": letter,
                    "value": round(scores[code], 6),
                    "percentile": round(pct, 6),
                    "reason": _(
                        "%(stage)s学校中总分综合指数均值 %(v).2f，百分位 %(p).0f%%，%(c)s类"
                    )
                    % {"stage": r.stage_label, "v": scores[code], "p": pct * 100, "c": letter},
                }
            )
    rows.sort(key=lambda r: (r["stage"], r["class"], -r["value"], r["school"]))
    return rows


def _latest_decisions(year: AcademicYear, kind: str) -> dict[str, EvaluationDecision]:
    latest: dict[str, EvaluationDecision] = {}
    for d in (
        EvaluationDecision.objects.filter(year=year, kind=kind)
        .select_related("teacher", "by")
        .order_by("at", "pk")
    ):
        latest[d.teacher.staff_number] = d
    return latest


def _listed_row(x: rules.Listed) -> dict:
    row = {"teacher": x.teacher, "teacher_name": x.teacher_name} if x.teacher else {}
    row.update(
        {
            "school": x.school,
            "school_name": x.school_name,
            "subject": x.subject,
            "grade": x.grade,
            "exam": x.exam,
            "rank": x.rank,
            "of": x.of,
            "value": None if x.value is None else round(x.value, 6),
            "reason": x.reason,
        }
    )
    return row


def evaluation_rows(
    *, user, year: AcademicYear, name: str, school: str | None = None
) -> list[dict]:
    if name not in LISTS:
        message = _("list 只能是 %(values)s") % {"values": "、".join(LISTS)}
        raise DomainError(message, details={"list": [message]})
    evaluation = evaluation_of(year)
    counted = counted_exams(year, evaluation)
    if name == "classification":
        rows = _classification(year, evaluation, counted)
    elif name == "last_place":
        actions = {
            (a.school.code, a.exam.code): a.record_id
            for a in LastPlaceAction.objects.select_related("school", "exam")
        }
        rows = []
        for x in _last_place(year, evaluation, counted):
            row = _listed_row(x)
            row["exams"] = x.extra["exams"]
            row["record"] = actions.get((x.school, x.exam))
            rows.append(row)
    else:
        results = teacher_results(counted)
        if name == "far_below":
            listed = rules.far_below(
                results, county_figures(counted), p=evaluation.far_p, d=evaluation.far_d
            )
        else:
            listed = rules.bottom_half(results)
            if name == "backbone_review":
                listed = rules.backbone_review(listed)
        decisions = _latest_decisions(year, DECISION_OF[name])
        rows = []
        for x in listed:
            row = _listed_row(x)
            d = decisions.get(x.teacher)
            row["decision"] = (
                None
                if d is None
                else {"keep": d.keep, "reason": d.reason, "by": d.by.username if d.by else None}
            )
            rows.append(row)
    allowed = access.evaluation_school_ids(user)
    if allowed is not None:
        codes = set(School.objects.filter(pk__in=allowed).values_list("code", flat=True))
        rows = [r for r in rows if r["school"] in codes]
    if school:
        rows = [r for r in rows if r["school"] == school]
    return rows


def not_excellent(*, year: AcademicYear) -> set[str]:
    """Staff numbers of the teachers not eligible for 优秀 this year (the bottom half of any
    counted exam), unless a person decided otherwise."""
    counted = counted_exams(year)
    listed = {x.teacher for x in rules.bottom_half(teacher_results(counted))}
    decisions = _latest_decisions(year, DecisionKind.EXCELLENT)
    return {t for t in listed if not (t in decisions and decisions[t].keep)}


def classification_summary(user) -> dict | None:
    """The home page's 学校分类 of the current year: how many schools in each class, and
    the user's own school's class (a principal); None when there is nothing to show."""
    if not access.can_read_evaluations(user):
        return None
    year = AcademicYear.current()
    if year is None:
        return None
    rows = evaluation_rows(user=user, year=year, name="classification")
    if not rows:
        return None
    counts = {letter: 0 for letter in rules.CLASS_LETTERS}
    for r in rows:
        counts[r["class"]] += 1
    own = rows[0]["class"] if access.evaluation_school_ids(user) is not None else None
    return {"year": year.name, "counts": list(counts.items()), "own": own}
