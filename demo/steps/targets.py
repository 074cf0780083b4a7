"""Demo step 110: the demo year's quality targets (docs/demo.md, docs/targets.md).

Published by the demo staff user, with their progress stored from the demo exams:
- 中考优秀生人数 and 中考及格人数 (grade 9 total, excellent and pass lines), apportioned by
  the blend of enrolled and the 九年级联考 rates (α 0.5), the county values near what the
  联考 gave, so that schools land on both sides of their quotas; the demo principal's school
  has its 优秀生 quota fixed by hand, with the reason;
- 前50名人数 (grade 9 total), by enrolled;
- 八年级数学优秀率 ≥ 50 % (the 质量监测 target; far from reached);
- 七年级数学最大距: the 入学检测's gap − 10;
- 持证上岗率 100 % and 大班额 0 (the registry);
- two entered indicators: 毛入园率 ≥ 90 % (the county's value) and 体质健康优良率 ≥ 40 % (each
  school's, some still waiting for confirmation).
The principal has acknowledged the two 中考 targets.
"""

from __future__ import annotations

import math

from demo import DemoContext, demo_cleanup, demo_step
from exams.models import Exam
from targets.models import Acknowledgement, Allocation, Target
from targets.selectors.measures import actuals
from targets.selectors.progress import exam_for
from targets.services.allocations import allocation_set
from targets.services.entries import entry_confirm, entry_create
from targets.services.progress import progress_store
from targets.services.targets import target_create, target_publish


def _exam(code: str) -> Exam | None:
    return Exam.objects.filter(code=code).first()


def _county_actual(target: Target, exam: Exam) -> float:
    county, _schools = actuals(target, exam)
    return county or 0.0


def _make(staff, body: dict) -> Target:
    return target_create(user=staff, data={"year": body.pop("year"), **body})


@demo_step(order=110)
def targets_of_the_year(ctx: DemoContext) -> None:
    staff = ctx.users["staff"]
    year = ctx.current_year.name
    joint, entrance = _exam("2026-9-joint"), _exam("2026-7-entrance")
    made: list[Target] = []
    if joint is not None:
        for code, name, line, factor in (
            ("ZK-EXCELLENT", "中考优秀生人数", "excellent", 1.0),
            ("ZK-PASS", "中考及格人数", "pass", 1.06),
        ):
            probe = _make(
                staff,
                {
                    "year": year,
                    "code": code,
                    "name": name,
                    "measure": "count_over_line",
                    "grade": 9,
                    "subject": "total",
                    "line": line,
                    "value": 1,
                    "basis": "equal",
                },
            )
            value = max(1, math.ceil(_county_actual(probe, joint) * factor))
            probe.delete()
            made.append(
                _make(
                    staff,
                    {
                        "year": year,
                        "code": code,
                        "name": name,
                        "measure": "count_over_line",
                        "grade": 9,
                        "subject": "total",
                        "line": line,
                        "value": value,
                        "basis": "blend",
                        "baseline_exam": joint.code,
                        "alpha": 0.5,
                    },
                )
            )
        school = ctx.principal_school
        row = Allocation.objects.filter(target=made[0], school=school).first()
        if row is not None:
            allocation_set(
                target=made[0],
                user=staff,
                school=school.code,
                quota=row.quota + 2,
                reason="县城学校承担拔尖学生培养任务，局务会研究增加2人",
            )
        made.append(
            _make(
                staff,
                {
                    "year": year,
                    "code": "TOP50",
                    "name": "全县前50名人数",
                    "measure": "count_top_n",
                    "grade": 9,
                    "top_n": 50,
                    "value": 50,
                    "basis": "enrolled",
                },
            )
        )
    made.append(
        _make(
            staff,
            {
                "year": year,
                "code": "JC-MATH-EXCELLENT",
                "name": "八年级数学优秀率（质量监测）",
                "measure": "rate",
                "grade": 8,
                "subject": "数学",
                "metric": "excellent_rate",
                "value": 0.5,
            },
        )
    )
    if entrance is not None:
        from exams.selectors.stats import gap

        before = gap(exam=entrance, subject="数学")["max_gap"] or 0
        made.append(
            _make(
                staff,
                {
                    "year": year,
                    "code": "G7-GAP",
                    "name": "七年级数学最大距缩小10分",
                    "measure": "max_gap",
                    "grade": 7,
                    "subject": "数学",
                    "value": round(max(0.0, before - 10), 1),
                },
            )
        )
    made.append(
        _make(
            staff,
            {
                "year": year,
                "code": "CERTIFIED",
                "name": "持证上岗率",
                "measure": "registry",
                "metric": "certified_rate",
                "value": 1,
            },
        )
    )
    made.append(
        _make(
            staff,
            {
                "year": year,
                "code": "LARGE-CLASSES",
                "name": "消除大班额",
                "measure": "registry",
                "metric": "large_classes",
                "value": 0,
                "class_limit": 55,
            },
        )
    )
    enrolment = _make(
        staff,
        {
            "year": year,
            "code": "KG-ENROLMENT",
            "name": "学前教育毛入园率",
            "measure": "entered",
            "indicator": "毛入园率",
            "value": 0.9,
        },
    )
    fitness = _make(
        staff,
        {
            "year": year,
            "code": "FITNESS",
            "name": "学生体质健康优良率",
            "measure": "entered",
            "indicator": "体质健康优良率",
            "value": 0.4,
            "grade": None,
        },
    )
    made += [enrolment, fitness]
    term = ctx.terms.get((year, 1))
    entry_create(target=enrolment, user=staff, school=None, value=0.912, term=term)
    rng = ctx.rng
    for i, school in enumerate(fitness.schools.order_by("code")):
        value = round(rng.uniform(0.33, 0.5), 3)
        principal = school.users.filter(role="principal").first()
        entry = entry_create(
            target=fitness, user=principal or staff, school=school, value=value, term=term
        )
        if i % 3 != 2 and not entry.confirmed:
            entry_confirm(entry=entry, user=staff)

    for target in made:
        target_publish(user=staff, target=target)
    principal = ctx.users.get("principal")
    if principal is not None:
        for target in made[:2]:
            if target.schools.filter(pk=principal.school_id).exists():
                Acknowledgement.objects.get_or_create(
                    target=target, school_id=principal.school_id, defaults={"by": principal}
                )
    for target in made:
        exam = exam_for(target, None)
        progress_store(target_id=target.pk, exam_id=exam.pk if exam else None)
    ctx.extra["targets"] = made
    ctx.log(f"目标 {len(made)} 项（均已下达），其中人数目标按综合法或在校生人数分配到学校")


@demo_cleanup(order=110)
def delete_targets(ctx: DemoContext) -> None:
    """Targets go before the exams they name as baselines."""
    Target.objects.all().delete()
    ctx.log("已删除目标、分配、签收、填报与进展")
