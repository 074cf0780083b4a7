"""The demo year's reward scheme and evaluation (steps 130–132 of ``load_demo``).

The scheme has the seed's awards (中考质量奖, 中考优秀学科组奖, 高中优秀生源学校奖,
优秀班主任奖, 中考成绩进步学校奖, 综合表彰奖) with one rule each of SPEC §7; the two target
awards are added only when the demo has targets (otherwise skipped with a note). It is
computed, one line is adjusted with its reason, and the leader approves it. The evaluation
lists come from the demo exams; one 末位 warning is turned into a 约谈 record."""

from __future__ import annotations

from demo import DemoContext, demo_cleanup, demo_step
from exams.models import Level, UnitStat
from rewards.models import AwardLine, Evaluation, EvaluationDecision, LastPlaceAction, Scheme
from rewards.selectors.evaluations import evaluation_rows
from rewards.selectors.targets import target_exists
from rewards.services.evaluations import evaluation_configure, last_place_summon
from rewards.services.lines import line_adjust
from rewards.services.schemes import scheme_approve, scheme_compute, scheme_create

SCHEME_CODE = "2026-quality-awards"
# The targets demo's 中考 targets (demo/steps/targets.py): 优秀生人数 pays per student over the
# school's quota (高中优秀生源学校奖), 及格人数 rewards the schools that reach theirs.
EXCELLENT_TARGET = "ZK-EXCELLENT"
PASSING_TARGET = "ZK-PASS"  # noqa: S105 - a target code, not a password


def _class_threshold(exam) -> float | None:
    """The class-level total composite of the top tenth of the exam's classes (rounded
    down to a whole number): a plausible bar for 优秀班主任奖."""
    values = sorted(
        UnitStat.objects.filter(
            exam=exam, level=Level.CLASS, subject="total", sat__gt=0, composite__isnull=False
        ).values_list("composite", flat=True),
        reverse=True,
    )
    if not values:
        return None
    return float(int(values[max(0, len(values) // 10 - 1)]))


def _awards(ctx: DemoContext, exams: dict) -> list[dict]:
    joint, base = exams["g9-joint"], exams["g8-final"]
    awards = [
        {
            "name": "中考质量奖",
            "recipient": "school",
            "rule": "top_k",
            "exam": joint.code,
            "subject": "total",
            "amounts": {"1": 30000, "2": 20000, "3": 15000},
            "min_participation": 0.95,
        },
        {
            "name": "中考优秀学科组奖",
            "recipient": "subject_group",
            "rule": "top_k",
            "exam": joint.code,
            "subject": "数学",
            "k": 3,
            "amount": 5000,
            "min_sat": 20,
        },
        {
            "name": "中考成绩进步学校奖",
            "recipient": "school",
            "rule": "progress",
            "exam": joint.code,
            "baseline_exam": base.code,
            "subject": "total",
            "k": 3,
            "amount": 10000,
        },
        {
            "name": "综合表彰奖",
            "rule": "manual",
            "entries": [
                {
                    "recipient": ctx.schools[0].name,
                    "school": ctx.schools[0].code,
                    "amount": 8000,
                    "reason": "教育集团牵头学校，帮扶薄弱学校成效显著",
                },
                {
                    "recipient": ctx.schools[-1].name,
                    "school": ctx.schools[-1].code,
                    "amount": 5000,
                    "reason": "乡村学校控辍保学与教学常规管理成绩突出",
                },
            ],
        },
    ]
    bar = _class_threshold(joint)
    if bar is not None:
        awards.insert(
            2,
            {
                "name": "优秀班主任奖",
                "recipient": "class",
                "rule": "threshold",
                "exam": joint.code,
                "subject": "total",
                "metric": "composite",
                "value": bar,
                "amount": 2000,
                "min_participation": 0.95,
            },
        )
    if target_exists(EXCELLENT_TARGET) and target_exists(PASSING_TARGET):
        awards.insert(
            2,
            {
                "name": "高中优秀生源学校奖",
                "recipient": "school",
                "rule": "per_student",
                "target": EXCELLENT_TARGET,
                "per_student": 1000,
                "cap": 30000,
            },
        )
        awards.append(
            {
                "name": "目标完成奖",
                "recipient": "school",
                "rule": "target_attained",
                "target": PASSING_TARGET,
                "amount": 5000,
            }
        )
    else:
        ctx.log(
            f"没有目标 {EXCELLENT_TARGET}、{PASSING_TARGET}：高中优秀生源学校奖（per_student）与目标完成奖暂不设"
        )
    return awards


@demo_step(order=130)
def reward_scheme(ctx: DemoContext) -> None:
    exams = (ctx.extra.get("exams") or {}).get("exams") or {}
    if "g9-joint" not in exams or "g8-final" not in exams:
        ctx.log("没有演示考试，跳过奖励方案")
        return
    staff, leader = ctx.users["staff"], ctx.users["leader"]
    scheme = scheme_create(
        data={
            "code": SCHEME_CODE,
            "year": ctx.current_year.name,
            "name": f"{ctx.current_year.name}学年中小学教育教学质量奖励方案",
            "budget": 80000,
            "scale_to_budget": True,
            "awards": _awards(ctx, exams),
        },
        user=staff,
    )
    scheme_compute(scheme_id=scheme.pk)
    line = (
        AwardLine.objects.filter(award__scheme=scheme, award__name="中考质量奖")
        .order_by("-order")
        .first()
    )
    if line is not None:
        line_adjust(
            line=line,
            user=staff,
            amount=line.computed_amount // 2,
            reason="该校参考率虽达标，但有学生成绩异常待核实，奖金暂按一半发放",
        )
    scheme.refresh_from_db()
    scheme_approve(scheme=scheme, user=leader)
    lines = AwardLine.objects.filter(award__scheme=scheme)
    total = sum(x.amount for x in lines)
    ctx.log(
        f"奖励方案《{scheme.name}》：{scheme.awards.count()} 个奖项、{lines.count()} 条获奖明细，"
        f"合计 {total} 元（预算 {scheme.budget} 元），已由局领导批准"
    )


@demo_step(order=132)
def evaluation(ctx: DemoContext) -> None:
    staff = ctx.users["staff"]
    year = ctx.current_year
    evaluation_configure(year=year, user=staff)
    warnings = evaluation_rows(user=staff, year=year, name="last_place")
    if not warnings:
        evaluation_configure(year=year, user=staff, last_k=2)
        warnings = evaluation_rows(user=staff, year=year, name="last_place")
        ctx.log("末位预警按全县倒数 2 名计")
    bottom = evaluation_rows(user=staff, year=year, name="bottom_half")
    review = evaluation_rows(user=staff, year=year, name="backbone_review")
    far = evaluation_rows(user=staff, year=year, name="far_below")
    ctx.log(
        f"考核名单：后二分之一 {len(bottom)} 人次、骨干复核 {len(review)} 人次、"
        f"远低于同类 {len(far)} 人次、末位预警 {len(warnings)} 条"
    )
    if warnings:
        first = warnings[0]
        record = last_place_summon(
            year=year, school_code=first["school"], exam_code=first["exam"], user=staff
        )
        ctx.log(f"末位预警转为约谈：{record.school.name}")


@demo_cleanup(order=130)
def delete_rewards(ctx: DemoContext) -> None:
    """Schemes (with their awards, lines and adjustments) and the evaluation go before the
    exams they point at."""
    LastPlaceAction.objects.all().delete()
    EvaluationDecision.objects.all().delete()
    Evaluation.objects.all().delete()
    Scheme.objects.all().delete()
    ctx.log("已删除奖励方案与考核设置")
