"""Step 20: zones (教研协作区), education groups (教育集团) and schools.

The layout of a Chinese county: the county seat (城关镇) holds the big urban schools; each
镇 has a junior school and a central primary school (镇区) plus village schools; each 乡 has a
central school, nine-year or a junior and a primary, with village schools and teaching points
around it (乡村). The plan also fixes each school's classes per grade and class-size range;
step 40 (``staffing``) fills them with teachers and students.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.conf import settings
from simple_history.utils import bulk_create_with_history

from demo import DemoContext, demo_cleanup, demo_step
from demo.names import townships, villages
from schools.models import (
    Category,
    EducationGroup,
    Locality,
    School,
    SchoolClass,
    Stage,
    Student,
    Teacher,
    TeacherExchange,
    TeachingAssignment,
    Zone,
)

SCHOOL_CODE_PREFIX = "510499"  # 6-digit area code of the demo county (fictional).
URBAN_TOWNSHIP = "城关镇"
URBAN_ZONE = "城区协作区"
OUTER_ZONES = ("东部协作区", "西部协作区", "南部协作区", "北部协作区")
CHANGE_REASON = "演示数据"


@dataclass
class SchoolPlan:
    name: str
    stage: str
    locality: str
    township: str
    category: str = Category.REGULAR
    boarding: bool = False
    # Classes per grade, and the range class sizes are drawn from.
    classes: dict[int, int] = field(default_factory=dict)
    size: tuple[int, int] = (0, 0)
    zone: str = URBAN_ZONE
    group: str = ""  # name of the education group it belongs to
    leads_group: bool = False
    code: str = ""


def county_name() -> str:
    return settings.TIZHI_BUREAU_NAME.removesuffix("教育局") or "示范县"


def _grades(rng: random.Random, first: int, last: int, low: int, high: int) -> dict[int, int]:
    return {grade: rng.randint(low, high) for grade in range(first, last + 1)}


def _urban(rng: random.Random, county: str, *, small: bool) -> list[SchoolPlan]:
    def plan(name, stage, classes, size, **kw) -> SchoolPlan:
        return SchoolPlan(
            name, stage, Locality.URBAN, URBAN_TOWNSHIP, classes=classes, size=size, **kw
        )

    first_junior = plan("城关第一初级中学", Stage.JUNIOR, {}, (50, 62), leads_group=True)
    first_primary = plan("城关第一小学", Stage.PRIMARY, {}, (46, 58), leads_group=True)
    if small:
        first_junior.classes = _grades(rng, 7, 9, 3, 3)
        first_primary.classes = _grades(rng, 1, 6, 2, 2)
        return [first_junior, first_primary]
    first_junior.classes = _grades(rng, 7, 9, 12, 14)
    first_primary.classes = _grades(rng, 1, 6, 8, 10)
    schools = [
        first_junior,
        plan(
            "城关第二初级中学",
            Stage.JUNIOR,
            _grades(rng, 7, 9, 10, 12),
            (48, 62),
            leads_group=True,
        ),
        plan("城关第三初级中学", Stage.JUNIOR, _grades(rng, 7, 9, 9, 11), (46, 60)),
        plan(f"{county}第一中学", Stage.SENIOR, _grades(rng, 10, 12, 14, 16), (50, 64)),
        plan(f"{county}第二中学", Stage.SENIOR, _grades(rng, 10, 12, 10, 12), (48, 62)),
        plan(f"{county}实验中学", Stage.COMPLETE, _grades(rng, 7, 12, 6, 8), (48, 60)),
        plan("城关实验学校", Stage.NINE_YEAR, _grades(rng, 1, 9, 4, 5), (45, 58)),
        first_primary,
    ]
    for number in ("二", "三", "四", "五"):
        schools.append(
            plan(f"城关第{number}小学", Stage.PRIMARY, _grades(rng, 1, 6, 8, 10), (45, 60))
        )
    schools += [
        plan("城关实验小学", Stage.PRIMARY, _grades(rng, 1, 6, 8, 10), (46, 60), leads_group=True),
        plan(f"{county}特殊教育学校", Stage.SPECIAL, _grades(rng, 1, 9, 1, 1), (6, 12)),
        plan(f"{county}第一幼儿园", Stage.KINDERGARTEN, {}, (0, 0)),
        plan(f"{county}机关幼儿园", Stage.KINDERGARTEN, {}, (0, 0)),
    ]
    return schools


def _village(rng: random.Random, township: str, village: str, *, point: bool) -> SchoolPlan:
    if point:
        return SchoolPlan(
            f"{township}{village}教学点",
            Stage.PRIMARY,
            Locality.RURAL,
            township,
            category=Category.TEACHING_POINT,
            classes=_grades(rng, 1, rng.randint(2, 4), 1, 1),
            size=(3, 10),
        )
    return SchoolPlan(
        f"{township}{village}小学",
        Stage.PRIMARY,
        Locality.RURAL,
        township,
        category=Category.VILLAGE,
        classes=_grades(rng, 1, 6, 1, 1),
        size=(6, 30),
    )


def _town(rng: random.Random, town: str, village_names: list[str]) -> list[SchoolPlan]:
    schools = [
        SchoolPlan(
            f"{town}初级中学",
            Stage.JUNIOR,
            Locality.TOWN,
            town,
            boarding=rng.random() < 0.5,
            classes=_grades(rng, 7, 9, 4, 7),
            size=(42, 56),
        ),
        SchoolPlan(
            f"{town}中心小学",
            Stage.PRIMARY,
            Locality.TOWN,
            town,
            category=Category.CENTRAL,
            classes=_grades(rng, 1, 6, 3, 5),
            size=(38, 52),
        ),
    ]
    for index, village in enumerate(village_names):
        schools.append(_village(rng, town, village, point=index > 0 and rng.random() < 0.5))
    return schools


def _rural(
    rng: random.Random, township: str, village_names: list[str], *, split: bool
) -> list[SchoolPlan]:
    if split:
        schools = [
            SchoolPlan(
                f"{township}初级中学",
                Stage.JUNIOR,
                Locality.RURAL,
                township,
                boarding=True,
                classes=_grades(rng, 7, 9, 2, 3),
                size=(30, 48),
            ),
            SchoolPlan(
                f"{township}中心小学",
                Stage.PRIMARY,
                Locality.RURAL,
                township,
                category=Category.CENTRAL,
                classes=_grades(rng, 1, 6, 1, 2),
                size=(25, 42),
            ),
        ]
    else:
        schools = [
            SchoolPlan(
                f"{township}中心学校",
                Stage.NINE_YEAR,
                Locality.RURAL,
                township,
                category=Category.CENTRAL,
                boarding=True,
                classes=_grades(rng, 1, 9, 1, 2),
                size=(18, 45),
            )
        ]
    for index, village in enumerate(village_names):
        schools.append(_village(rng, township, village, point=index > 0 and rng.random() < 0.6))
    return schools


def county_plan(rng: random.Random, *, size: str) -> list[SchoolPlan]:
    """Every school of the demo county, the first junior school first, with codes."""
    small = size == "small"
    county = county_name()
    towns, rurals = townships(rng, towns=1 if small else 7, rural=2 if small else 7)
    village_pool = villages(rng, 4 if small else 40)
    outer = [*towns, *rurals]
    rng.shuffle(outer)
    zones = OUTER_ZONES[:2] if small else OUTER_ZONES
    zone_of = {name: zones[i % len(zones)] for i, name in enumerate(outer)}

    schools = _urban(rng, county, small=small)
    if small:
        town, (rural_a, rural_b) = towns[0], rurals
        town_junior, town_primary = _town(rng, town, [])
        town_junior.boarding = True
        town_junior.classes = _grades(rng, 7, 9, 2, 2)
        town_primary.classes = _grades(rng, 1, 6, 1, 1)
        rural_junior = _rural(rng, rural_a, [], split=True)[0]
        rural_junior.classes = _grades(rng, 7, 9, 2, 2)
        nine_year = _rural(rng, rural_b, [], split=False)[0]
        nine_year.classes = _grades(rng, 1, 9, 1, 1)
        schools += [town_junior, town_primary, rural_junior, nine_year]
        village = _village(rng, rural_a, village_pool[0], point=False)
        village.size = (6, 15)  # under a hundred pupils
        schools.append(village)
        schools.append(_village(rng, town, village_pool[1], point=True))
    else:
        for town in towns:
            count = rng.choice((1, 2, 2))
            picked, village_pool = village_pool[:count], village_pool[count:]
            schools += _town(rng, town, picked)
        for index, township in enumerate(rurals):
            count = rng.choice((1, 2, 2))
            picked, village_pool = village_pool[:count], village_pool[count:]
            schools += _rural(rng, township, picked, split=index < 2)
        for town in towns[:2]:
            schools.append(
                SchoolPlan(
                    f"{town}中心幼儿园",
                    Stage.KINDERGARTEN,
                    Locality.TOWN,
                    town,
                    category=Category.CENTRAL,
                )
            )
    for index, plan in enumerate(schools, start=1):
        plan.code = f"{SCHOOL_CODE_PREFIX}{index:04d}"
        if plan.locality != Locality.URBAN:
            plan.zone = zone_of[plan.township]
    _plan_groups(rng, schools)
    return schools


_JUNIOR_STAGES = {Stage.JUNIOR, Stage.NINE_YEAR}


def _plan_groups(rng: random.Random, schools: list[SchoolPlan]) -> None:
    """Each lead school takes a few town or rural schools of its own stage."""
    taken: set[str] = set()
    for lead in (s for s in schools if s.leads_group):
        lead.group = f"{lead.name}教育集团"
        junior_lead = lead.stage == Stage.JUNIOR
        pool = [
            s
            for s in schools
            if s.locality != Locality.URBAN
            and s.code not in taken
            and (s.stage in _JUNIOR_STAGES if junior_lead else s.stage == Stage.PRIMARY)
        ]
        for member in rng.sample(pool, min(len(pool), rng.randint(2, 3))):
            member.group = lead.group
            taken.add(member.code)


@demo_step(order=20)
def zones_groups_schools(ctx: DemoContext) -> None:
    plans = county_plan(ctx.rng, size=ctx.size)
    zone_names = sorted({p.zone for p in plans}, key=lambda z: (z != URBAN_ZONE, z))
    zones = {name: Zone.objects.create(name=name) for name in zone_names}
    group_names = [p.group for p in plans if p.leads_group]
    groups = {name: EducationGroup.objects.create(name=name) for name in group_names}
    schools = bulk_create_with_history(
        [
            School(
                code=p.code,
                name=p.name,
                stage=p.stage,
                locality=p.locality,
                category=p.category,
                township=p.township,
                zone=zones[p.zone],
                group=groups.get(p.group),
                boarding=p.boarding,
            )
            for p in plans
        ],
        School,
        default_change_reason=CHANGE_REASON,
    )
    for plan, school in zip(plans, schools, strict=True):
        if plan.leads_group:
            group = groups[plan.group]
            group.lead_school = school
            group.save(update_fields=["lead_school"])
    ctx.zones = list(zones.values())
    ctx.groups = list(groups.values())
    ctx.schools = schools
    ctx.extra["bureau.plans"] = {p.code: p for p in plans}
    ctx.principal_school = next(s for s in schools if s.stage == Stage.JUNIOR)
    ctx.log(
        f"协作区 {len(zones)} 个、教育集团 {len(groups)} 个、学校 {len(schools)} 所"
        f"（乡镇 {len({p.township for p in plans})} 个）"
    )


@demo_cleanup(order=20)
def delete_registry(ctx: DemoContext) -> None:
    """The whole registry goes: it cannot tell demo schools from others."""
    TeachingAssignment.objects.all().delete()
    TeacherExchange.objects.all().delete()
    Student.objects.all().delete()
    SchoolClass.objects.all().delete()
    Teacher.objects.all().delete()
    EducationGroup.objects.all().delete()
    School.objects.all().delete()
    Zone.objects.all().delete()
    ctx.log("已删除学校、教师、班级、学生、任课、交流轮岗、协作区与教育集团")
