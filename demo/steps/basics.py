"""Step 10: academic years, terms and subjects.

Terms cover the whole year, holidays included, so that every day belongs to a term: the first
term runs from 1 September to 31 January, the second from 1 February to 31 August.
"""

from __future__ import annotations

import datetime

from bureau.models import AcademicYear, Term
from demo import DemoContext, demo_step
from schools.models import Subject

YEARS = (2025, 2026)  # 2025-2026 and 2026-2027; the demo's "now" is in 2026-2027, term 1.
SUBJECTS = (
    "语文",
    "数学",
    "英语",
    "物理",
    "化学",
    "道德与法治",
    "历史",
    "地理",
    "生物",
    "科学",
    "音乐",
    "体育",
    "美术",
    "信息技术",
)


def academic_year_ensure(*, start_year: int) -> tuple[AcademicYear, list[Term]]:
    year, _ = AcademicYear.objects.update_or_create(
        name=f"{start_year}-{start_year + 1}",
        defaults={
            "start": datetime.date(start_year, 9, 1),
            "end": datetime.date(start_year + 1, 8, 31),
        },
    )
    bounds = {
        1: (datetime.date(start_year, 9, 1), datetime.date(start_year + 1, 1, 31)),
        2: (datetime.date(start_year + 1, 2, 1), datetime.date(start_year + 1, 8, 31)),
    }
    terms = [
        Term.objects.update_or_create(
            year=year, number=number, defaults={"start": start, "end": end}
        )[0]
        for number, (start, end) in bounds.items()
    ]
    return year, terms


@demo_step(order=10)
def calendar_and_subjects(ctx: DemoContext) -> None:
    for start_year in YEARS:
        year, terms = academic_year_ensure(start_year=start_year)
        ctx.years[year.name] = year
        for term in terms:
            ctx.terms[(year.name, term.number)] = term
    ctx.previous_year = ctx.years[f"{YEARS[0]}-{YEARS[0] + 1}"]
    ctx.current_year = ctx.years[f"{YEARS[1]}-{YEARS[1] + 1}"]
    for order, name in enumerate(SUBJECTS, start=1):
        subject, _ = Subject.objects.update_or_create(name=name, defaults={"order": order})
        ctx.subjects[name] = subject
    ctx.log(f"学年 {len(ctx.years)} 个、学期 {len(ctx.terms)} 个、学科 {len(ctx.subjects)} 个")
