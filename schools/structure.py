"""Teacher structure (教师队伍结构) and subject shortage (学科缺员): pure computations.

Inputs are plain dicts, so that the numbers can be checked by hand; the selectors load them.
Definitions are documented in docs/registry.md.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# --- age --------------------------------------------------------------------------------

# (key, label, lowest age, highest age), both inclusive; None is open.
AGE_BANDS: tuple[tuple[str, str, int | None, int | None], ...] = (
    ("le30", gettext_lazy("30岁及以下"), None, 30),
    ("31_35", gettext_lazy("31–35岁"), 31, 35),
    ("36_40", gettext_lazy("36–40岁"), 36, 40),
    ("41_45", gettext_lazy("41–45岁"), 41, 45),
    ("46_50", gettext_lazy("46–50岁"), 46, 50),
    ("51_55", gettext_lazy("51–55岁"), 51, 55),
    ("gt55", gettext_lazy("55岁以上"), 56, None),
)
# The summary line counts teachers older than this ("45岁以上": 46 and over).
SUMMARY_OLDER_THAN = 45
DEGREE_OR_ABOVE = ("postgraduate", "bachelor")
SENIOR_TITLES = ("professor", "senior")


def age_in(*, birth_year: int, year: int) -> int:
    """Age as the bureau counts it: the calendar year minus the year of birth."""
    return year - birth_year


def age_band(age: int) -> str:
    for key, _label, low, high in AGE_BANDS:
        if (low is None or age >= low) and (high is None or age <= high):
            return key
    raise ValueError(age)  # pragma: no cover - the bands cover every integer


def birth_years_for_band(key: str, *, year: int) -> tuple[int | None, int | None]:
    """(earliest, latest) birth year of the teachers in an age band in ``year``."""
    for band_key, _label, low, high in AGE_BANDS:
        if band_key == key:
            earliest = year - high if high is not None else None
            latest = year - low if low is not None else None
            return earliest, latest
    raise KeyError(key)


# --- distributions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    count: int
    share: float | None


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def distribution(
    values: Iterable[str], choices: Sequence[tuple[str, str]], *, total: int | None = None
) -> list[Share]:
    """Counts and shares of each choice, in the order of ``choices``; keys not among the
    choices are ignored."""
    counts = Counter(values)
    whole = sum(counts.values()) if total is None else total
    return [
        Share(str(k), str(label), counts.get(k, 0), _share(counts.get(k, 0), whole))
        for k, label in choices
    ]


@dataclass(frozen=True)
class Structure:
    total: int
    age: list[Share]
    gender: list[Share]
    education: list[Share]
    title: list[Share]
    backbone: list[Share]
    certified: list[Share]
    older: int
    degree: int
    senior_title: int
    backbone_total: int
    certified_total: int

    @property
    def older_share(self) -> float | None:
        return _share(self.older, self.total)

    @property
    def degree_share(self) -> float | None:
        return _share(self.degree, self.total)

    @property
    def senior_title_share(self) -> float | None:
        return _share(self.senior_title, self.total)

    @property
    def backbone_share(self) -> float | None:
        return _share(self.backbone_total, self.total)

    @property
    def certified_share(self) -> float | None:
        return _share(self.certified_total, self.total)


def teacher_structure(
    teachers: Sequence[Mapping],
    *,
    year: int,
    genders: Sequence[tuple[str, str]],
    educations: Sequence[tuple[str, str]],
    titles: Sequence[tuple[str, str]],
    backbones: Sequence[tuple[str, str]],
) -> Structure:
    """Distributions of a set of teachers, each a mapping with ``birth_year``, ``gender``,
    ``education``, ``title``, ``backbone`` ("" for none) and ``certified``.

    The choices give the order and the labels (the models' ``choices``)."""
    total = len(teachers)
    ages = [age_in(birth_year=t["birth_year"], year=year) for t in teachers]
    age_choices = [(key, label) for key, label, _low, _high in AGE_BANDS]
    certified = sum(1 for t in teachers if t["certified"])
    return Structure(
        total=total,
        age=distribution((age_band(a) for a in ages), age_choices, total=total),
        gender=distribution((t["gender"] for t in teachers), genders, total=total),
        education=distribution((t["education"] for t in teachers), educations, total=total),
        title=distribution((t["title"] for t in teachers), titles, total=total),
        backbone=distribution((t["backbone"] or "" for t in teachers), backbones, total=total),
        certified=[
            Share("yes", _("持证"), certified, _share(certified, total)),
            Share("no", _("未持证"), total - certified, _share(total - certified, total)),
        ],
        older=sum(1 for a in ages if a > SUMMARY_OLDER_THAN),
        degree=sum(1 for t in teachers if t["education"] in DEGREE_OR_ABOVE),
        senior_title=sum(1 for t in teachers if t["title"] in SENIOR_TITLES),
        backbone_total=sum(1 for t in teachers if t["backbone"]),
        certified_total=certified,
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def structure_summary(structure: Structure, *, scope: str, noun: str | None = None) -> str:
    """The sentence the bureau used to write by hand, e.g. "全县在岗教师3012人，其中45岁以上
    的有1257人，占41.7%；…". ``scope`` is "全县", "本校", a school's name…"""
    noun = noun or _("在岗教师")
    s = structure
    if not s.total:
        return _("%(scope)s暂无%(noun)s。") % {"scope": scope, "noun": noun}
    return _(
        "%(scope)s%(noun)s%(total)d人，其中%(age)d岁以上的有%(older)d人，占%(older_share)s；"
        "本科及以上学历%(degree)d人，占%(degree_share)s；高级及以上职称%(senior)d人，"
        "占%(senior_share)s；骨干教师%(backbone)d人，占%(backbone_share)s；"
        "持证率%(certified_share)s。"
    ) % {
        "scope": scope,
        "noun": noun,
        "total": s.total,
        "age": SUMMARY_OLDER_THAN,
        "older": s.older,
        "older_share": _pct(s.older_share),
        "degree": s.degree,
        "degree_share": _pct(s.degree_share),
        "senior": s.senior_title,
        "senior_share": _pct(s.senior_title_share),
        "backbone": s.backbone_total,
        "backbone_share": _pct(s.backbone_share),
        "certified_share": _pct(s.certified_share),
    }


# --- subject shortage -------------------------------------------------------------------

# A full-time teacher's standard weekly load (课时/周). Policy gives 12–16; the bureau uses 14.
STANDARD_WEEKLY_LOAD = 14

_PRIMARY = range(1, 7)
_JUNIOR = range(7, 10)

# Weekly periods per class of each subject, by grade (the national curriculum plan, rounded
# to what the county's timetables use). Subjects are matched by name; grades that are not
# listed (senior high school, kindergarten) have no requirement here.
WEEKLY_PERIODS: dict[str, dict[int, int]] = {
    # primary school (grades 1–6)
    "语文": {**dict.fromkeys(_PRIMARY, 7), **dict.fromkeys(_JUNIOR, 5)},
    "数学": {**dict.fromkeys(_PRIMARY, 5), **dict.fromkeys(_JUNIOR, 5)},
    "英语": {**dict.fromkeys(range(3, 7), 2), **dict.fromkeys(_JUNIOR, 4)},
    "科学": dict.fromkeys(_PRIMARY, 2),
    "音乐": dict.fromkeys(_PRIMARY, 2),
    "体育": dict.fromkeys(_PRIMARY, 4),
    "美术": dict.fromkeys(_PRIMARY, 2),
    # junior high school (grades 7–9)
    "物理": dict.fromkeys((8, 9), 3),
    "化学": {9: 3},
    "道德与法治": dict.fromkeys(_JUNIOR, 2),
    "历史": dict.fromkeys(_JUNIOR, 2),
    "地理": dict.fromkeys((7, 8), 2),
    "生物": dict.fromkeys((7, 8), 2),
}


@dataclass(frozen=True)
class ShortageRow:
    school: object
    subject: str
    classes: int
    periods: int
    need: int
    have: int

    @property
    def short(self) -> int:
        return max(0, self.need - self.have)


@dataclass(frozen=True)
class ShortageTotal:
    subject: str
    need: int
    have: int
    short: int


def subject_shortage(
    *,
    classes: Mapping[object, Mapping[int, int]],
    teachers: Mapping[object, Mapping[str, int]],
    periods: Mapping[str, Mapping[int, int]] = WEEKLY_PERIODS,
    load: int = STANDARD_WEEKLY_LOAD,
) -> tuple[list[ShortageRow], list[ShortageTotal]]:
    """Teachers needed and available per school and subject.

    ``classes``: school → {grade: number of classes}; ``teachers``: school → {subject name:
    number of active teachers}. For each school and each subject that some of its classes must
    be taught, ``need`` = ceil(Σ classes × weekly periods ÷ load), ``have`` = the school's
    teachers of that subject, ``short`` = max(0, need − have).

    The totals add up per subject over the schools; a surplus at one school does not make up
    for a shortage at another (teachers are not shared), so the total ``short`` is the sum of
    the schools' shortages, not ``need − have``.
    """
    rows: list[ShortageRow] = []
    for school, by_grade in classes.items():
        have_by_subject = teachers.get(school, {})
        for subject, per_grade in periods.items():
            n_classes = sum(n for grade, n in by_grade.items() if grade in per_grade)
            if not n_classes:
                continue
            weekly = sum(
                n * per_grade[grade] for grade, n in by_grade.items() if grade in per_grade
            )
            rows.append(
                ShortageRow(
                    school=school,
                    subject=subject,
                    classes=n_classes,
                    periods=weekly,
                    need=math.ceil(weekly / load),
                    have=have_by_subject.get(subject, 0),
                )
            )
    totals: dict[str, list[int]] = {}
    for row in rows:
        t = totals.setdefault(row.subject, [0, 0, 0])
        t[0] += row.need
        t[1] += row.have
        t[2] += row.short
    order = list(periods)
    return rows, [
        ShortageTotal(subject, *totals[subject]) for subject in order if subject in totals
    ]
