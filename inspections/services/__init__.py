"""Writing checklists and visits: one way in for the API, the web pages and the admin.

Rules (docs/inspections.md):
- checklists are created and revised by managers (admins, staff); revising a frozen template
  (one a visit uses) makes a new version in the same family and leaves the old one as it is;
- visits are recorded by inspectors, staff and admins; a visit is changed, while a draft, only
  by one of its inspectors or by staff or an admin; once submitted it is locked (403);
- rectifications are set by inspectors, staff and admins, answered by the school's principal
  (or staff, an admin) and verified by an inspector (or staff, an admin): open → answered →
  closed, or reopened (with a reason) → answered again …; every step is an event;
- lessons are observed (听课) by principals (at their own school only), inspectors, staff and
  admins; the observer is the user who records it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau import access
from bureau.models import Role
from core.errors import DomainError, NotAllowed
from inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    ItemKind,
    Observation,
    Rating,
    RectificationAction,
    RectificationEvent,
    RectificationStatus,
    RectificationTask,
    Severity,
    Visit,
    VisitKind,
    VisitScore,
    VisitStatus,
)
from inspections.scoring import level_max, level_points, ordered_levels
from schools.models import School, Teacher

# --- checklists ----------------------------------------------------------------------------


def _number(value, message: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise DomainError(message) from exc
    if number != number or number in (float("inf"), float("-inf")):
        raise DomainError(message)
    return number


def _check_pass_mark(pass_mark) -> float:
    mark = _number(pass_mark, _("合格线必须是数字"))
    if not 0 < mark <= 1:
        raise DomainError(_("合格线是得分率的比例，须大于 0 且不超过 1（如 0.6）"))
    return mark


def _clean_items(items: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Checks the items' fields; a level item's ``max_points`` is its highest level."""
    cleaned = []
    for n, raw in enumerate(items or [], start=1):
        group = str(raw.get("group") or "").strip()
        text = str(raw.get("text") or "").strip()
        if not group or not text:
            raise DomainError(_("第 %(n)s 项：类别和检查内容都不能为空") % {"n": n})
        kind = raw.get("kind") or ItemKind.POINTS
        if kind not in ItemKind.values:
            raise DomainError(_("第 %(n)s 项：评分方式只能是 points 或 level") % {"n": n})
        weight = _number(raw.get("weight", 1), _("第 %(n)s 项：权重必须是数字") % {"n": n})
        if weight <= 0:
            raise DomainError(_("第 %(n)s 项：权重必须大于 0") % {"n": n})
        levels: dict[str, float] = {}
        if kind == ItemKind.LEVEL:
            given = raw.get("levels") or {}
            if not isinstance(given, Mapping) or not given:
                raise DomainError(_("第 %(n)s 项：等级评分项须列出等级及分值") % {"n": n})
            for name, value in given.items():
                name = str(name).strip()
                points = _number(value, _("第 %(n)s 项：等级分值必须是数字") % {"n": n})
                if not name or points < 0:
                    raise DomainError(_("第 %(n)s 项：等级名称不能为空，分值不能为负") % {"n": n})
                levels[name] = points
            max_points = level_max(levels)
        else:
            max_points = _number(raw.get("max_points"), _("第 %(n)s 项：满分必须是数字") % {"n": n})
        if max_points <= 0:
            raise DomainError(_("第 %(n)s 项：满分必须大于 0") % {"n": n})
        cleaned.append(
            {
                "group": group,
                "text": text,
                "guidance": str(raw.get("guidance") or "").strip(),
                "kind": kind,
                "max_points": max_points,
                "weight": weight,
                "levels": levels,
                "order": n,
            }
        )
    if not cleaned:
        raise DomainError(_("检查表至少要有一个检查项"))
    return cleaned


def _check_manager(user) -> None:
    if not access.is_manager(user):
        raise NotAllowed(_("只有局机关工作人员或管理员可以管理检查表"))


def _check_name(name) -> str:
    name = str(name or "").strip()
    if not name:
        raise DomainError(_("检查表名称不能为空"))
    return name


@transaction.atomic
def checklist_create(*, name: str, pass_mark: float, items, user) -> ChecklistTemplate:
    _check_manager(user)
    template = ChecklistTemplate.objects.create(
        name=_check_name(name), pass_mark=_check_pass_mark(pass_mark), created_by=user
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(template=template, **item) for item in _clean_items(items)
    )
    return template


@transaction.atomic
def checklist_revise(
    *, template: ChecklistTemplate, name: str, pass_mark: float, items, user
) -> ChecklistTemplate:
    """Edits an unused template in place; a frozen one gets a new version (same family, the
    family's highest version + 1), which is returned, and keeps its items for its visits."""
    _check_manager(user)
    name, mark, cleaned = _check_name(name), _check_pass_mark(pass_mark), _clean_items(items)
    template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    if template.frozen or template.visits.exists():
        latest = ChecklistTemplate.objects.filter(family=template.family).aggregate(
            v=Max("version")
        )["v"]
        template = ChecklistTemplate.objects.create(
            name=name, family=template.family, version=latest + 1, pass_mark=mark, created_by=user
        )
    else:
        template.name, template.pass_mark = name, mark
        template.save(update_fields=["name", "pass_mark"])
        template.items.all().delete()
    ChecklistItem.objects.bulk_create(ChecklistItem(template=template, **item) for item in cleaned)
    return template


# --- visits --------------------------------------------------------------------------------


def _check_recorder(user) -> None:
    access.require(
        access.can_record_visits(user), _("只有督导员、局机关工作人员或管理员可以记录督导")
    )


def _check_may_change(user, visit: Visit) -> None:
    if visit.locked:
        raise NotAllowed(_("督导记录已提交，不能再修改"))
    access.require(
        access.can_change_visit(user, visit),
        _("只有该次督导的督导人员、局机关工作人员或管理员可以修改督导记录"),
    )


def _check_kind(kind) -> str:
    if kind not in VisitKind.values:
        raise DomainError(_("督导类型只能是 %(kinds)s") % {"kinds": "、".join(VisitKind.values)})
    return kind


def _inspector_list(inspectors, user) -> list:
    people = list(inspectors or [])
    if access.role_of(user) == Role.INSPECTOR and user not in people:  # the recorder goes too
        people.append(user)
    wrong = [str(p) for p in people if not access.can_be_inspector(p)]
    if wrong:
        raise DomainError(_("以下用户不能作为督导人员：%(names)s") % {"names": "、".join(wrong)})
    if not people:
        raise DomainError(_("至少要有一名督导人员"))
    return people


def _item_label(item: ChecklistItem) -> str:
    return f"{item.group}·{item.text}"


def _clean_scores(checklist: ChecklistTemplate, scores) -> dict[int, dict]:
    """Scores by item id: ``points``, ``level``, ``comment``; each checked against its item."""
    items = {i.pk: i for i in checklist.items.all()}
    cleaned: dict[int, dict] = {}
    for raw in scores or []:
        item = items.get(raw.get("item"))
        if item is None:
            raise DomainError(
                _("评分项 %(item)s 不属于检查表“%(checklist)s”")
                % {"item": raw.get("item"), "checklist": checklist}
            )
        if item.pk in cleaned:
            raise DomainError(_("检查项“%(item)s”评了两次") % {"item": _item_label(item)})
        comment = str(raw.get("comment") or "").strip()
        level = str(raw.get("level") or "").strip()
        points = raw.get("points")
        if item.kind == ItemKind.LEVEL:
            if points is not None and not level:
                raise DomainError(
                    _("检查项“%(item)s”按等级评分，请选择等级：%(levels)s")
                    % {"item": _item_label(item), "levels": "、".join(ordered_levels(item.levels))}
                )
            if level:
                points = level_points(item.levels, level)
                if points is None:
                    raise DomainError(
                        _("检查项“%(item)s”没有等级“%(level)s”，只能是 %(levels)s")
                        % {
                            "item": _item_label(item),
                            "level": level,
                            "levels": "、".join(ordered_levels(item.levels)),
                        }
                    )
        else:
            if level:
                raise DomainError(
                    _("检查项“%(item)s”按分数评分，请填写得分") % {"item": _item_label(item)}
                )
            if points is not None:
                points = _number(
                    points, _("检查项“%(item)s”的得分必须是数字") % {"item": _item_label(item)}
                )
                if not 0 <= points <= item.max_points:
                    raise DomainError(
                        _("检查项“%(item)s”的得分须在 0 到 %(max)s 之间")
                        % {"item": _item_label(item), "max": f"{item.max_points:g}"}
                    )
        cleaned[item.pk] = {"points": points, "level": level, "comment": comment}
    return cleaned


def _store_scores(visit: Visit, cleaned: dict[int, dict]) -> None:
    for item_id, values in cleaned.items():
        VisitScore.objects.update_or_create(visit=visit, item_id=item_id, defaults=values)


@transaction.atomic
def visit_create(
    *,
    user,
    school: School,
    date: datetime.date,
    kind: str,
    checklist: ChecklistTemplate,
    inspectors=(),
    scores=(),
    findings: str = "",
) -> Visit:
    """A draft visit. An inspector who records it is among its inspectors. Freezes the
    checklist; only the latest version of a checklist can be used for a new visit."""
    _check_recorder(user)
    _check_kind(kind)
    latest = ChecklistTemplate.objects.filter(family=checklist.family).aggregate(v=Max("version"))[
        "v"
    ]
    if checklist.version != latest:
        raise DomainError(
            _("检查表“%(name)s”已有新版本（第%(latest)s版），请使用最新版本")
            % {"name": checklist.name, "latest": latest}
        )
    people = _inspector_list(inspectors, user)
    cleaned = _clean_scores(checklist, scores)
    visit = Visit.objects.create(
        school=school,
        date=date,
        kind=kind,
        checklist=checklist,
        findings=(findings or "").strip(),
        created_by=user,
    )
    visit.inspectors.set(people)
    _store_scores(visit, cleaned)
    if not checklist.frozen:
        checklist.frozen = True
        checklist.save(update_fields=["frozen"])
    return visit


UNCHANGED: Any = object()


@transaction.atomic
def visit_update(
    *,
    visit: Visit,
    user,
    school: School = UNCHANGED,
    date: datetime.date = UNCHANGED,
    kind: str = UNCHANGED,
    checklist: ChecklistTemplate = UNCHANGED,
    inspectors=UNCHANGED,
    scores=UNCHANGED,
    findings: str = UNCHANGED,
) -> Visit:
    """Changes a draft; only the arguments given. ``scores`` are merged item by item (points
    None and no level clears an item). The checklist cannot be changed."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    _check_may_change(user, visit)
    if checklist is not UNCHANGED and checklist.pk != visit.checklist_id:
        raise DomainError(_("督导记录的检查表不能更换，请新建督导记录"))
    fields = []
    if school is not UNCHANGED:
        visit.school = school
        fields.append("school")
    if date is not UNCHANGED:
        visit.date = date
        fields.append("date")
    if kind is not UNCHANGED:
        visit.kind = _check_kind(kind)
        fields.append("kind")
    if findings is not UNCHANGED:
        visit.findings = (findings or "").strip()
        fields.append("findings")
    if inspectors is not UNCHANGED:
        visit.inspectors.set(_inspector_list(inspectors, user))
    if scores is not UNCHANGED:
        _store_scores(visit, _clean_scores(visit.checklist, scores))
    if fields:
        visit.save(update_fields=fields)
    return visit


@transaction.atomic
def visit_submit(*, visit: Visit, user) -> Visit:
    """Submits a draft whose every item is scored; it is locked from then on."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    _check_may_change(user, visit)
    scored = set(visit.scores.filter(points__isnull=False).values_list("item_id", flat=True))
    missing = [_item_label(i) for i in visit.checklist.items.all() if i.pk not in scored]
    if missing:
        raise DomainError(
            _("以下检查项尚未评分，不能提交：%(items)s") % {"items": "；".join(missing)},
            details=missing,
            code="unscored",
        )
    visit.status = VisitStatus.SUBMITTED
    visit.submitted_at = timezone.now()
    visit.save(update_fields=["status", "submitted_at"])
    return visit


# --- rectifications (整改) -----------------------------------------------------------------

ANSWERABLE = {RectificationStatus.OPEN, RectificationStatus.REOPENED}


def _event(task: RectificationTask, user, action: str, text: str = "") -> None:
    RectificationEvent.objects.create(task=task, by=user, action=action, text=text)


@transaction.atomic
def rectification_create(
    *,
    user,
    school: School,
    visit: Visit | None = None,
    title: str,
    detail: str = "",
    severity: str = Severity.MEDIUM,
    deadline: datetime.date,
    responsible: str = "",
) -> RectificationTask:
    """A task for a school to put something right by ``deadline``, ``open``; optionally from
    one of that school's visits."""
    access.require(
        access.can_record_visits(user), _("只有督导员、局机关工作人员或管理员可以下达整改")
    )
    title = (title or "").strip()
    if not title:
        raise DomainError(_("整改问题不能为空"))
    if severity not in Severity.values:
        raise DomainError(_("严重程度只能是 %(values)s") % {"values": "、".join(Severity.values)})
    if deadline is None:
        raise DomainError(_("请填写整改期限"))
    if visit is not None and visit.school_id != school.pk:
        raise DomainError(_("督导记录不是该校的，不能据此下达整改"))
    task = RectificationTask.objects.create(
        school=school,
        visit=visit,
        title=title,
        detail=(detail or "").strip(),
        severity=severity,
        deadline=deadline,
        responsible=(responsible or "").strip(),
        created_by=user,
    )
    _event(task, user, RectificationAction.CREATED, task.detail)
    return task


@transaction.atomic
def rectification_answer(*, task: RectificationTask, user, text: str) -> RectificationTask:
    """The school's answer (what was done); only while ``open`` or ``reopened``."""
    task = RectificationTask.objects.select_for_update().get(pk=task.pk)
    access.require(
        access.can_answer_rectification(user, task),
        _("只有该校校长、局机关工作人员或管理员可以答复整改"),
    )
    if task.status not in ANSWERABLE:
        raise DomainError(
            _("整改事项%(status)s，不能答复") % {"status": task.get_status_display()},
            code="wrong_status",
        )
    text = (text or "").strip()
    if not text:
        raise DomainError(_("请填写整改情况"))
    task.status = RectificationStatus.ANSWERED
    task.save(update_fields=["status"])
    _event(task, user, RectificationAction.ANSWERED, text)
    return task


@transaction.atomic
def rectification_verify(
    *, task: RectificationTask, user, accepted: bool, reason: str = ""
) -> RectificationTask:
    """Checks an answer: accepted closes the task (销号), otherwise it goes back to the school
    (``reopened``) with a reason."""
    task = RectificationTask.objects.select_for_update().get(pk=task.pk)
    access.require(
        access.can_record_visits(user), _("只有督导员、局机关工作人员或管理员可以验收整改")
    )
    if task.status != RectificationStatus.ANSWERED:
        raise DomainError(
            _("整改事项%(status)s，只有已答复的整改才能验收")
            % {"status": task.get_status_display()},
            code="wrong_status",
        )
    reason = (reason or "").strip()
    if accepted:
        task.status, action = RectificationStatus.CLOSED, RectificationAction.CLOSED
    else:
        if not reason:
            raise DomainError(_("退回重改须说明理由"))
        task.status, action = RectificationStatus.REOPENED, RectificationAction.REOPENED
    task.save(update_fields=["status"])
    _event(task, user, action, reason)
    return task


# --- lesson observations (推门听课) ---------------------------------------------------------


@transaction.atomic
def observation_create(
    *,
    user,
    teacher: Teacher,
    date: datetime.date,
    rating: str,
    class_name: str = "",
    subject: str = "",
    announced: bool = False,
    notes: str = "",
) -> Observation:
    """A lesson the user sat in on, at the teacher's school."""
    access.require(
        access.can_observe(user), _("只有校长、督导员、局机关工作人员或管理员可以记录听课")
    )
    access.require(access.can_observe(user, teacher), _("校长只能记录本校的听课"))
    if rating not in Rating.values:
        raise DomainError(_("评价只能是 %(values)s") % {"values": "、".join(Rating.values)})
    if date is None:
        raise DomainError(_("请填写听课日期"))
    if date > timezone.localdate():
        raise DomainError(_("听课日期不能晚于今天"))
    return Observation.objects.create(
        observer=user,
        school_id=teacher.school_id,
        teacher=teacher,
        class_name=(class_name or "").strip(),
        subject=(subject or "").strip(),
        date=date,
        announced=bool(announced),
        rating=rating,
        notes=(notes or "").strip(),
    )
