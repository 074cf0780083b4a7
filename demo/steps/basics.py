"""Step 10: academic years, terms and subjects.

Terms cover the whole year, holidays included, so that every day belongs to a term: the first
term runs from 1 September to 31 January, the second from 1 February to 31 August.
"""

from __future__ import annotations

from bureau.models import AcademicYear, Term
from bureau.school_year import ensure_year
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
    """The demo's year and terms, made where missing (the first migrate already made the
    current one; a year an administrator edited is kept)."""
    year = ensure_year(AcademicYear, Term, start_year)
    return year, list(year.terms.order_by("number"))


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
