"""Writing reward schemes (SPEC §7): create, change, compute, approve, publish.

States: draft → computed (by the compute job) → approved (a leader or an admin) →
published. An approved scheme is frozen. Computing replaces the scheme's lines in one
transaction and applies the recorded adjustments again, so that running it twice stores the
same lines; a failure keeps the previous lines. A scheme computed before an exam's statistics
changed is marked stale (``scheme_mark_stale``) and cannot be approved until recomputed.
"""

from __future__ import annotations

import logging
import re

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau import access
from bureau.models import AcademicYear
from core.errors import DomainError, NotAllowed

from .. import rules
from ..models import Award, AwardLine, ComputeStatus, LineAdjustment, Scheme, SchemeStatus
from ..selectors import stats as stats_selectors
from ..selectors.targets import target_rows
from .awards import award_clean, award_spec, fail, whole_number
from .lines import lines_rescale

logger = logging.getLogger(__name__)
CODE = re.compile(r"^[-a-zA-Z0-9_]+$")


def _require_writer(user) -> None:
    if not access.can_write_schemes(user):
        raise NotAllowed(_("只有局机关工作人员或管理员可以编制奖励方案"))


def _require_unlocked(scheme: Scheme) -> None:
    if scheme.locked:
        raise DomainError(
            _("方案已%(status)s，不能修改") % {"status": scheme.get_status_display()},
            code="locked",
        )


def _scheme_fields(data: dict, *, creating: bool) -> dict:
    out = {}
    if creating or "code" in data:
        code = str(data.get("code") or "").strip()
        if not code or not CODE.match(code) or len(code) > 40:
            fail("code", _("方案代码只能由字母、数字、- 和 _ 组成（不超过 40 个字符）"))
        if Scheme.objects.filter(code=code).exists():
            fail("code", _("方案代码已存在：%(code)s") % {"code": code})
        out["code"] = code
    if creating or "year" in data:
        name = str(data.get("year") or "").strip()
        year = AcademicYear.objects.filter(name=name).first()
        if year is None:
            fail("year", _("学年不存在：%(year)s（应如 2026-2027）") % {"year": name})
        out["year"] = year
    if creating or "name" in data:
        name = str(data.get("name") or "").strip()
        if not name:
            fail("name", _("请填写方案名称"))
        out["name"] = name[:100]
    if creating or "budget" in data:
        budget = whole_number(data.get("budget"), "budget")
        if budget is None:
            fail("budget", _("请填写预算（元）"))
        out["budget"] = budget
    if "scale_to_budget" in data:
        value = data.get("scale_to_budget")
        if not isinstance(value, bool):
            fail("scale_to_budget", _("应为 true 或 false"))
        out["scale_to_budget"] = value
    return out


def _store_awards(scheme: Scheme, cleaned: list[dict], start: int = 0) -> None:
    for i, fields in enumerate(cleaned, start=start):
        Award.objects.create(scheme=scheme, order=i, **fields)


def _clean_awards(awards, *, start: int = 0) -> list[dict]:
    if awards is None:
        return []
    if not isinstance(awards, list):
        fail("awards", _("奖项应为列表"))
    return [award_clean(a, index=start + i) for i, a in enumerate(awards)]


@transaction.atomic
def scheme_create(*, data: dict, user) -> Scheme:
    """A draft scheme with its awards; everything is checked before anything is saved."""
    _require_writer(user)
    fields = _scheme_fields(data, creating=True)
    cleaned = _clean_awards(data.get("awards"))
    scheme = Scheme.objects.create(created_by=user, **fields)
    _store_awards(scheme, cleaned)
    return scheme


def _back_to_draft(scheme: Scheme) -> None:
    """A change to the awards of a computed scheme asks for a recomputation."""
    if scheme.status == SchemeStatus.COMPUTED:
        scheme.status = SchemeStatus.DRAFT
        scheme.save(update_fields=["status"])


@transaction.atomic
def scheme_update(*, scheme: Scheme, data: dict, user) -> Scheme:
    """Changes the name, budget, scaling and (when given) replaces the awards."""
    _require_writer(user)
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    _require_unlocked(scheme)
    data = {k: v for k, v in data.items() if k != "code"}
    fields = _scheme_fields(data, creating=False)
    cleaned = _clean_awards(data.get("awards")) if "awards" in data else None
    for name, value in fields.items():
        setattr(scheme, name, value)
    scheme.save()
    if cleaned is not None:
        scheme.awards.all().delete()
        _store_awards(scheme, cleaned)
        _back_to_draft(scheme)
    elif {"budget", "scale_to_budget"} & set(fields):
        lines_rescale(scheme=scheme)
    return scheme


@transaction.atomic
def award_add(*, scheme: Scheme, data: dict, user) -> Award:
    _require_writer(user)
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    _require_unlocked(scheme)
    start = scheme.awards.count()
    (fields,) = _clean_awards([data], start=start)
    award = Award.objects.create(scheme=scheme, order=start, **fields)
    _back_to_draft(scheme)
    return award


@transaction.atomic
def award_delete(*, award: Award, user) -> None:
    _require_writer(user)
    scheme = Scheme.objects.select_for_update().get(pk=award.scheme_id)
    _require_unlocked(scheme)
    award.delete()
    _back_to_draft(scheme)
    if scheme.status == SchemeStatus.DRAFT:
        lines_rescale(scheme=scheme)


# --- computing -----------------------------------------------------------------------------


def scheme_compute_request(*, scheme: Scheme, user) -> Scheme:
    """Queues the computation for after the current transaction commits."""
    _require_writer(user)
    _require_unlocked(scheme)
    if not scheme.awards.exists():
        raise DomainError(_("方案还没有奖项，无法计算"))
    Scheme.objects.filter(pk=scheme.pk).update(
        compute_status=ComputeStatus.QUEUED, progress=0, compute_error=""
    )
    scheme.refresh_from_db()
    scheme_id = scheme.pk

    def enqueue() -> None:
        from ..tasks import compute_scheme

        compute_scheme.delay(scheme_id)

    transaction.on_commit(enqueue)
    return scheme


def award_lines(award: Award) -> list[rules.Line]:
    """What the award's rule gives now, from the stored statistics and targets."""
    spec = award_spec(award)
    if award.rule == rules.MANUAL:
        return rules.manual(spec)
    if award.rule in rules.TARGET_RULES:
        rows = target_rows(code=award.target, exam=award.exam)
        if award.exam is not None and (spec.min_sat is not None or spec.min_participation):
            totals = stats_selectors.school_totals(exam=award.exam)
            keep = {
                code
                for code, (enrolled, sat) in totals.items()
                if rules.is_eligible(
                    rules.Unit(key=code, label=code, school=code, enrolled=enrolled, sat=sat),
                    spec,
                )
            }
            rows = [r for r in rows if r.school in keep]
        if award.rule == rules.PER_STUDENT:
            return rules.per_student(rows, spec)
        return rules.target_attained(rows, spec)
    units = stats_selectors.units(exam=award.exam, subject=award.subject, recipient=award.recipient)
    if award.rule == rules.TOP_K:
        return rules.top_k(units, spec)
    if award.rule == rules.THRESHOLD:
        return rules.threshold(units, spec)
    baseline = stats_selectors.units(
        exam=award.baseline_exam, subject=award.subject, recipient=award.recipient
    )
    return rules.progress(units, baseline, spec)


def scheme_compute(*, scheme_id: int) -> bool:
    """Computes every award's lines and stores them (the job's one service). Answers False
    when the scheme is gone or was approved meanwhile."""
    scheme = Scheme.objects.filter(pk=scheme_id).first()
    if scheme is None or scheme.locked:
        return False
    Scheme.objects.filter(pk=scheme_id).update(compute_status=ComputeStatus.RUNNING, progress=0)
    started = timezone.now()
    awards = list(scheme.awards.select_related("exam", "baseline_exam").order_by("order", "pk"))
    try:
        computed = []
        for i, award in enumerate(awards, start=1):
            computed.append((award, award_lines(award)))
            Scheme.objects.filter(pk=scheme_id).update(progress=round(90 * i / len(awards)))
        _store_lines(scheme_id, computed, started)
    except Exception as exc:
        message = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
        logger.exception("computing reward scheme %s failed", scheme.code)
        Scheme.objects.filter(pk=scheme_id).update(
            compute_status=ComputeStatus.FAILED, compute_error=message[:500]
        )
        if isinstance(exc, DomainError):
            return False
        raise
    return True


@transaction.atomic
def _store_lines(scheme_id: int, computed: list, started) -> None:
    scheme = Scheme.objects.select_for_update().get(pk=scheme_id)
    if scheme.locked:
        return
    from schools.models import School

    codes = {line.school for _, lines in computed for line in lines if line.school}
    schools = dict(School.objects.filter(code__in=codes).values_list("code", "pk"))
    AwardLine.objects.filter(award__scheme=scheme).delete()
    rows = []
    for award, lines in computed:
        latest = _latest_adjustments(award)
        for order, line in enumerate(lines):
            adjustment = latest.get(line.key)
            adjusted = adjustment.to_amount if adjustment else None
            excluded = adjustment.excluded if adjustment else False
            rows.append(
                AwardLine(
                    award=award,
                    order=order,
                    key=line.key,
                    recipient=line.recipient[:150],
                    school_id=schools.get(line.school),
                    subject=line.subject or "",
                    class_name=line.class_name or "",
                    teacher=line.teacher or "",
                    teacher_name=line.teacher_name or "",
                    rank=line.rank,
                    value=line.value,
                    computed_amount=line.amount,
                    adjusted_amount=adjusted,
                    excluded=excluded,
                    base_amount=line.amount,
                    amount=line.amount,
                    reason=line.reason[:300],
                )
            )
    AwardLine.objects.bulk_create(rows)
    scheme.status = SchemeStatus.COMPUTED
    scheme.compute_status = ComputeStatus.DONE
    scheme.progress = 100
    scheme.computed_at = started
    scheme.stale = False
    scheme.compute_error = ""
    scheme.save()
    lines_rescale(scheme=scheme)


def _latest_adjustments(award: Award) -> dict[str, LineAdjustment]:
    latest: dict[str, LineAdjustment] = {}
    for adjustment in award.adjustments.order_by("at", "pk"):
        latest[adjustment.key] = adjustment
    return latest


def scheme_mark_stale(*, exam_id: int) -> int:
    """Marks stale the computed, not yet approved schemes that measure with the exam and
    were computed before its statistics were last stored."""
    from exams.models import Exam

    exam = Exam.objects.filter(pk=exam_id).first()
    if exam is None or exam.stats_updated_at is None:
        return 0
    return (
        Scheme.objects.filter(
            Q(awards__exam_id=exam_id) | Q(awards__baseline_exam_id=exam_id),
            status__in=[SchemeStatus.DRAFT, SchemeStatus.COMPUTED],
            computed_at__lt=exam.stats_updated_at,
        )
        .distinct()
        .update(stale=True)
    )


# --- approval ------------------------------------------------------------------------------


@transaction.atomic
def scheme_approve(*, scheme: Scheme, user) -> Scheme:
    if not access.can_approve_schemes(user):
        raise NotAllowed(_("只有局领导或管理员可以批准奖励方案"))
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.locked:
        raise DomainError(
            _("方案已%(status)s，不能重复批准") % {"status": scheme.get_status_display()}
        )
    if scheme.status != SchemeStatus.COMPUTED or scheme.compute_status != ComputeStatus.DONE:
        raise DomainError(_("方案尚未计算完成，不能批准"))
    if scheme.stale:
        raise DomainError(_("计算后考试统计有变化，请重新计算后再批准"))
    from ..selectors.schemes import scheme_totals

    totals = scheme_totals(scheme)
    if totals["total"] > scheme.budget:
        raise DomainError(
            _("超出预算 %(over)s 元") % {"over": totals["total"] - scheme.budget},
            code="over_budget",
        )
    scheme.status = SchemeStatus.APPROVED
    scheme.approved_by = user
    scheme.approved_at = timezone.now()
    scheme.save(update_fields=["status", "approved_by", "approved_at"])
    return scheme


@transaction.atomic
def scheme_publish(*, scheme: Scheme, user) -> Scheme:
    _require_writer(user)
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    if scheme.status == SchemeStatus.PUBLISHED:
        raise DomainError(_("方案已发布，不能重复发布"))
    if scheme.status != SchemeStatus.APPROVED:
        raise DomainError(_("方案须先经局领导或管理员批准才能发布"))
    scheme.status = SchemeStatus.PUBLISHED
    scheme.published_at = timezone.now()
    scheme.save(update_fields=["status", "published_at"])
    return scheme
