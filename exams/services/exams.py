"""Setting up exams: one way in for the web form, the API and the admin."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bureau.audit import audit_batch
from bureau.models import AcademicYear, Term
from core.errors import DomainError

from ..models import (
    DEFAULT_LINES,
    DEFAULT_WEIGHTS,
    Exam,
    ExamEntry,
    ExamKind,
    ExamState,
    ExamSubject,
    RankMethod,
    RateBase,
    Subject,
)

LINE_FIELDS = {"excellent": "excellent", "good": "good", "pass": "pass_line", "low": "low"}
LINE_LABELS = {
    "excellent": gettext_lazy("优秀"),
    "good": gettext_lazy("良好"),
    "pass": gettext_lazy("及格"),
    "low": gettext_lazy("低分"),
}
LINE_DEFAULTS = DEFAULT_LINES  # the engine's, SPEC §1
# Paths under /exams/ that an exam code would shadow.
RESERVED_CODES = {"new"}
STATE_FLOW = {
    ExamState.DRAFT: {ExamState.OPEN},
    ExamState.OPEN: {ExamState.CLOSED, ExamState.DRAFT},
    ExamState.CLOSED: {ExamState.OPEN, ExamState.PUBLISHED},
    ExamState.PUBLISHED: {ExamState.CLOSED},
}


@dataclass
class SubjectLine:
    subject: str
    full_marks: float
    lines: dict[str, float] = field(default_factory=dict)


def _check_weights(weights: dict | None) -> dict:
    merged = dict(DEFAULT_WEIGHTS)
    for key, value in (weights or {}).items():
        if key not in DEFAULT_WEIGHTS:
            raise DomainError(_("未知的权重“%(key)s”，只能是 a、b、c、d") % {"key": key})
        try:
            merged[key] = float(value)
        except (TypeError, ValueError) as exc:
            raise DomainError(_("权重 %(key)s 必须是数字") % {"key": key}) from exc
        if merged[key] < 0:
            raise DomainError(_("权重 %(key)s 不能为负数") % {"key": key})
    return merged


def _check_subjects(subjects: list[SubjectLine]) -> None:
    if not subjects:
        raise DomainError(_("考试至少要有一个学科"))
    names = [s.subject for s in subjects]
    if len(set(names)) != len(names):
        raise DomainError(_("考试学科重复"))
    for s in subjects:
        if not s.full_marks or s.full_marks <= 0:
            raise DomainError(_("%(subject)s 的满分必须大于 0") % {"subject": s.subject})
        for key, value in s.lines.items():
            if key not in LINE_FIELDS:
                raise DomainError(
                    _("%(subject)s：未知的分数线“%(key)s”") % {"subject": s.subject, "key": key}
                )
            if not 0 < float(value) <= 1:
                raise DomainError(
                    _("%(subject)s 的%(line)s线必须是 0 到 1 之间的比例")
                    % {"subject": s.subject, "line": LINE_LABELS[key]}
                )
        lines = {k: float(s.lines.get(k, d)) for k, d in LINE_DEFAULTS.items()}
        if not lines["excellent"] >= lines["good"] >= lines["pass"] >= lines["low"]:
            raise DomainError(
                _("%(subject)s：分数线须满足 优秀 ≥ 良好 ≥ 及格 ≥ 低分") % {"subject": s.subject}
            )


@transaction.atomic
def exam_create(
    *,
    code: str,
    name: str,
    kind: str,
    grade: int,
    date: datetime.date,
    subjects: list[SubjectLine],
    rate_base: str = RateBase.SAT,
    rank_method: str = RankMethod.COMPETITION,
    weights: dict | None = None,
    baseline: Exam | None = None,
    user=None,
) -> Exam:
    if Exam.objects.filter(code=code).exists():
        raise DomainError(_("考试代码“%(code)s”已存在") % {"code": code})
    if code in RESERVED_CODES:
        raise DomainError(_("“%(code)s”不能用作考试代码") % {"code": code})
    year = _check_fields(
        kind=kind, grade=grade, date=date, rate_base=rate_base, rank_method=rank_method
    )
    _check_subjects(subjects)
    exam = Exam.objects.create(
        code=code,
        name=name,
        kind=kind,
        grade=grade,
        date=date,
        academic_year=year,
        term=Term.for_date(date),
        rate_base=rate_base,
        rank_method=rank_method,
        weights=_check_weights(weights),
        baseline=baseline,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    _store_subjects(exam, subjects)
    return exam


def _check_fields(
    *, kind: str, grade: int, date: datetime.date, rate_base: str, rank_method: str
) -> AcademicYear:
    """Checks the exam's own fields; answers the academic year of its date."""
    if kind not in ExamKind.values:
        raise DomainError(_("未知的考试类型“%(kind)s”") % {"kind": kind})
    if rate_base not in RateBase.values:
        raise DomainError(_("比率分母只能是 sat（实考）或 enrolled（应考）"))
    if rank_method not in RankMethod.values:
        raise DomainError(_("排名方式只能是 competition（1224）或 dense（中式 1223）"))
    if not 1 <= int(grade) <= 12:
        raise DomainError(_("年级必须在 1 到 12 之间"))
    year = AcademicYear.for_date(date)
    if year is None:
        raise DomainError(
            _("%(date)s 不在任何已设置的学年内，请先在系统管理中设置学年")
            % {"date": f"{date:%Y-%m-%d}"}
        )
    return year


@transaction.atomic
def exam_update(
    *,
    exam: Exam,
    name: str,
    kind: str,
    grade: int,
    date: datetime.date,
    subjects: list[SubjectLine],
    rate_base: str = RateBase.SAT,
    rank_method: str = RankMethod.COMPETITION,
    weights: dict | None = None,
    baseline: Exam | None = None,
) -> Exam:
    """Changes a draft exam: its fields, weights, baseline, and its subjects with their lines
    (the exam's subjects are replaced by ``subjects``). The code stays. Only drafts: once an
    exam is open, published numbers would change silently. When the exam already has results
    (uploaded while open, then sent back to draft), its statistics are recomputed."""
    locked = Exam.objects.select_for_update().get(pk=exam.pk)
    if locked.state != ExamState.DRAFT:
        raise DomainError(
            _("考试已是“%(state)s”状态，不能修改；请先退回草稿")
            % {"state": ExamState(locked.state).label}
        )
    year = _check_fields(
        kind=kind, grade=grade, date=date, rate_base=rate_base, rank_method=rank_method
    )
    _check_subjects(subjects)
    if baseline is not None and baseline.pk == exam.pk:
        raise DomainError(_("基线考试不能是本次考试"))
    has_results = ExamEntry.objects.filter(exam=exam).exists()
    if has_results:
        _check_full_marks(exam, subjects)
    exam.name = name
    exam.kind = kind
    exam.grade = grade
    exam.date = date
    exam.academic_year = year
    exam.term = Term.for_date(date)
    exam.rate_base = rate_base
    exam.rank_method = rank_method
    exam.weights = _check_weights(weights)
    exam.baseline = baseline
    exam.save()
    ExamSubject.objects.filter(exam=exam).delete()
    _store_subjects(exam, subjects)
    if has_results:
        from .stats import stats_request

        stats_request(exam=exam)
    return exam


def _check_full_marks(exam: Exam, subjects: list[SubjectLine]) -> None:
    """Stored scores must stay within the (new) full marks of their subject."""
    ids = dict(
        Subject.objects.filter(name__in=[s.subject for s in subjects]).values_list("name", "id")
    )
    wanted = {str(ids[s.subject]): s for s in subjects if s.subject in ids}
    highest: dict[str, float] = {}
    for scores in ExamEntry.objects.filter(exam=exam).values_list("scores", flat=True).iterator():
        for key, value in scores.items():
            if key in wanted and value is not None and value > highest.get(key, -1):
                highest[key] = value
    for key, value in highest.items():
        line = wanted[key]
        if value > float(line.full_marks):
            raise DomainError(
                _("%(subject)s 已有成绩最高 %(value)s 分，满分不能低于此分数")
                % {"subject": line.subject, "value": f"{value:g}"}
            )


def _store_subjects(exam: Exam, subjects: list[SubjectLine]) -> None:
    rows = []
    for order, s in enumerate(subjects):
        subject, _created = Subject.objects.get_or_create(name=s.subject)
        extra = {LINE_FIELDS[k]: float(v) for k, v in s.lines.items()}
        rows.append(
            ExamSubject(
                exam=exam, subject=subject, full_marks=float(s.full_marks), order=order, **extra
            )
        )
    ExamSubject.objects.bulk_create(rows)
    # Written in bulk, so no model signal sees them: one audit entry with the whole list.
    audit_batch(
        action="exam_subjects",
        instance=exam,
        summary={
            "subjects": [
                {"subject": s.subject, "full_marks": float(s.full_marks), **s.lines}
                for s in subjects
            ]
        },
    )


@transaction.atomic
def exam_set_state(*, exam: Exam, state: str) -> Exam:
    """draft → open for upload → closed → published (and back one step to correct)."""
    current = ExamState(exam.state)
    if state not in ExamState.values:
        raise DomainError(_("未知的考试状态“%(state)s”") % {"state": state})
    if state not in STATE_FLOW[current]:
        raise DomainError(
            _("考试状态不能从“%(old)s”改为“%(new)s”")
            % {"old": current.label, "new": ExamState(state).label}
        )
    exam.state = state
    exam.save(update_fields=["state"])
    return exam
