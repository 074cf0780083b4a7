"""Setting, changing and publishing targets (下达): one way in for the API, the pages and
the admin. Input arrives as plain values (the API's JSON, the form's cleaned data); every
refusal is a ``DomainError`` whose message names the field, and nothing is saved."""

from __future__ import annotations

import math
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau import access
from bureau.models import AcademicYear
from core.errors import DomainError, NotAllowed
from exams.models import TOTAL, Exam, Subject
from exams.selectors.entries import stages_for_grade
from schools.models import School, Stage

from ..models import (
    COUNT_MEASURES,
    DEFAULT_AMBER,
    DEFAULT_CLASS_LIMIT,
    DEFAULT_GREEN,
    Basis,
    Direction,
    Line,
    Measure,
    Metric,
    RegistryItem,
    Target,
    TargetStatus,
)
from .allocations import allocation_apply

CODE = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")
LOWER_BY_DEFAULT = {RegistryItem.LARGE_CLASSES}
SUBJECT_MEASURES = {
    Measure.COUNT_OVER_LINE,
    Measure.RATE,
    Measure.MEAN_VS_REFERENCE,
    Measure.MAX_GAP,
}
GRADE_MEASURES = SUBJECT_MEASURES | {Measure.COUNT_TOP_N}
FIELDS = [
    "year",
    "name",
    "measure",
    "grade",
    "stage",
    "subject",
    "line",
    "top_n",
    "metric",
    "reference",
    "indicator",
    "class_limit",
    "value",
    "direction",
    "relative",
    "previous",
    "basis",
    "baseline_exam",
    "alpha",
    "weights",
    "school_values",
    "green",
    "amber",
]


def _bad(field: str, message: str) -> DomainError:
    return DomainError(f"{field}：{message}", details={"field": field})


def _number(data: dict, field: str, *, required: bool = False, default=None) -> float | None:
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise _bad(field, _("必填"))
        return default
    if isinstance(value, bool):
        raise _bad(field, _("必须是数字（收到 %r）") % value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise _bad(field, _("必须是数字（收到 %r）") % value) from None
    if not math.isfinite(number):
        raise _bad(field, _("必须是有限的数字（收到 %r）") % value)
    return number


def _whole(data: dict, field: str, *, required: bool = False, default=None, low: int = 0):
    number = _number(data, field, required=required, default=default)
    if number is None:
        return None
    if not float(number).is_integer() or number < low:
        raise _bad(
            field, _("必须是不小于%(low)d的整数（收到 %(v)r）") % {"low": low, "v": data.get(field)}
        )
    return int(number)


def _text(data: dict, field: str, *, required: bool = False, choices=None) -> str:
    value = data.get(field)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise _bad(field, _("必填"))
    if value and choices is not None and value not in choices:
        raise _bad(
            field,
            _("只能是 %(choices)s（收到 %(v)r）") % {"choices": "、".join(choices), "v": value},
        )
    return value


def _bool(data: dict, field: str) -> bool:
    value = data.get(field, False)
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("1", "true", "yes", "on"):
        return True
    if str(value).lower() in ("", "0", "false", "no", "off", "none"):
        return False
    raise _bad(field, _("必须是 true 或 false（收到 %r）") % value)


def _year(data: dict) -> AcademicYear:
    name = data.get("year")
    if not name:
        year = AcademicYear.current()
        if year is None:
            raise _bad("year", _("必填"))
        return year
    if isinstance(name, AcademicYear):
        return name
    year = AcademicYear.objects.filter(name=str(name)).first()
    if year is None:
        raise _bad("year", _("学年 %s 不存在") % name)
    return year


def _exam(data: dict, field: str) -> Exam | None:
    code = data.get(field)
    if not code:
        return None
    if isinstance(code, Exam):
        return code
    exam = Exam.objects.filter(code=str(code)).first()
    if exam is None:
        raise _bad(field, _("考试 %s 不存在") % code)
    return exam


def _school_map(data: dict, field: str, codes: list[str]) -> dict:
    value = data.get(field) or {}
    if not isinstance(value, dict):
        raise _bad(field, _("必须是 {学校代码: 数值} 的对象"))
    unknown = sorted(set(value) - set(codes))
    if unknown:
        raise _bad(field, _("学校 %s 不在本目标的学校范围内") % "、".join(unknown))
    return value


def _schools(data: dict, grade: int | None, stage: str) -> list[School]:
    codes = data.get("schools")
    if codes in (None, "", []):
        qs = School.objects.filter(active=True)
        if stage:
            qs = qs.filter(stage=stage)
        elif grade:
            qs = qs.filter(stage__in=stages_for_grade(grade))
        found = list(qs.order_by("code"))
        if not found:
            raise _bad("schools", _("没有符合学段的学校，请列出学校代码"))
        return found
    if isinstance(codes, str) or not isinstance(codes, list | tuple):
        codes = [codes]
    codes = [getattr(c, "code", c) for c in codes]
    found = list(School.objects.filter(code__in=[str(c) for c in codes]).order_by("code"))
    unknown = sorted({str(c) for c in codes} - {s.code for s in found})
    if unknown:
        raise _bad("schools", _("学校 %s 不存在") % "、".join(unknown))
    return found


def clean_target(data: dict[str, Any], *, code_required: bool = True) -> dict[str, Any]:
    """Every field of a target checked and converted; the first problem raises."""
    clean: dict[str, Any] = {}
    clean["year"] = _year(data)
    clean["name"] = _text(data, "name", required=True)[:100]
    measure = _text(data, "measure", required=True, choices=Measure.values)
    clean["measure"] = measure
    grade = _whole(data, "grade", low=1)
    if grade is not None and grade > 12:
        raise _bad("grade", _("必须在1到12之间（收到 %r）") % data.get("grade"))
    if measure in GRADE_MEASURES and grade is None:
        raise _bad("grade", _("按考试测量的目标必须指定年级"))
    clean["grade"] = grade
    clean["stage"] = _text(data, "stage", choices=Stage.values)
    subject = _text(data, "subject")
    if measure in SUBJECT_MEASURES:
        if not subject:
            raise _bad("subject", _("必填（学科名称或 total）"))
        if subject != TOTAL and not Subject.objects.filter(name=subject).exists():
            raise _bad("subject", _("学科 %s 不存在") % subject)
    clean["subject"] = subject
    clean["line"] = _text(
        data, "line", required=measure == Measure.COUNT_OVER_LINE, choices=Line.values
    )
    clean["top_n"] = _whole(data, "top_n", required=measure == Measure.COUNT_TOP_N, low=1)
    metric = _text(data, "metric") or (
        _text(data, "indicator") if measure == Measure.REGISTRY else ""
    )
    if measure == Measure.RATE:
        metric = _text({"metric": metric}, "metric", required=True, choices=Metric.values)
    if measure == Measure.REGISTRY:
        metric = _text({"metric": metric}, "metric", required=True, choices=RegistryItem.values)
    clean["metric"] = metric
    clean["reference"] = _number(data, "reference", required=measure == Measure.MEAN_VS_REFERENCE)
    clean["indicator"] = _text(data, "indicator", required=measure == Measure.ENTERED)[:50]
    clean["class_limit"] = _whole(data, "class_limit", default=DEFAULT_CLASS_LIMIT, low=1)
    clean["relative"] = _bool(data, "relative")
    is_count = measure in COUNT_MEASURES or (
        measure == Measure.REGISTRY and metric == RegistryItem.BACKBONE_COUNT
    )
    value = _number(data, "value", required=True)
    if is_count and not clean["relative"] and (value < 0 or not value.is_integer()):
        raise _bad("value", _("人数目标必须是不小于0的整数（收到 %r）") % data.get("value"))
    clean["value"] = value
    lower = measure == Measure.MAX_GAP or metric in LOWER_BY_DEFAULT
    default_direction = Direction.LOWER if lower else Direction.HIGHER
    clean["direction"] = _text(data, "direction", choices=Direction.values) or default_direction
    clean["previous"] = None
    if clean["relative"]:
        previous = data.get("previous")
        clean["previous"] = _previous(previous, clean)
    clean["basis"] = ""
    clean["baseline_exam"] = _exam(data, "baseline_exam")
    if clean["baseline_exam"] is not None and grade and clean["baseline_exam"].grade != grade:
        raise _bad(
            "baseline_exam",
            _("基线考试 %(exam)s 是%(g)s年级，与目标的%(t)s年级不符")
            % {"exam": clean["baseline_exam"].code, "g": clean["baseline_exam"].grade, "t": grade},
        )
    alpha = _number(data, "alpha", default=0.5)
    if not 0 <= alpha <= 1:
        raise _bad("alpha", _("必须在0到1之间（收到 %r）") % data.get("alpha"))
    clean["alpha"] = alpha
    if is_count:
        clean["basis"] = _text(data, "basis", choices=Basis.values) or Basis.ENROLLED
    clean["schools"] = _schools(data, grade, clean["stage"])
    codes = [s.code for s in clean["schools"]]
    clean["weights"] = _school_map(data, "weights", codes)
    school_values = _school_map(data, "school_values", codes)
    for code, v in school_values.items():
        _number({f"school_values[{code}]": v}, f"school_values[{code}]", required=True)
    clean["school_values"] = {code: float(v) for code, v in school_values.items()}
    clean["green"] = _number(data, "green", default=DEFAULT_GREEN)
    clean["amber"] = _number(data, "amber", default=DEFAULT_AMBER)
    if clean["amber"] > clean["green"]:
        raise _bad("amber", _("接近线不能高于达标线"))
    return clean


def _previous(code, clean: dict) -> Target | None:
    """The target a relative one builds on: the code given, else last year's target of the
    same name and measure."""
    if code:
        found = Target.objects.filter(code=str(code)).first()
        if found is None:
            raise _bad("previous", _("目标 %s 不存在") % code)
        return found
    return (
        Target.objects.filter(
            name=clean["name"], measure=clean["measure"], year__start__lt=clean["year"].start
        )
        .order_by("-year__start")
        .first()
    )


def _require_manager(user) -> None:
    if not access.can_manage_targets(user):
        raise NotAllowed(_("只有局机关工作人员或管理员可以设定目标"))


def _require_draft(target: Target) -> None:
    if target.is_published:
        raise _bad("status", _("目标已下达，不能再修改"))


def _save(target: Target, clean: dict) -> Target:
    schools = clean.pop("schools")
    for name, value in clean.items():
        setattr(target, name, value)
    try:
        target.full_clean(exclude=["schools", "code"] if target.pk else ["schools"])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise _bad(field, "；".join(messages)) from exc
    target.save()
    target.schools.set(schools)
    return target


@transaction.atomic
def target_create(*, user, data: dict[str, Any]) -> Target:
    _require_manager(user)
    code = _text(data, "code", required=True)
    if not CODE.match(code):
        raise _bad("code", _("只能用字母、数字、- 和 _（收到 %r）") % code)
    if Target.objects.filter(code=code).exists():
        raise _bad("code", _("目标代码 %s 已存在") % code)
    clean = clean_target(data)
    target = _save(Target(code=code, created_by=user), clean)
    if target.is_count:
        allocation_apply(target=target, user=user, reason=_("按%s分配") % Basis(target.basis).label)
    return target


@transaction.atomic
def target_update(*, user, target: Target, data: dict[str, Any]) -> Target:
    """Changes a draft target (fields not given keep their value) and re-apportions it."""
    _require_manager(user)
    target = Target.objects.select_for_update().get(pk=target.pk)
    _require_draft(target)
    current = {name: getattr(target, name) for name in FIELDS}
    current["year"] = target.year
    current["previous"] = target.previous.code if target.previous_id else None
    current["baseline_exam"] = target.baseline_exam
    current["schools"] = list(target.schools.all())
    clean = clean_target({**current, **data})
    _save(target, clean)
    if target.is_count:
        allocation_apply(
            target=target, user=user, reason=_("修改目标后按%s重新分配") % Basis(target.basis).label
        )
    return target


@transaction.atomic
def target_publish(*, user, target: Target) -> Target:
    """下达: freezes the allocation; principals see and acknowledge the target from now on."""
    _require_manager(user)
    target = Target.objects.select_for_update().get(pk=target.pk)
    _require_draft(target)
    if target.is_count and not target.allocations.exists():
        raise _bad("allocations", _("目标尚未分配到学校，不能下达"))
    target.status = TargetStatus.PUBLISHED
    target.published_at = timezone.now()
    target.published_by = user
    target.save(update_fields=["status", "published_at", "published_by", "changed_at"])
    return target
