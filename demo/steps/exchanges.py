"""Step 50: teacher exchanges (交流轮岗) in 2025 and 2026.

Eligible: primary and junior teachers who meet the policy definition the exchange pages use
(schools.exchanges.is_eligible: men under 50, women under 45, six years or more at the school). About 8-12 % of them rotate, a fifth to a quarter of those backbone teachers;
most go from the county seat and the towns to rural schools (within their education group
when their school leads one), a few rural teachers go the other way to learn (跟岗学习).
Most rotations last a year; some two; a few have no end date yet.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from simple_history.utils import bulk_create_with_history

from demo import DemoContext, demo_step
from demo.profiles import NOW_YEAR
from demo.steps.schools import CHANGE_REASON
from schools.exchanges import is_eligible
from schools.models import Locality, School, Stage, Teacher, TeacherExchange

BATCH = 2000
_YEAR_START = datetime.date(NOW_YEAR, 9, 1)
_STAGES = {Stage.PRIMARY, Stage.JUNIOR, Stage.NINE_YEAR, Stage.COMPLETE}
_RECEIVES = {
    Stage.PRIMARY: {Stage.PRIMARY, Stage.NINE_YEAR},
    Stage.JUNIOR: {Stage.JUNIOR, Stage.NINE_YEAR},
    Stage.COMPLETE: {Stage.JUNIOR, Stage.NINE_YEAR},
    Stage.NINE_YEAR: {Stage.PRIMARY, Stage.JUNIOR, Stage.NINE_YEAR},
}
_STARTS = {
    datetime.date(2025, 3, 1): 1,
    datetime.date(2025, 9, 1): 4,
    datetime.date(2026, 3, 1): 1,
    datetime.date(2026, 9, 1): 4,
}


def _end(rng: random.Random, start: datetime.date) -> datetime.date | None:
    years = rng.choices((1, 2, None), weights=(7, 2, 1))[0]
    if years is None:
        return None
    return start.replace(year=start.year + years) - datetime.timedelta(days=1)


def _eligible(teacher: Teacher, school: School) -> bool:
    facts = {
        "birth_year": teacher.birth_year,
        "gender": teacher.gender,
        "school_since": teacher.school_since,
        "active": teacher.active,
    }
    return school.stage in _STAGES and is_eligible(facts, year_start=_YEAR_START)


@demo_step(order=50)
def teacher_exchanges(ctx: DemoContext) -> None:
    rng = ctx.rng
    schools = {s.pk: s for s in ctx.schools}
    members: dict[int, list[School]] = defaultdict(list)
    for school in ctx.schools:
        if school.group_id:
            members[school.group_id].append(school)
    leads = {g.lead_school_id: g.pk for g in ctx.groups if g.lead_school_id}

    eligible = [t for t in ctx.teachers if _eligible(t, schools[t.school_id])]
    outward = [t for t in eligible if schools[t.school_id].locality != Locality.RURAL]
    inward = [t for t in eligible if schools[t.school_id].locality == Locality.RURAL]
    count = round(len(eligible) * rng.uniform(0.08, 0.12))
    inward_count = min(len(inward), round(count * rng.uniform(0.08, 0.15)))
    backbone_count = round(count * rng.uniform(0.20, 0.25))
    backbone = [t for t in outward if t.backbone]
    others = [t for t in outward if not t.backbone]
    backbone_count = min(backbone_count, len(backbone))
    chosen = rng.sample(backbone, backbone_count)
    chosen += rng.sample(others, min(len(others), count - inward_count - backbone_count))
    chosen += rng.sample(inward, inward_count)

    exchanges = []
    for teacher in chosen:
        home = schools[teacher.school_id]
        rural = home.locality != Locality.RURAL
        group = leads.get(home.pk)
        note = "城乡交流轮岗" if rural else "跟岗学习"
        if group and rng.random() < 0.6:
            candidates = [s for s in members[group] if s.pk != home.pk]
            note = "集团内交流"
        else:
            candidates = [
                s
                for s in ctx.schools
                if s.stage in _RECEIVES[home.stage]
                and (s.locality == Locality.RURAL) == rural
                and s.pk != home.pk
            ]
        if not candidates:
            continue
        start = rng.choices(list(_STARTS), weights=list(_STARTS.values()))[0]
        exchanges.append(
            TeacherExchange(
                teacher=teacher,
                from_school=home,
                to_school=rng.choice(candidates),
                start=start,
                end=_end(rng, start),
                backbone=bool(teacher.backbone),
                note=note,
            )
        )
    ctx.exchanges = bulk_create_with_history(
        exchanges, TeacherExchange, batch_size=BATCH, default_change_reason=CHANGE_REASON
    )
    share = sum(e.backbone for e in exchanges) / len(exchanges) if exchanges else 0
    ctx.log(
        f"交流轮岗 {len(exchanges)} 人次（符合条件教师 {len(eligible)} 名，骨干占 {share:.0%}）"
    )
