"""Demo steps 120-128: the inspections of the demo county's current term.

120 checklists: 教学常规 (备课, 上课, 作业, 辅导, 评价), 寄宿制管理, 课后服务, 校园安全, with points
    and level items; at county size two more inspectors (教研员) ``inspector_2``, ``inspector_3``.
122 visits of most (not all) junior and nine-year schools this term, 教学视导 and 常规督导 on
    the 教学常规 checklist (revised once in October, so version 2 exists and the September
    visits keep version 1), 四不两直 on 校园安全 / 寄宿制, 专项 on 课后服务; a few drafts; findings
    from the weakest items; rectifications from those findings, taken through every state by
    the services (open, answered, reopened, closed; some overdue) with realistic dates.
125 lesson observations by principals, inspectors and staff, some people behind their quota.
128 accountability records (亮红灯, 约谈) linked to visits and an exam.

Every draw comes from the step's ``ctx.rng``; dates are laid out between the start of the term
and today (docs/accountability-demo.md).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from bureau.models import AccessLog, Role, User
from bureau.services import user_upsert
from demo import DemoContext, demo_cleanup, demo_step
from demo.names import person_name
from inspections import services
from inspections.models import (
    AccountabilityKind,
    AccountabilityRecord,
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
from inspections.scoring import ordered_levels
from inspections.services.accountability import accountability_create
from inspections.services.overdue import rectifications_mark_overdue
from schools.models import Locality, School, Stage, TeachingAssignment

VISITED_STAGES = (Stage.JUNIOR, Stage.NINE_YEAR)
EXTRA_INSPECTORS = ("inspector_2", "inspector_3")

# --- checklists ----------------------------------------------------------------------------
# (group, text, guidance, points or levels, weight, finding when scored low)

GOOD3 = {"好": 10, "中": 7, "差": 3}
GOOD4 = {"优": 10, "良": 8, "中": 6, "差": 3}
MEETS = {"达标": 5, "基本达标": 3, "未达标": 0}

TEACHING = (
    (
        "备课",
        "教案齐全，按课时提前一周备课",
        "抽查各学科教案各 3 本；缺一课时扣 1 分，无提前量扣 2 分。",
        10,
        1.0,
        "部分教师教案不全，存在“课后补教案”现象",
    ),
    (
        "备课",
        "集体备课每两周不少于一次，有记录、有分工、有二次备课",
        "查教研组集体备课记录和个人二次备课痕迹。",
        GOOD3,
        1.0,
        "集体备课流于形式，二次备课痕迹少",
    ),
    (
        "备课",
        "教学目标明确，重难点突出，体现学情分析",
        "",
        5,
        1.0,
        "教案中学情分析空泛，教学目标照抄教参",
    ),
    (
        "上课",
        "按课表上课，不随意调课、占课，开齐开足国家课程",
        "推门查课表执行情况；音体美、信息技术课被挤占的一次扣 3 分。",
        10,
        2.0,
        "个别班级音乐、美术课被语数课占用",
    ),
    (
        "上课",
        "课堂教学规范：提前候课，精讲多练，面向全体学生",
        "随堂听课 2 节以上，按课堂评价表评定。",
        GOOD4,
        2.0,
        "课堂以教师讲授为主，学生练习和互动时间不足",
    ),
    (
        "上课",
        "合理使用多媒体和班班通设备",
        "",
        5,
        1.0,
        "班班通设备使用率低，部分教室设备闲置",
    ),
    (
        "作业",
        "作业总量符合“双减”要求，有分层作业、弹性作业",
        "初中书面作业平均完成时间不超过 90 分钟。",
        MEETS,
        2.0,
        "作业总量偏多，分层作业设计不足",
    ),
    (
        "作业",
        "作业全批全改，批改及时、规范，有激励性评语",
        "每班抽查作业本 5 本。",
        10,
        1.0,
        "作业批改不及时，缺少订正和二次批改",
    ),
    (
        "辅导",
        "培优辅差有计划、有记录、有效果",
        "",
        GOOD3,
        1.0,
        "学困生辅导无计划、无记录",
    ),
    (
        "辅导",
        "课后服务中开展答疑辅导，不讲新课",
        "",
        5,
        1.0,
        "课后服务时段存在集体讲授新课现象",
    ),
    (
        "评价",
        "单元检测命题规范，有质量分析和讲评",
        "查近两次单元检测的试卷、成绩登记和质量分析。",
        10,
        1.0,
        "单元检测后缺少质量分析，讲评针对性不强",
    ),
    (
        "评价",
        "学生综合素质评价记录及时、真实",
        "",
        GOOD3,
        1.0,
        "综合素质评价记录滞后",
    ),
)
# Version 2 (October): the 双减 homework item is split into time and design, and 听评课 added.
TEACHING_V2_EXTRA = (
    (
        "作业",
        "建立作业公示制度，年级组统筹控制作业时长",
        "查作业公示栏和年级组作业统筹记录。",
        MEETS,
        1.0,
        "作业公示制度未落实，各科作业缺乏统筹",
    ),
    (
        "评价",
        "落实听评课制度，教师每学期听课不少于 15 节",
        "查听课记录本。",
        5,
        1.0,
        "部分教师听课节数不足，评课记录简单",
    ),
)
HOMEWORK_V2 = "作业总量符合“双减”要求，初中书面作业平均不超过 90 分钟"
BOARDING = (
    (
        "宿舍",
        "宿舍一人一床，床铺整洁，通风良好",
        "",
        10,
        1.0,
        "部分宿舍存在两人一床或床位不足现象",
    ),
    (
        "宿舍",
        "宿管员 24 小时值守，夜间巡查有记录",
        "查值班记录和巡查签到。",
        GOOD3,
        2.0,
        "夜间巡查记录不全，宿管员值守不到位",
    ),
    ("餐饮", "食堂证照齐全，从业人员持健康证上岗", "", MEETS, 2.0, "食堂个别从业人员健康证过期"),
    (
        "餐饮",
        "食品留样 48 小时，陪餐制度落实",
        "查留样柜和校领导陪餐记录。",
        10,
        1.0,
        "食品留样记录不完整，陪餐记录缺失",
    ),
    (
        "生活",
        "学生洗浴、饮水、晾晒等生活设施满足需要",
        "",
        GOOD3,
        1.0,
        "洗浴设施不足，冬季热水供应时间短",
    ),
    ("生活", "寄宿生晚自习和课余活动安排合理", "", 5, 1.0, "寄宿生课余活动单调，晚自习管理松散"),
)
AFTER_SCHOOL = (
    ("组织", "课后服务“5+2”全覆盖，家长自愿申请", "", MEETS, 2.0, "课后服务未实现应开尽开"),
    (
        "内容",
        "开设体育、艺术、科普等兴趣活动，不讲新课",
        "",
        GOOD3,
        2.0,
        "课后服务内容单一，以写作业为主",
    ),
    ("内容", "作业辅导到位，学生在校基本完成书面作业", "", 10, 1.0, "作业辅导效果不明显"),
    ("保障", "课后服务收费和教师补助公示规范", "", 5, 1.0, "课后服务经费公示不及时"),
    ("保障", "放学交接有序，安全台账完整", "", 5, 1.0, "放学交接记录不全"),
)
SAFETY = (
    (
        "制度",
        "安全工作责任制、“一岗双责”落实到人",
        "",
        GOOD3,
        1.0,
        "安全责任书签订不全，责任未落实到人",
    ),
    (
        "设施",
        "消防器材完好有效，疏散通道畅通",
        "现场检查灭火器压力、应急灯和疏散通道。",
        10,
        2.0,
        "部分灭火器压力不足，疏散通道堆放杂物",
    ),
    ("设施", "校舍、围墙、护栏无安全隐患", "", 10, 1.0, "围墙局部开裂，未设警示标志"),
    (
        "门卫",
        "门卫 24 小时值守，外来人员登记，护学岗落实",
        "四不两直：直接到校门查看。",
        GOOD3,
        2.0,
        "外来人员登记不严，上下学护学岗人员不足",
    ),
    (
        "演练",
        "每月开展一次应急疏散演练，有方案、有记录",
        "",
        MEETS,
        1.0,
        "应急演练次数不足，缺少演练评估",
    ),
    ("教育", "防溺水、交通、食品安全教育到班到生", "", 5, 1.0, "防溺水家校告知书回收不全"),
)
TEMPLATES = {
    "teaching": ("教学常规检查", 0.6, TEACHING),
    "boarding": ("寄宿制学校管理检查", 0.6, BOARDING),
    "after": ("课后服务专项检查", 0.6, AFTER_SCHOOL),
    "safety": ("校园安全专项检查", 0.7, SAFETY),
}
RESPONSIBLE = {
    "备课": "教务处主任",
    "上课": "分管教学副校长",
    "作业": "教务处主任",
    "辅导": "年级组长",
    "评价": "教科室主任",
    "宿舍": "政教处主任",
    "餐饮": "总务处主任",
    "生活": "总务处主任",
    "组织": "分管副校长",
    "内容": "教务处主任",
    "保障": "总务处主任",
    "制度": "安全办主任",
    "设施": "总务处主任",
    "门卫": "安全办主任",
    "演练": "安全办主任",
    "教育": "政教处主任",
}
ANSWERS = (
    "已召开专题会议研究整改，制定整改方案，明确责任人；相关记录已补齐，附照片 3 张。",
    "已组织全体教师学习相关要求，逐项对照整改，整改台账已建立。",
    "已完成整改：问题所涉设施已维修更换，并建立每周检查制度。",
    "已对相关教师进行提醒谈话，教研组每周抽查，整改情况在校内公示。",
    "按期限完成整改，整改前后对比材料已报教育局督导室。",
)
REOPEN_REASONS = (
    "整改材料不完整，缺少整改前后对比，请补充后重新报送。",
    "复查发现问题仍然存在，整改不到位，退回重改。",
    "整改措施笼统，未落实到具体责任人和时间节点。",
)
CLOSE_NOTES = ("经复查，已整改到位，同意销号。", "", "整改到位，台账规范。")
OBSERVATION_NOTES = (
    "导入自然，目标明确，学生参与度高。",
    "讲授偏多，学生练习时间不足，建议精讲多练。",
    "板书规范，重难点突出，小组合作有实效。",
    "课堂节奏偏慢，后半节学生注意力分散。",
    "能关注学困生，分层提问设计较好。",
    "多媒体使用得当，作业布置有分层。",
    "教学环节完整，但课堂小结仓促。",
)


def _levels_or_points(spec) -> dict:
    if isinstance(spec, dict):
        return {"kind": ItemKind.LEVEL, "levels": dict(spec)}
    return {"kind": ItemKind.POINTS, "max_points": spec}


def _items(rows) -> list[dict]:
    return [
        {"group": g, "text": t, "guidance": guide, "weight": w, **_levels_or_points(spec)}
        for g, t, guide, spec, w, _finding in rows
    ]


def _findings(rows) -> dict[str, str]:
    return {text: finding for _g, text, _guide, _spec, _w, finding in rows}


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@dataclass
class Calendar:
    """The current term and the demo's "today" (never before the term's sixth week)."""

    start: datetime.date
    end: datetime.date
    today: datetime.date
    year_start: datetime.date

    @classmethod
    def of(cls, ctx: DemoContext) -> Calendar:
        term = ctx.terms[(ctx.current_year.name, 1)]
        today = timezone.localdate()
        end = max(min(today, term.end), term.start + datetime.timedelta(days=42))
        return cls(start=term.start, end=end, today=today, year_start=ctx.current_year.start)

    def day(self, fraction: float) -> datetime.date:
        span = (self.end - self.start).days
        return self.start + datetime.timedelta(days=int(round(span * fraction)))


def _extra(ctx: DemoContext) -> dict:
    return ctx.extra.setdefault("inspections", {})


# --- step 120: checklists and inspectors ---------------------------------------------------


@demo_step(order=120)
def checklists_and_inspectors(ctx: DemoContext) -> None:
    rng = ctx.rng
    staff = ctx.users["staff"]
    cal = Calendar.of(ctx)
    templates = {}
    for key, (name, mark, rows) in TEMPLATES.items():
        templates[key] = services.checklist_create(
            name=name, pass_mark=mark, items=_items(rows), user=staff
        )
    before = _at(cal.start - datetime.timedelta(days=12), 9)
    ChecklistTemplate.objects.filter(pk__in=[t.pk for t in templates.values()]).update(
        created_at=before
    )
    _extra(ctx)["templates"] = templates

    inspectors = [ctx.users["inspector"]]
    if ctx.county:
        hashed = ctx.users["inspector"].password
        for username in EXTRA_INSPECTORS:
            User.objects.update_or_create(username=username, defaults={"password": hashed})
            ctx.users[username], _ = user_upsert(
                username=username,
                role=Role.INSPECTOR,
                school_code=None,
                password=None,
                full_name=person_name(rng, gender=rng.choice("MF"), birth_year=1978),
            )
            inspectors.append(ctx.users[username])
    _extra(ctx)["inspectors"] = inspectors
    ctx.log(f"检查表 {len(templates)} 张；督导员 {len(inspectors)} 名")


# --- step 122: visits and rectifications ---------------------------------------------------


@dataclass
class PlannedVisit:
    school: School
    date: datetime.date
    kind: str
    key: str  # which template
    quality: float
    draft: bool = False


def _plan_visits(ctx: DemoContext, cal: Calendar) -> tuple[list[PlannedVisit], list, School]:
    rng = ctx.rng
    schools = [s for s in ctx.schools if s.stage in VISITED_STAGES]
    principal_school = ctx.principal_school
    others = [s for s in schools if s != principal_school]
    unvisited = rng.sample(others, max(1, round(len(schools) * 0.25)))
    visited = [s for s in schools if s not in unvisited]
    rural = [s for s in visited if s.locality == Locality.RURAL] or [
        s for s in visited if s != principal_school
    ]
    weak = rng.choice(rural)
    base = {Locality.URBAN: 0.84, Locality.TOWN: 0.74, Locality.RURAL: 0.64}
    plans: list[PlannedVisit] = []
    for school in visited:
        quality = base[school.locality] + rng.gauss(0, 0.05)
        if school == weak:
            quality = 0.5
        count = (
            rng.choice((2, 2, 3))
            if school in (principal_school, weak)
            else rng.choice((1, 2, 2, 3))
        )
        # The first visit of a school is a 教学视导 (or a 常规督导) on 教学常规.
        kinds = [
            (rng.choice((VisitKind.TEACHING, VisitKind.TEACHING, VisitKind.ROUTINE)), "teaching")
        ]
        for _ in range(count - 1):
            if school.boarding and rng.random() < 0.4:
                kinds.append((VisitKind.UNANNOUNCED, "boarding"))
            else:
                kinds.append(
                    rng.choice(
                        (
                            (VisitKind.UNANNOUNCED, "safety"),
                            (VisitKind.UNANNOUNCED, "safety"),
                            (VisitKind.SPECIAL, "after"),
                            (VisitKind.TEACHING, "teaching"),
                        )
                    )
                )
        fractions = sorted(rng.uniform(0.05, 0.93) for _ in kinds)
        for (kind, key), fraction in zip(kinds, fractions, strict=True):
            plans.append(
                PlannedVisit(
                    school=school,
                    date=cal.day(fraction),
                    kind=kind,
                    key=key,
                    quality=quality + rng.gauss(0, 0.04),
                )
            )
    # The principal's school and the weak one have one early visit each (so that their
    # rectifications have had time to run late), and an unannounced visit exists.
    for school, fraction in ((principal_school, 0.12), (weak, 0.18)):
        first = min((p for p in plans if p.school == school), key=lambda p: p.date)
        first.date = cal.day(fraction)
    if not any(p.kind == VisitKind.UNANNOUNCED for p in plans):
        plans[-1].kind, plans[-1].key = VisitKind.UNANNOUNCED, "safety"
    plans.sort(key=lambda p: (p.date, p.school.code))
    # The latest few are still drafts (not the principal's school: it needs submitted ones).
    drafts = [p for p in reversed(plans) if p.school != principal_school][: 3 if ctx.county else 1]
    for plan in drafts:
        plan.draft = True
    return plans, unvisited, weak


def _score(rng, item: ChecklistItem, quality: float) -> tuple[float, str, float]:
    """Points, level and the share of the item's maximum."""
    share = min(1.0, max(0.15, quality + rng.gauss(0, 0.13)))
    if item.kind == ItemKind.LEVEL:
        names = ordered_levels(item.levels)
        level = min(names, key=lambda n: abs(item.levels[n] / item.max_points - share))
        points = float(item.levels[level])
        return points, level, points / item.max_points
    points = round(item.max_points * share * 2) / 2
    return points, "", points / item.max_points


def _inspectors_for(rng, pool: list, staff) -> list:
    people = [rng.choice(pool)]
    if len(pool) > 1 and rng.random() < 0.35:
        people.append(rng.choice([p for p in pool if p not in people]))
    if rng.random() < 0.25:
        people.append(staff)
    return people


@demo_step(order=122)
def visits_and_rectifications(ctx: DemoContext) -> None:
    rng = ctx.rng
    cal = Calendar.of(ctx)
    staff = ctx.users["staff"]
    extra = _extra(ctx)
    templates: dict[str, ChecklistTemplate] = dict(extra["templates"])
    pool = extra["inspectors"]
    findings_of = {
        key: _findings(rows)
        for key, rows in (
            ("teaching", TEACHING + TEACHING_V2_EXTRA),  # and HOMEWORK_V2, below
            ("boarding", BOARDING),
            ("after", AFTER_SCHOOL),
            ("safety", SAFETY),
        )
    }
    findings_of["teaching"][HOMEWORK_V2] = findings_of["teaching"][TEACHING[6][1]]
    plans, unvisited, weak = _plan_visits(ctx, cal)
    revision_day = cal.day(0.3)

    visits: list[Visit] = []
    scored: dict[int, list[tuple[ChecklistItem, float]]] = {}
    revised = False
    for plan in plans:
        if plan.key == "teaching" and not revised and plan.date >= revision_day:
            revised = _revise_teaching(ctx, templates, revision_day, visits)
        template = templates[plan.key]
        visit, shares = _record_visit(rng, plan, template, pool, staff, findings_of[plan.key])
        visits.append(visit)
        scored[visit.pk] = shares
    if not revised:
        _revise_teaching(ctx, templates, revision_day, visits)
    ChecklistTemplate.objects.filter(visits__isnull=False).update(frozen=True)

    tasks = _rectifications(ctx, cal, visits, scored, findings_of)
    extra.update({"visits": visits, "unvisited": unvisited, "weak": weak, "tasks": tasks})
    submitted = [v for v in visits if v.status == VisitStatus.SUBMITTED]
    states = defaultdict(int)
    for task in tasks:
        states[task.status] += 1
    overdue = sum(1 for t in tasks if t.is_overdue(cal.today))
    ctx.log(
        f"督导 {len(visits)} 次（已提交 {len(submitted)}，草稿 {len(visits) - len(submitted)}），"
        f"未督导学校 {len(unvisited)} 所；整改 {len(tasks)} 项 "
        + "、".join(f"{RectificationStatus(s).label} {n}" for s, n in sorted(states.items()))
        + f"，逾期 {overdue}；薄弱学校：{weak.name}"
    )


def _revise_teaching(ctx, templates, day, visits) -> bool:
    """教学常规 version 2, made once the September visits have frozen version 1."""
    old = templates["teaching"]
    if not any(v.checklist_id == old.pk for v in visits):
        return False
    ChecklistTemplate.objects.filter(pk=old.pk).update(frozen=True)
    items = _items(TEACHING)
    items[6]["text"] = HOMEWORK_V2
    items.extend(_items(TEACHING_V2_EXTRA))
    new = services.checklist_revise(
        template=old, name=old.name, pass_mark=old.pass_mark, items=items, user=ctx.users["staff"]
    )
    ChecklistTemplate.objects.filter(pk=new.pk).update(created_at=_at(day, 16))
    templates["teaching"] = new
    return True


def _record_visit(rng, plan: PlannedVisit, template, pool, staff, findings_of):
    """A visit with its scores and findings, stored directly (the services' checks are
    the demo's own plan: every item scored once, within its range)."""
    items = list(template.items.all())
    people = sorted(_inspectors_for(rng, pool, staff), key=lambda u: u.username)
    people.sort(key=lambda u: u.role != Role.INSPECTOR)  # an inspector first: the recorder
    shares = []
    scores = []
    for item in items:
        points, level, share = _score(rng, item, plan.quality)
        if plan.draft and rng.random() < 0.4:
            continue  # a draft is not finished yet
        scores.append(VisitScore(item=item, points=points, level=level))
        shares.append((item, share))
    # Every visit finds something: its two or three weakest items (the weakest two always).
    ranked = sorted(shares, key=lambda pair: (pair[1], pair[0].order))
    weakest = ranked[:2] + [pair for pair in ranked[2:3] if pair[1] < 0.85]
    lines = [findings_of[item.text] for item, _share in weakest]
    findings = "\n".join(f"{n}. {line}" for n, line in enumerate(lines, start=1))
    visit = Visit.objects.create(
        school=plan.school,
        date=plan.date,
        kind=plan.kind,
        checklist=template,
        findings=findings,
        status=VisitStatus.DRAFT if plan.draft else VisitStatus.SUBMITTED,
        submitted_at=None if plan.draft else _at(plan.date, 17, rng.randrange(60)),
        created_by=people[0],
    )
    visit.inspectors.set(people)
    for score in scores:
        score.visit = visit
    VisitScore.objects.bulk_create(scores)
    Visit.objects.filter(pk=visit.pk).update(created_at=_at(plan.date, 16, rng.randrange(60)))
    return visit, weakest


@dataclass
class TaskPlan:
    visit: Visit
    item: ChecklistItem
    share: float
    status: str
    overdue: bool
    reopen_cycle: bool = False


def _task_plans(ctx, cal: Calendar, visits, scored) -> list[TaskPlan]:
    rng = ctx.rng
    plans: list[TaskPlan] = []
    for visit in visits:
        if visit.status != VisitStatus.SUBMITTED:
            continue
        for item, share in scored[visit.pk]:
            status = rng.choices(
                (
                    RectificationStatus.CLOSED,
                    RectificationStatus.ANSWERED,
                    RectificationStatus.REOPENED,
                    RectificationStatus.OPEN,
                ),
                weights=(35, 20, 15, 30),
            )[0]
            plans.append(TaskPlan(visit, item, share, status, overdue=rng.random() < 0.35))
    # The principal's school: one task to answer that is not late yet, one that is.
    own = [p for p in plans if p.visit.school == ctx.principal_school]
    for plan, overdue in zip(own[:2], (True, False), strict=False):
        plan.status, plan.overdue = RectificationStatus.OPEN, overdue
    rest = [p for p in plans if p not in own[:2]]
    # Every state at least once, and a late answered task.
    for plan, status in zip(
        rest,
        (
            RectificationStatus.CLOSED,
            RectificationStatus.ANSWERED,
            RectificationStatus.REOPENED,
            RectificationStatus.OPEN,
        ),
        strict=False,
    ):
        plan.status = status
    for plan in plans:
        plan.reopen_cycle = plan.status == RectificationStatus.REOPENED or (
            plan.status in (RectificationStatus.CLOSED, RectificationStatus.ANSWERED)
            and rng.random() < 0.3
        )
        if plan.status == RectificationStatus.CLOSED:
            plan.overdue = False
    return plans


def _deadline(rng, cal: Calendar, created: datetime.date, plan: TaskPlan) -> datetime.date:
    days = datetime.timedelta
    if plan.overdue and created + days(7) <= cal.today - days(1):
        return created + days(rng.randint(7, max(7, min(30, (cal.today - created).days - 1))))
    plan.overdue = False
    if plan.status == RectificationStatus.CLOSED:
        return created + days(rng.choice((14, 21, 30)))
    low = max(created + days(14), cal.today)
    return low + days(rng.randint(0, 30))


def _step_times(rng, start: datetime.datetime, steps: int, limit: datetime.datetime) -> list:
    """``steps`` times after ``start``, a few days apart, all before ``limit``."""
    gaps = [rng.uniform(1.5, 8.0) for _ in range(steps)]
    room = (limit - start).total_seconds() / 86400
    scale = min(1.0, room * 0.9 / sum(gaps)) if gaps else 1.0
    times, at = [], start
    for gap in gaps:
        at = at + datetime.timedelta(days=gap * scale)
        times.append(at)
    return times


def _rectifications(ctx, cal: Calendar, visits, scored, findings_of) -> list[RectificationTask]:
    rng = ctx.rng
    staff = ctx.users["staff"]
    principals = {
        u.school_id: u for u in ctx.users.values() if u.role == Role.PRINCIPAL and u.school_id
    }
    now = min(timezone.now(), _at(cal.end, 18))
    findings = {}
    for texts in findings_of.values():
        findings.update(texts)
    tasks = []
    for plan in _task_plans(ctx, cal, visits, scored):
        visit = plan.visit
        people = sorted(visit.inspectors.all(), key=lambda u: u.username)
        inspector = next((p for p in people if p.role == Role.INSPECTOR), people[0])
        answerer = principals.get(visit.school_id, staff)
        created = visit.date + datetime.timedelta(days=rng.randint(1, 3))
        deadline = _deadline(rng, cal, created, plan)
        severity = (
            Severity.HIGH
            if plan.share < 0.4
            else Severity.MEDIUM
            if plan.share < 0.65
            else Severity.LOW
        )
        task = services.rectification_create(
            user=inspector,
            school=visit.school,
            visit=visit,
            title=findings[plan.item.text],
            detail=f"对照“{plan.item.group}·{plan.item.text}”逐项整改，"
            f"于 {deadline:%Y年%m月%d日} 前将整改报告及佐证材料报教育局督导室。",
            severity=severity,
            deadline=deadline,
            responsible=RESPONSIBLE.get(plan.item.group, "分管副校长"),
        )
        steps = []  # (service call, kwargs) after the creation
        if plan.status != RectificationStatus.OPEN:
            steps.append(("answer", answerer))
            if plan.reopen_cycle:
                steps.append(("reopen", inspector))
                if plan.status != RectificationStatus.REOPENED:
                    steps.append(("answer", answerer))
            if plan.status == RectificationStatus.CLOSED:
                steps.append(("close", inspector))
        for action, user in steps:
            if action == "answer":
                task = services.rectification_answer(task=task, user=user, text=rng.choice(ANSWERS))
            elif action == "reopen":
                task = services.rectification_verify(
                    task=task, user=user, accepted=False, reason=rng.choice(REOPEN_REASONS)
                )
            else:
                task = services.rectification_verify(
                    task=task, user=user, accepted=True, reason=rng.choice(CLOSE_NOTES)
                )
        start = _at(created, 9, rng.randrange(60))
        limit = max(now, start + datetime.timedelta(hours=len(steps) + 1))
        times = [start, *_step_times(rng, start, len(steps), limit)]
        RectificationTask.objects.filter(pk=task.pk).update(created_at=start)
        for event, at in zip(task.events.order_by("pk"), times, strict=True):
            RectificationEvent.objects.filter(pk=event.pk).update(at=at)
        tasks.append(task)
    # The daily job's marks, dated the day after each deadline.
    rectifications_mark_overdue(today=cal.today)
    for task in RectificationTask.objects.filter(overdue_since__isnull=False):
        late = task.deadline + datetime.timedelta(days=1)
        task.overdue_since = late
        task.save(update_fields=["overdue_since"])
        task.events.filter(action=RectificationAction.OVERDUE).update(at=_at(late, 1))
    return list(RectificationTask.objects.filter(pk__in=[t.pk for t in tasks]).order_by("pk"))


# --- step 125: lesson observations ---------------------------------------------------------


@demo_step(order=125)
def observations(ctx: DemoContext) -> None:
    rng = ctx.rng
    cal = Calendar.of(ctx)
    extra = _extra(ctx)
    lessons = _lessons(ctx)
    principals = sorted(
        (u for u in ctx.users.values() if u.role == Role.PRINCIPAL and u.school_id),
        key=lambda u: u.username,
    )
    rows: list[Observation] = []
    for user in principals:
        if user.username == "principal":
            done = rng.randint(9, 14)  # the demo principal is behind
        else:
            done = rng.choice((rng.randint(16, 40), rng.randint(30, 49), rng.randint(50, 58)))
        rows += _observe(rng, user, lessons.get(user.school_id, []), done, cal.start, cal.end)
    visited = defaultdict(set)
    for visit in extra.get("visits", []):
        for person in visit.inspectors.all():
            visited[person.pk].add(visit.school_id)
    for n, user in enumerate(extra["inspectors"]):
        done = (rng.randint(26, 34), rng.randint(44, 52), rng.randint(15, 22))[n % 3]
        schools = sorted(visited.get(user.pk) or lessons)
        pool = [lesson for sid in schools for lesson in lessons.get(sid, [])]
        rows += _observe(rng, user, pool, done, cal.year_start, cal.end)
    staff_pool = [lesson for sid in sorted(lessons) for lesson in lessons[sid]]
    rows += _observe(rng, ctx.users["staff"], staff_pool, rng.randint(4, 8), cal.start, cal.end)
    Observation.objects.bulk_create(rows, batch_size=2000)
    ctx.log(
        f"听课记录 {len(rows)} 条：校长 {len(principals)} 名、督导员 {len(extra['inspectors'])} 名"
    )


def _lessons(ctx: DemoContext) -> dict[int, list[tuple]]:
    """(school id, teacher id, class name, subject) of this year's teaching, by school."""
    schools = [s.pk for s in ctx.schools if s.stage in VISITED_STAGES]
    lessons: dict[int, list[tuple]] = defaultdict(list)
    rows = (
        TeachingAssignment.objects.filter(
            academic_year=ctx.current_year, school_class__school_id__in=schools
        )
        .select_related("school_class", "subject")
        .order_by("pk")
    )
    for a in rows:
        lessons[a.school_class.school_id].append(
            (a.school_class.school_id, a.teacher_id, a.school_class.name, a.subject.name)
        )
    return dict(lessons)


def _observe(rng, user, pool, count, start, end) -> list[Observation]:
    if not pool:
        return []
    span = (end - start).days
    rows = []
    for _ in range(count):
        school_id, teacher_id, class_name, subject = rng.choice(pool)
        rows.append(
            Observation(
                observer=user,
                school_id=school_id,
                teacher_id=teacher_id,
                class_name=class_name,
                subject=subject,
                date=start + datetime.timedelta(days=rng.randint(0, span)),
                announced=rng.random() < 0.2,
                rating=rng.choices(Rating.values, weights=(25, 45, 25, 5))[0],
                notes=rng.choice(OBSERVATION_NOTES),
            )
        )
    return rows


# --- step 128: accountability --------------------------------------------------------------


@demo_step(order=128)
def accountability(ctx: DemoContext) -> None:
    rng = ctx.rng
    cal = Calendar.of(ctx)
    staff = ctx.users["staff"]
    extra = _extra(ctx)
    weak = extra["weak"]
    visits = [v for v in extra["visits"] if v.status == VisitStatus.SUBMITTED]
    records = []
    failed = [v for v in visits if v.school == weak]
    last = max(v.date for v in failed) if failed else cal.end
    records.append(
        accountability_create(
            kind=AccountabilityKind.WARNING,
            school=weak,
            date=min(cal.today, last + datetime.timedelta(days=rng.randint(3, 7))),
            reason="本学期督导综合得分率低于合格线，教学常规和安全管理问题突出，"
            "整改不力，予以亮红灯警示，限期整改，整改期间取消评优评先资格。",
            visits=failed,
            user=staff,
        )
    )
    late = [
        t
        for t in extra["tasks"]
        if t.is_overdue(cal.today) and t.school != weak and t.school != ctx.principal_school
    ]
    if late:
        school = late[0].school
        principal = next(
            (
                u
                for u in ctx.users.values()
                if u.role == Role.PRINCIPAL and u.school_id == school.pk
            ),
            None,
        )
        name = str(principal) if principal else person_name(rng, gender="M", birth_year=1973)
        records.append(
            accountability_create(
                kind=AccountabilityKind.INTERVIEW,
                school=school,
                person=f"校长 {name}",
                date=min(
                    cal.today,
                    max(t.deadline for t in late if t.school == school)
                    + datetime.timedelta(days=rng.randint(2, 6)),
                ),
                reason="督导反馈问题整改逾期未完成，约谈校长，要求一周内报送整改方案。",
                visits=sorted({t.visit for t in late if t.school == school}, key=lambda v: v.pk),
                user=staff,
            )
        )
    exam = (ctx.extra.get("exams") or {}).get("exams", {}).get("g9-joint")
    if exam is not None:
        from exams.models import Level, UnitStat

        lowest = (
            UnitStat.objects.filter(exam=exam, level=Level.SCHOOL, subject="total", sat__gt=0)
            .exclude(composite__isnull=True)
            .exclude(school__in=[r.school for r in records])
            .order_by("composite", "school__code")
            .select_related("school")
            .first()
        )
        if lowest is not None:
            records.append(
                accountability_create(
                    kind=AccountabilityKind.INTERVIEW,
                    school=lowest.school,
                    person="分管教学副校长",
                    date=min(cal.today, exam.date + datetime.timedelta(days=12)),
                    reason=f"《{exam.name}》综合指数全县末位，较上次考试明显下滑，"
                    "约谈分管教学副校长，分析原因并制定质量提升计划。",
                    visits=[v for v in visits if v.school == lowest.school][:1],
                    exams=[exam],
                    user=staff,
                )
            )
    for record in records:
        AccountabilityRecord.objects.filter(pk=record.pk).update(created_at=_at(record.date, 15))
    ctx.log("问责记录 " + "、".join(f"{r.school.name}{r.get_kind_display()}" for r in records))


# --- reset ---------------------------------------------------------------------------------


@demo_cleanup(order=120)
def delete_inspections(ctx: DemoContext) -> None:
    """Every accountability record, observation, rectification, visit and checklist goes
    (they point at the registry, which goes too), and the extra inspectors."""
    AccountabilityRecord.objects.all().delete()
    Observation.objects.all().delete()
    RectificationEvent.objects.all().delete()
    RectificationTask.objects.all().delete()
    VisitScore.objects.all().delete()
    Visit.objects.all().delete()
    ChecklistItem.objects.all().delete()
    ChecklistTemplate.objects.all().delete()
    extra = User.objects.filter(Q(username__in=EXTRA_INSPECTORS), is_superuser=False)
    AccessLog.objects.filter(user__in=extra).delete()
    extra.delete()
    ctx.log("已删除检查表、督导记录、整改、听课与问责记录")
