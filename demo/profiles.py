"""Who the demo teachers are: age, gender, education, title, backbone level, certification.

The shares follow a county's usual staff structure: an ageing workforce (many born 1966-1980,
more so in rural schools), mostly 本科 with some 专科 and few 研究生, titles 高级 about 15 %,
一级 about 40 %, 二级 about 30 %, backbone teachers about 12 %, 95 % certified.
"""

from __future__ import annotations

import random

from schools.models import Backbone, Education, Gender, Title

NOW_YEAR = 2026

_BIRTH_BUCKETS = ((1966, 1970), (1971, 1975), (1976, 1980), (1981, 1985), (1986, 1990))
_BIRTH_BUCKETS += ((1991, 1995), (1996, 2002))
_BIRTH_WEIGHTS = {
    "urban": (12, 17, 18, 16, 14, 13, 10),
    "town": (15, 19, 19, 14, 12, 11, 10),
    "rural": (18, 22, 20, 12, 9, 10, 9),
    "kindergarten": (3, 5, 8, 12, 20, 27, 25),
}
_FEMALE_SHARE = {
    ("primary", "urban"): 0.82,
    ("primary", "town"): 0.72,
    ("primary", "rural"): 0.58,
    ("junior", "urban"): 0.62,
    ("junior", "town"): 0.55,
    ("junior", "rural"): 0.45,
}
_SECTION_FEMALE_SHARE = {"senior": 0.5, "kindergarten": 0.97, "special": 0.75}

# (upper bound of age band, {value: weight}); the first band whose bound exceeds the age wins.
_TITLES = (
    (30, {Title.FIRST: 2, Title.SECOND: 35, Title.THIRD: 18, Title.NONE: 45}),
    (40, {Title.SENIOR: 3, Title.FIRST: 35, Title.SECOND: 55, Title.THIRD: 5, Title.NONE: 2}),
    (50, {Title.SENIOR: 20, Title.FIRST: 55, Title.SECOND: 22, Title.THIRD: 3}),
    (99, {Title.SENIOR: 30, Title.FIRST: 50, Title.SECOND: 17, Title.THIRD: 3}),
)
_EDUCATION = (
    (30, {Education.POSTGRADUATE: 10, Education.BACHELOR: 82, Education.ASSOCIATE: 8}),
    (40, {Education.POSTGRADUATE: 6, Education.BACHELOR: 82, Education.ASSOCIATE: 12}),
    (50, {Education.POSTGRADUATE: 2, Education.BACHELOR: 65, Education.ASSOCIATE: 30}),
    (99, {Education.BACHELOR: 45, Education.ASSOCIATE: 42, Education.SECONDARY: 13}),
)
_BACKBONE_CHANCE = {
    Title.SENIOR_PROFESSOR: 0.9,
    Title.SENIOR: 0.35,
    Title.FIRST: 0.13,
    Title.SECOND: 0.06,
    Title.THIRD: 0.02,
    Title.NONE: 0.0,
}
_LOCALITY_FACTOR = {"urban": 1.25, "town": 1.0, "rural": 0.7}
_ARTS = {"音乐", "体育", "美术", "信息技术"}


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _band(bands: tuple, age: int) -> dict:
    return next(weights for bound, weights in bands if age < bound)


def teacher_attributes(
    rng: random.Random, *, section: str, locality: str, subject: str | None
) -> dict:
    """Fields of one Teacher (all but name, school, subject and staff number)."""
    profile = "kindergarten" if section == "kindergarten" else locality
    low, high = rng.choices(_BIRTH_BUCKETS, weights=_BIRTH_WEIGHTS[profile])[0]
    birth_year = rng.randint(low, high)
    age = NOW_YEAR - birth_year
    female = _FEMALE_SHARE.get((section, locality), _SECTION_FEMALE_SHARE.get(section, 0.6))
    gender = Gender.FEMALE if rng.random() < female else Gender.MALE

    title = _pick(rng, _band(_TITLES, age))
    if title == Title.SENIOR and locality == "urban" and age >= 48 and rng.random() < 0.04:
        title = Title.SENIOR_PROFESSOR
    education = _pick(rng, _band(_EDUCATION, age))
    if section == "senior" and education in (Education.ASSOCIATE, Education.SECONDARY):
        education = Education.BACHELOR

    backbone = Backbone.NONE
    if rng.random() < _BACKBONE_CHANCE[title] * _LOCALITY_FACTOR[locality]:
        if age < 36:
            backbone = _pick(rng, {Backbone.RISING: 7, Backbone.EXPERT: 3})
        elif title in (Title.SENIOR, Title.SENIOR_PROFESSOR):
            backbone = _pick(rng, {Backbone.MASTER: 2, Backbone.LEADER: 4, Backbone.EXPERT: 4})
        else:
            backbone = _pick(rng, {Backbone.LEADER: 2, Backbone.EXPERT: 6, Backbone.RISING: 2})

    uncertified = 0.03 + (0.08 if subject in _ARTS else 0) + (0.08 if age < 26 else 0)
    career_start = birth_year + rng.randint(21, 24)
    school_since = min(NOW_YEAR, rng.randint(max(career_start, 1990), NOW_YEAR + 2))
    return {
        "birth_year": birth_year,
        "gender": gender,
        "education": education,
        "title": title,
        "backbone": backbone,
        "certified": rng.random() >= uncertified,
        "school_since": school_since,
    }
