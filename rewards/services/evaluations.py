"""Writing the year's evaluation: its settings, the decisions people record about listed
teachers, and turning a 末位 warning into an accountability record (约谈)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau import access
from core.errors import DomainError, NotAllowed
from exams.models import Exam
from inspections.models import AccountabilityKind
from inspections.services.accountability import accountability_create
from schools.models import Teacher

from ..models import DecisionKind, Evaluation, EvaluationDecision, LastPlaceAction
from ..selectors.evaluations import evaluation_rows
from .awards import fail


def _require_decider(user) -> None:
    if not access.can_decide_evaluations(user):
        raise NotAllowed(_("只有局机关工作人员或管理员可以记录考核决定"))


@transaction.atomic
def evaluation_configure(*, year, user, exams=None, **params) -> Evaluation:
    """Sets which exams the year counts (empty: every published exam of the year) and the
    parameters of the lists."""
    _require_decider(user)
    evaluation, _created = Evaluation.objects.get_or_create(year=year)
    bounds = {"last_k": (1, 50), "last_n": (1, 10), "far_p": (0, 100), "far_d": (0, 1)}
    for name, value in params.items():
        if name == "classify_by":
            if value not in ("composite", "attainment"):
                fail(name, _("分类依据只能是 composite 或 attainment"))
        elif name == "cuts":
            if (
                not isinstance(value, list | tuple)
                or len(value) != 3
                or not all(isinstance(v, int | float) for v in value)
                or not 1 >= value[0] >= value[1] >= value[2] >= 0
            ):
                fail(name, _("A/B/C 分界应为三个由高到低的数，如 [0.75, 0.5, 0.25]"))
            value = [float(v) for v in value]
        elif name in bounds:
            low, high = bounds[name]
            if not isinstance(value, int | float) or not low <= value <= high:
                fail(name, _("应在 %(low)s 到 %(high)s 之间") % {"low": low, "high": high})
        else:
            fail(name, _("未知的设置"))
        setattr(evaluation, name, value)
    evaluation.save()
    if exams is not None:
        wrong = [e for e in exams if e.academic_year_id != year.pk]
        if wrong:
            fail(
                "exams",
                _("考试不属于%(year)s学年：%(codes)s")
                % {"year": year.name, "codes": "、".join(e.code for e in wrong)},
            )
        evaluation.exams.set(exams)
    return evaluation


@transaction.atomic
def decision_record(*, year, teacher: Teacher, kind: str, keep: bool, reason: str, user):
    """Records a person's decision about a listed teacher (kept with the earlier ones)."""
    _require_decider(user)
    if kind not in DecisionKind.values:
        fail("kind", _("事项只能是 %(v)s") % {"v": "、".join(DecisionKind.values)})
    reason = (reason or "").strip()
    if not reason:
        fail("reason", _("请填写决定的理由"))
    return EvaluationDecision.objects.create(
        year=year, teacher=teacher, kind=kind, keep=bool(keep), reason=reason[:300], by=user
    )


@transaction.atomic
def last_place_summon(*, year, school_code: str, exam_code: str, user, date=None):
    """Turns the year's 末位 warning of a school (named by the last exam of its run) into a
    约谈 record linked to the exams of the run; once per warning."""
    _require_decider(user)
    rows = evaluation_rows(user=user, year=year, name="last_place")
    row = next((r for r in rows if r["school"] == school_code and r["exam"] == exam_code), None)
    if row is None:
        raise DomainError(_("没有该学校在这次考试的末位预警"))
    if row["record"]:
        raise DomainError(_("该末位预警已转为问责记录"))
    from schools.models import School

    school = School.objects.get(code=school_code)
    exams = list(Exam.objects.filter(code__in=row["exams"]).order_by("date"))
    record = accountability_create(
        kind=AccountabilityKind.INTERVIEW,
        school=school,
        person=_("校长"),
        date=date or timezone.localdate(),
        reason=_("末位预警：%(reason)s。约谈校长，分析原因并制定质量提升计划。")
        % {"reason": row["reason"]},
        exams=exams,
        user=user,
    )
    LastPlaceAction.objects.create(year=year, school=school, exam=exams[-1], record=record, by=user)
    return record
