"""Teacher exchange (交流轮岗) statistics against the policy targets: pure computations.

Definitions (docs/registry.md):
- eligible: active teachers younger than ``MAX_AGE_MALE`` (men) or ``MAX_AGE_FEMALE`` (women)
  at the start of the academic year (age = start year − birth year), who have served at their
  school for at least ``MIN_YEARS_AT_SCHOOL`` years then (start year − school_since); a
  teacher whose arrival year is unknown counts as eligible;
- exchanged: teachers with an exchange whose period overlaps the academic year, counted at the
  exchange's sending school;
- share = exchanged / eligible (target ``TARGET_SHARE``); backbone share = teachers exchanged
  as backbone teachers / exchanged (target ``TARGET_BACKBONE_SHARE``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_AGE_MALE = 50
MAX_AGE_FEMALE = 45
MIN_YEARS_AT_SCHOOL = 6
TARGET_SHARE = 0.10
TARGET_BACKBONE_SHARE = 0.20


def is_eligible(teacher: Mapping, *, year_start: datetime.date) -> bool:
    if not teacher.get("active", True):
        return False
    age = year_start.year - teacher["birth_year"]
    limit = MAX_AGE_MALE if teacher["gender"] == "M" else MAX_AGE_FEMALE
    if age >= limit:
        return False
    since = teacher.get("school_since")
    return since is None or year_start.year - since >= MIN_YEARS_AT_SCHOOL


def overlaps(
    *,
    start: datetime.date,
    end: datetime.date | None,
    year_start: datetime.date,
    year_end: datetime.date,
) -> bool:
    """An exchange without an end date runs on indefinitely."""
    return start <= year_end and (end is None or end >= year_start)


@dataclass(frozen=True)
class ExchangeStats:
    eligible: int
    exchanged: int
    backbone: int

    @property
    def share(self) -> float | None:
        return self.exchanged / self.eligible if self.eligible else None

    @property
    def backbone_share(self) -> float | None:
        return self.backbone / self.exchanged if self.exchanged else None

    @property
    def meets_share(self) -> bool | None:
        return None if self.share is None else self.share >= TARGET_SHARE

    @property
    def meets_backbone(self) -> bool | None:
        return None if self.backbone_share is None else self.backbone_share >= TARGET_BACKBONE_SHARE


def exchange_stats(
    *,
    teachers: Iterable[Mapping],
    exchanges: Iterable[Mapping],
    year_start: datetime.date,
    year_end: datetime.date,
    schools: Iterable[object] = (),
) -> tuple[dict[object, ExchangeStats], ExchangeStats]:
    """Per school and overall.

    ``teachers``: mappings with ``school``, ``gender``, ``birth_year``, ``school_since`` and
    ``active``; ``exchanges``: mappings with ``teacher`` (any id), ``from_school``, ``start``,
    ``end`` and ``backbone``. ``schools`` lists schools to report even with nothing to count.
    A teacher exchanged twice in the year counts once; as a backbone teacher if either
    exchange was.
    """
    eligible: dict[object, int] = dict.fromkeys(schools, 0)
    for t in teachers:
        eligible.setdefault(t["school"], 0)
        if is_eligible(t, year_start=year_start):
            eligible[t["school"]] += 1
    exchanged: dict[object, dict[object, bool]] = {}
    for e in exchanges:
        if not overlaps(start=e["start"], end=e["end"], year_start=year_start, year_end=year_end):
            continue
        eligible.setdefault(e["from_school"], 0)
        by_teacher = exchanged.setdefault(e["from_school"], {})
        by_teacher[e["teacher"]] = by_teacher.get(e["teacher"], False) or bool(e["backbone"])
    per_school = {
        school: ExchangeStats(
            eligible=n,
            exchanged=len(exchanged.get(school, {})),
            backbone=sum(exchanged.get(school, {}).values()),
        )
        for school, n in eligible.items()
    }
    overall = ExchangeStats(
        eligible=sum(s.eligible for s in per_school.values()),
        exchanged=sum(s.exchanged for s in per_school.values()),
        backbone=sum(s.backbone for s in per_school.values()),
    )
    return per_school, overall
