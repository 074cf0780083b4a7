"""The academic calendar's arithmetic (pure: no ORM, so the first migration can use it too).

An academic year (学年) runs from 1 September to 31 August and is named after its two calendar
years ("2026-2027"); its first term from 1 September to 31 January, its second from 1 February
to 31 August. Holidays belong to a term, so that every day has one.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class YearBounds:
    name: str
    start: datetime.date
    end: datetime.date
    terms: dict[int, tuple[datetime.date, datetime.date]]


def start_year_of(day: datetime.date) -> int:
    """2026-12-03 → 2026 (the year 2026-2027); 2027-08-31 → 2026; 2027-09-01 → 2027."""
    return day.year if day.month >= 9 else day.year - 1


def year_bounds(start_year: int) -> YearBounds:
    return YearBounds(
        name=f"{start_year}-{start_year + 1}",
        start=datetime.date(start_year, 9, 1),
        end=datetime.date(start_year + 1, 8, 31),
        terms={
            1: (datetime.date(start_year, 9, 1), datetime.date(start_year + 1, 1, 31)),
            2: (datetime.date(start_year + 1, 2, 1), datetime.date(start_year + 1, 8, 31)),
        },
    )


def ensure_year(year_model, term_model, start_year: int):
    """Creates the academic year starting in ``start_year`` and its two terms where missing
    (get-or-create: a year or term an administrator edited is left as it is). The models are
    passed in so that a data migration can give its historical ones. Returns the year."""
    bounds = year_bounds(start_year)
    year, _ = year_model.objects.get_or_create(
        name=bounds.name, defaults={"start": bounds.start, "end": bounds.end}
    )
    for number, (start, end) in bounds.terms.items():
        term_model.objects.get_or_create(
            year=year, number=number, defaults={"start": start, "end": end}
        )
    return year
