"""Checking an award as written by staff (browser, API, admin) before it is stored.

``award_clean(data, field=...)`` answers the keyword arguments of ``models.Award`` or raises
a DomainError (400) whose message starts with the field it is about ("awards[0].exam: …")
and whose ``details`` map that field to the message."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext as _

from core.errors import DomainError
from exams.models import TOTAL, Exam, ExamSubject
from schools.models import School

from .. import rules
from ..models import Recipient, Rule
from ..selectors.stats import exam_has_stats
from ..selectors.targets import target_exists

NEEDS_EXAM = set(rules.STAT_RULES)


def fail(field: str, message: str):
    raise DomainError(f"{field}: {message}", details={field: [message]})


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _int(data: dict, name: str, prefix: str, *, minimum: int = 0) -> int | None:
    return whole_number(data.get(name), f"{prefix}.{name}", minimum=minimum)


def whole_number(value, field: str, *, minimum: int = 0) -> int | None:
    """A whole number ≥ ``minimum`` (5000 or 5000.0), None when blank; 400 naming ``field``."""
    if _blank(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        fail(field, _("应为整数，收到“%(value)s”") % {"value": value})
    if isinstance(value, bool) or not math.isfinite(number):
        fail(field, _("应为整数，收到“%(value)s”") % {"value": value})
    if number < minimum:
        if minimum == 0:
            fail(field, _("不能为负数（%(value)s）") % {"value": value})
        fail(field, _("不能小于 %(min)s（%(value)s）") % {"min": minimum, "value": value})
    if number != int(number):
        fail(field, _("应为整数，收到“%(value)s”") % {"value": value})
    return int(number)


def _float(data: dict, name: str, prefix: str) -> float | None:
    value = data.get(name)
    if _blank(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        fail(f"{prefix}.{name}", _("应为数字，收到“%(value)s”") % {"value": value})
    return number


def _exam(data: dict, name: str, prefix: str) -> Exam | None:
    code = data.get(name)
    if _blank(code):
        return None
    exam = code if isinstance(code, Exam) else Exam.objects.filter(code=str(code)).first()
    field = f"{prefix}.{name}"
    if exam is None:
        fail(field, _("考试不存在：%(code)s") % {"code": code})
    if not exam_has_stats(exam):
        fail(field, _("考试“%(name)s”还没有统计数据，请先计算统计") % {"name": exam.name})
    return exam


def _amounts(data: dict, prefix: str) -> dict[str, int] | None:
    value = data.get("amounts")
    if value in (None, "", {}):
        return None
    field = f"{prefix}.amounts"
    if not isinstance(value, dict):
        fail(field, _('分档金额应为 名次: 金额，如 {"1": 5000, "2": 3000}'))
    tiers = {}
    for key, amount in value.items():
        text = str(key).strip()
        if not text.isdigit() or int(text) < 1:
            fail(field, _("分档“%(key)s”不是名次（应为 1、2、3……）") % {"key": key})
        whole = whole_number(amount, f"{field}.{int(text)}")
        if whole is None:
            fail(field, _("第%(key)s名的金额不能为空") % {"key": text})
        tiers[str(int(text))] = whole
    if "1" not in tiers:
        fail(field, _("分档金额应从第1名开始"))
    return dict(sorted(tiers.items(), key=lambda kv: int(kv[0])))


def _exclude(data: dict, prefix: str) -> list[str]:
    value = data.get("exclude") or []
    if isinstance(value, str):
        value = [c for c in value.replace("，", ",").replace("、", ",").split(",")]
    codes = [str(c).strip() for c in value if str(c).strip()]
    known = set(School.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        fail(f"{prefix}.exclude", _("学校不存在：%(codes)s") % {"codes": "、".join(unknown)})
    return list(dict.fromkeys(codes))


def _entries(data: dict, prefix: str) -> list[dict]:
    entries = data.get("entries") or []
    field = f"{prefix}.entries"
    if not isinstance(entries, list) or not entries:
        fail(field, _("人工录入的奖项至少需要一行：获奖对象、金额、事由"))
    clean = []
    for i, e in enumerate(entries):
        where = f"{field}[{i}]"
        if not isinstance(e, dict):
            fail(where, _('应为 {"recipient", "school", "amount", "reason"}'))
        amount = _int(e, "amount", where)
        if amount is None:
            fail(f"{where}.amount", _("请填写金额"))
        reason = str(e.get("reason") or "").strip()
        if not reason:
            fail(f"{where}.reason", _("人工录入须填写事由"))
        school = None
        if not _blank(e.get("school")):
            school = School.objects.filter(code=str(e["school"]).strip()).first()
            if school is None:
                fail(f"{where}.school", _("学校不存在：%(code)s") % {"code": e["school"]})
        recipient = str(e.get("recipient") or (school.name if school else "")).strip()
        if not recipient:
            fail(f"{where}.recipient", _("请填写获奖对象"))
        clean.append(
            {
                "key": f"manual-{i + 1}",
                "recipient": recipient[:150],
                "school": school.code if school else None,
                "school_name": school.name if school else "",
                "teacher": str(e.get("teacher") or "").strip() or None,
                "amount": amount,
                "reason": reason[:300],
            }
        )
    return clean


def _subject(data: dict, exam: Exam, recipient: str, prefix: str) -> str:
    subject = str(data.get("subject") or TOTAL).strip()
    field = f"{prefix}.subject"
    if (
        subject != TOTAL
        and not ExamSubject.objects.filter(exam=exam, subject__name=subject).exists()
    ):
        fail(
            field,
            _("考试“%(exam)s”没有该学科：%(subject)s") % {"exam": exam.name, "subject": subject},
        )
    if subject == TOTAL and recipient in (rules.SUBJECT_GROUP, rules.TEACHER):
        fail(field, _("学科组和教师奖须指定一个学科（没有总分统计）"))
    return subject


def award_clean(data: dict[str, Any], *, index: int = 0) -> dict[str, Any]:
    """The model fields of one award, checked (SPEC §7)."""
    prefix = f"awards[{index}]"
    if not isinstance(data, dict):
        fail(prefix, _("奖项应为一个对象"))
    name = str(data.get("name") or "").strip()
    if not name:
        fail(f"{prefix}.name", _("请填写奖项名称"))
    rule = str(data.get("rule") or "").strip()
    if rule not in Rule.values:
        fail(f"{prefix}.rule", _("规则只能是 %(rules)s") % {"rules": "、".join(Rule.values)})
    recipient = str(data.get("recipient") or rules.SCHOOL).strip()
    if recipient not in Recipient.values:
        fail(
            f"{prefix}.recipient",
            _("获奖对象只能是 %(values)s") % {"values": "、".join(Recipient.values)},
        )
    if rule in rules.TARGET_RULES and recipient != rules.SCHOOL:
        fail(f"{prefix}.recipient", _("按目标计奖的获奖对象只能是学校"))
    metric = str(data.get("metric") or "composite").strip()
    if metric not in rules.METRIC_LABELS:
        fail(
            f"{prefix}.metric",
            _("指标只能是 %(values)s") % {"values": "、".join(rules.METRIC_LABELS)},
        )
    out: dict[str, Any] = {
        "name": name[:100],
        "rule": rule,
        "recipient": recipient,
        "metric": metric,
        "exam": None,
        "subject": "",
        "k": _int(data, "k", prefix, minimum=1),
        "value": _float(data, "value", prefix),
        "baseline_exam": None,
        "target": "",
        "amounts": _amounts(data, prefix),
        "amount": _int(data, "amount", prefix),
        "per_student": _int(data, "per_student", prefix),
        "cap": _int(data, "cap", prefix),
        "min_participation": _float(data, "min_participation", prefix),
        "min_sat": _int(data, "min_sat", prefix),
        "exclude": _exclude(data, prefix),
        "entries": [],
    }
    mp = out["min_participation"]
    if mp is not None and not 0 <= mp <= 1:
        fail(f"{prefix}.min_participation", _("参考率应在 0 到 1 之间（如 0.95）"))
    exam = _exam(data, "exam", prefix)
    if rule in NEEDS_EXAM:
        if exam is None:
            fail(f"{prefix}.exam", _("请指定考试"))
        out["subject"] = _subject(data, exam, recipient, prefix)
    elif exam is not None:
        out["subject"] = _subject(data, exam, rules.SCHOOL, prefix)
    out["exam"] = exam
    _rule_fields(rule, data, out, prefix)
    return out


def _require(out: dict, name: str, prefix: str, message: str) -> None:
    if out.get(name) in (None, ""):
        fail(f"{prefix}.{name}", message)


def _rule_fields(rule: str, data: dict, out: dict, prefix: str) -> None:
    if rule == rules.TOP_K:
        if out["amounts"] is None:
            _require(out, "amount", prefix, _("请填写分档金额 amounts 或每个单位的金额 amount"))
            _require(out, "k", prefix, _("请填写名次 k"))
    elif rule == rules.THRESHOLD:
        _require(out, "value", prefix, _("请填写标准值 value"))
        _require(out, "amount", prefix, _("请填写金额 amount"))
        base = _exam(data, "baseline_exam", prefix)
        if out["metric"] == "value_added" and base and base.pk != out["exam"].baseline_id:
            fail(
                f"{prefix}.baseline_exam",
                _("增值按考试自身的基线考试计算，不能另选基线"),
            )
        out["baseline_exam"] = base
    elif rule == rules.PROGRESS:
        _require(out, "k", prefix, _("请填写进步名次 k"))
        _require(out, "amount", prefix, _("请填写金额 amount"))
        base = _exam(data, "baseline_exam", prefix)
        if base is None:
            fail(f"{prefix}.baseline_exam", _("请指定基线考试"))
        if base.pk == out["exam"].pk:
            fail(f"{prefix}.baseline_exam", _("基线考试不能是同一场考试"))
        if (
            out["subject"] != TOTAL
            and not ExamSubject.objects.filter(exam=base, subject__name=out["subject"]).exists()
        ):
            fail(
                f"{prefix}.baseline_exam",
                _("基线考试没有该学科：%(subject)s") % {"subject": out["subject"]},
            )
        out["baseline_exam"] = base
    elif rule in rules.TARGET_RULES:
        code = str(data.get("target") or "").strip()
        if not code:
            fail(f"{prefix}.target", _("请指定目标代码"))
        if not target_exists(code):
            fail(f"{prefix}.target", _("目标不存在：%(code)s") % {"code": code})
        out["target"] = code
        if rule == rules.PER_STUDENT:
            _require(out, "per_student", prefix, _("请填写每超出一人的金额 per_student"))
        else:
            _require(out, "amount", prefix, _("请填写金额 amount"))
    elif rule == rules.MANUAL:
        out["entries"] = _entries(data, prefix)


def award_spec(award) -> rules.Award:
    """A stored award as the rules take it."""
    amounts = {int(k): int(v) for k, v in (award.amounts or {}).items()} or None
    return rules.Award(
        name=award.name,
        rule=award.rule,
        recipient=award.recipient,
        metric=award.metric or "composite",
        k=award.k,
        value=award.value,
        amounts=amounts,
        amount=award.amount,
        per_student=award.per_student,
        cap=award.cap,
        min_participation=award.min_participation,
        min_sat=award.min_sat,
        exclude=frozenset(award.exclude or ()),
        entries=tuple(award.entries or ()),
    )
