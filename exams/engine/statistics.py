"""The statistics engine: 三率一分, composite index, ranks, score bands, max gap, value-added,
standard scores (z, T), 超均率 against the county and the school, 全科及格率/全科优秀率.

Pure numpy and pandas, no ORM: the caller loads one exam into a wide frame and stores what
comes back. Definitions follow SPEC.md §1; every choice where SPEC is silent is written down
in docs/statistics.md.

Input, one row per listed student (enrolled in every subject of the exam):

    student   student number (str)
    school    school code (str)
    class_    class key (str); a class is the pair (school, class_), so "9/3" is enough
    <name>    one float column per subject of the exam, NaN when absent
    counted   optional bool: False for a student not counted (不计入统计), who is left out of
              every statistic and rank (enrolled too) but keeps a row, with the total, in
              `student_ranks`

Every computation is vectorised over a long array of (unit, subject, score) rows grouped by one
integer key, so a county (60,000 students × 9 subjects) takes well under a second.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

TOTAL = "total"
LEVELS = ("county", "school", "class", "teacher")
LEVEL_KEYS: dict[str, list[str]] = {
    "county": [],
    "school": ["school"],
    "class": ["school", "class_"],
    "teacher": ["teacher"],
}
RATE_BASES = ("sat", "enrolled")
COMPETITION, DENSE = "competition", "dense"
RANK_METHODS = (COMPETITION, DENSE)  # "1224" and 中式 "1223"
COUNTED = "counted"
BANDS = 10
BAND_COLUMNS = [f"band_{k}" for k in range(BANDS)]
STAT_COLUMNS = [
    "subject",
    "enrolled",
    "sat",
    "absent",
    "participation",
    "mean",
    "mean_rate",
    "median",
    "max",
    "min",
    "std",
    "excellent_rate",
    "good_rate",
    "pass_rate",
    "low_rate",
    "over_mean_rate",
    "over_school_mean_rate",
    "composite",
    "rank",
    "t_score",
    "all_pass_rate",
    "all_excellent_rate",
]
VALUE_ADDED_COLUMNS = ["subject", "matched", "value_added", "small_sample"]
SMALL_SAMPLE = 15
# The one place of the default lines (fractions of the full marks) and composite weights
# (SPEC §1): models, services and forms read them from here.
DEFAULT_LINES = {"excellent": 0.85, "good": 0.75, "pass": 0.60, "low": 0.40}
DEFAULT_FRACTIONS = tuple(DEFAULT_LINES.values())
DEFAULT_WEIGHTS = {"a": 0.4, "b": 0.3, "c": 0.3, "d": 0.1}
T_MEAN, T_SCALE = 50.0, 10.0  # T = 50 + 10·z
# Lines, band edges and composites are compared after rounding to this many decimals, so that
# float noise (0.85 × 120 = 102.00000000000001 on some inputs) never moves a score across a line.
EXACT_DECIMALS = 9
_INT_COLUMNS = {"enrolled", "sat", "absent", "matched", *BAND_COLUMNS}


def _line(fraction: float, full_marks: float) -> float:
    return round(fraction * full_marks, EXACT_DECIMALS)


@dataclass(frozen=True)
class Weights:
    """Composite weights: 100 × (a·mean_rate + b·excellent_rate + c·pass_rate − d·low_rate)."""

    a: float = DEFAULT_WEIGHTS["a"]
    b: float = DEFAULT_WEIGHTS["b"]
    c: float = DEFAULT_WEIGHTS["c"]
    d: float = DEFAULT_WEIGHTS["d"]


@dataclass(frozen=True)
class SubjectSpec:
    """One exam subject: full marks and its lines as fractions of the full marks."""

    name: str
    full_marks: float
    excellent: float = DEFAULT_LINES["excellent"]
    good: float = DEFAULT_LINES["good"]
    pass_: float = DEFAULT_LINES["pass"]
    low: float = DEFAULT_LINES["low"]

    def __post_init__(self) -> None:
        if not self.full_marks > 0:
            raise ValueError(f"{self.name}: full marks must be positive")
        for fraction in self.fractions:
            if not 0 <= fraction <= 1:
                raise ValueError(f"{self.name}: a line must be a fraction of the full marks")

    @property
    def fractions(self) -> tuple[float, float, float, float]:
        return (self.excellent, self.good, self.pass_, self.low)

    def line(self, fraction: float) -> float:
        """The score at `fraction` of the full marks (rounded to 9 decimals, see EXACT_DECIMALS)."""
        return _line(fraction, self.full_marks)

    @property
    def lines(self) -> tuple[float, float, float, float]:
        """The excellent, good, pass and low lines in marks."""
        return tuple(self.line(f) for f in self.fractions)  # type: ignore[return-value]


@dataclass(frozen=True)
class ExamSpec:
    """An exam: its subjects in display order, the base of the rates, the composite weights
    and how ties are ranked (`competition` "1224" or `dense` "1223")."""

    subjects: tuple[SubjectSpec, ...]
    rate_base: str = "sat"
    weights: Weights = field(default_factory=Weights)
    rank_method: str = COMPETITION

    def __post_init__(self) -> None:
        object.__setattr__(self, "subjects", tuple(self.subjects))
        names = [s.name for s in self.subjects]
        if not names:
            raise ValueError("an exam needs at least one subject")
        if len(set(names)) != len(names):
            raise ValueError("subject names must be unique")
        if TOTAL in names:
            raise ValueError(f"no subject may be named {TOTAL!r}")
        if self.rate_base not in RATE_BASES:
            raise ValueError(f"rate_base must be one of {RATE_BASES}")
        if self.rank_method not in RANK_METHODS:
            raise ValueError(f"rank_method must be one of {RANK_METHODS}")

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.subjects]

    @property
    def total(self) -> SubjectSpec:
        """The total: F is the sum of full marks; lines are the subjects' fractions when all
        subjects share the same four fractions, else the default fractions."""
        fractions = {s.fractions for s in self.subjects}
        shared = fractions.pop() if len(fractions) == 1 else DEFAULT_FRACTIONS
        return SubjectSpec(TOTAL, sum(s.full_marks for s in self.subjects), *shared)

    @property
    def specs(self) -> list[SubjectSpec]:
        """The subjects followed by the total."""
        return [*self.subjects, self.total]


@dataclass
class Results:
    """Everything `compute_all` computes for one exam."""

    stats: dict[str, pd.DataFrame]
    bands: dict[str, pd.DataFrame]
    students: pd.DataFrame
    county_means: dict[str, float]
    value_added: dict[str, pd.DataFrame] = field(default_factory=dict)


# --- preparing the input -------------------------------------------------------------------


@dataclass
class _Prepared:
    """The counted students (`keys`, `x`) and, for the student rows, everyone listed."""

    exam: ExamSpec
    keys: pd.DataFrame  # student, school, class_ as str, in input order, counted students
    x: np.ndarray  # (n, S + 1): the subject scores and the total, NaN when absent
    all_keys: pd.DataFrame  # every listed student, in input order
    all_x: np.ndarray
    counted: np.ndarray  # bool per listed student

    @property
    def n(self) -> int:
        return len(self.keys)

    @property
    def width(self) -> int:
        return self.x.shape[1]

    @cached_property
    def flat(self) -> np.ndarray:
        """The scores column after column (subject-major), as the long rows of a level."""
        return self.x.ravel(order="F")

    @cached_property
    def flat_order(self) -> np.ndarray:
        """Positions in `flat` by ascending score, NaN last."""
        return np.argsort(self.flat)

    @cached_property
    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """The county mean and std of each column (`_moments`), shared by every level."""
        return _moments(self.x)

    @cached_property
    def reached_every_line(self) -> tuple[np.ndarray, np.ndarray]:
        """Per student: sat every subject and reached its pass line; the same for excellent."""
        total = self.width - 1
        lines = _lines(self.exam)
        scores = np.round(self.x[:, :total], EXACT_DECIMALS)
        sat_all = ~np.isnan(self.x[:, total])
        with np.errstate(invalid="ignore"):
            return tuple(
                sat_all & np.all(scores >= line, axis=1)
                for line in (lines[2, :total], lines[0, :total])
            )  # type: ignore[return-value]

    def descending(self, column: int) -> np.ndarray:
        """Rows with a score in `column`, highest score first."""
        n = self.n
        block = self.flat_order[self.flat_order // n == column] - column * n
        return block[: np.count_nonzero(~np.isnan(self.x[:, column]))][::-1]


def _prepare(scores: pd.DataFrame, exam: ExamSpec) -> _Prepared:
    missing = [c for c in ("student", "school", "class_", *exam.names) if c not in scores.columns]
    if missing:
        raise ValueError(f"scores lack the columns {missing}")
    keys = pd.DataFrame(
        {c: scores[c].astype(str).to_numpy() for c in ("student", "school", "class_")}
    )
    if keys["student"].duplicated().any():
        raise ValueError("a student is listed twice")
    columns = [
        pd.to_numeric(scores[name]).to_numpy(dtype="float64", na_value=np.nan)
        for name in exam.names
    ]
    # Added column by column, in exam order, as a person would add them up.
    total = columns[0].copy()
    for column in columns[1:]:
        total = total + column
    x = np.column_stack([*columns, total])
    if COUNTED in scores.columns:
        counted = scores[COUNTED].fillna(True).to_numpy(dtype=bool)
    else:
        counted = np.ones(len(keys), dtype=bool)
    if counted.all():
        return _Prepared(exam, keys, x, keys, x, counted)
    return _Prepared(exam, keys[counted].reset_index(drop=True), x[counted], keys, x, counted)


def _lines(exam: ExamSpec) -> np.ndarray:
    """(4, S + 1): excellent, good, pass and low lines of each subject and the total."""
    return np.array([spec.lines for spec in exam.specs], dtype="float64").T


def _full_marks(exam: ExamSpec) -> np.ndarray:
    return np.array([spec.full_marks for spec in exam.specs], dtype="float64")


# --- units ---------------------------------------------------------------------------------


@dataclass
class _Rows:
    """Long rows of one level: which unit, which subject (index into exam.specs), which student
    (row of the prepared frame). `units` holds the unit keys, one row per unit code."""

    units: pd.DataFrame
    unit: np.ndarray
    subject: np.ndarray
    student: np.ndarray
    flat: bool = False  # every student in every subject, column after column


def _unit_codes(keys: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    if not columns:
        return np.zeros(len(keys), dtype="int64"), pd.DataFrame(index=range(1))
    grouped = keys.groupby(columns, sort=True)
    codes = grouped.ngroup().to_numpy(dtype="int64")
    units = grouped.size().reset_index()[columns]
    return codes, units


def _level_rows(
    keys: pd.DataFrame,
    names: list[str],
    width: int,
    level: str,
    assignments: pd.DataFrame | None,
) -> _Rows:
    """`keys` are the students, `names` the subjects (columns 0 … len(names) − 1 of the score
    matrix, which has `width` columns, the total last)."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    n = len(keys)
    if level != "teacher":
        codes, units = _unit_codes(keys, LEVEL_KEYS[level])
        return _Rows(
            units,
            np.tile(codes, width),
            np.repeat(np.arange(width, dtype="int64"), n),
            np.tile(np.arange(n, dtype="int64"), width),
            flat=True,
        )
    if assignments is None:
        raise ValueError("the teacher level needs the teaching assignments")
    missing = [c for c in ("teacher", "school", "class_", "subject") if c not in assignments]
    if missing:
        raise ValueError(f"assignments lack the columns {missing}")
    subject_index = {name: i for i, name in enumerate(names)}
    taught = pd.DataFrame(
        {c: assignments[c].astype(str).to_numpy() for c in ("teacher", "school", "class_")}
    )
    taught["subject"] = assignments["subject"].astype(str).map(subject_index).to_numpy()
    taught = taught.dropna(subset=["subject"]).drop_duplicates()
    students = keys[["school", "class_"]].assign(student=np.arange(n, dtype="int64"))
    pairs = taught.merge(students, on=["school", "class_"], how="inner")
    codes, units = _unit_codes(pairs, ["teacher"])
    return _Rows(
        units,
        codes,
        pairs["subject"].to_numpy(dtype="int64"),
        pairs["student"].to_numpy(dtype="int64"),
    )


@dataclass
class _Groups:
    """The (unit, subject) groups of one level and which group each long row falls in.

    `frame` holds the unit keys and `subject`, one row per group, ordered by subject then unit;
    `subject` is each group's subject index; `gid` is each row's group (a row of `frame`); `x`
    is each row's score and `row_subject` its subject index; `flat` says the rows are the whole
    score matrix column after column (so `_Prepared.flat_order` orders them by score). The
    county has a group for every subject even with nobody listed."""

    frame: pd.DataFrame
    subject: np.ndarray
    gid: np.ndarray
    x: np.ndarray
    row_subject: np.ndarray
    flat: bool
    student: np.ndarray  # each row's student (row of the score matrix)

    @property
    def size(self) -> int:
        return len(self.frame)


def _groups(rows: _Rows, x: np.ndarray, names: list[str], level: str) -> _Groups:
    width = x.shape[1]
    key = rows.unit * width + rows.subject
    n_keys = len(rows.units) * width
    if level == "county":
        present = np.arange(width, dtype="int64")
    else:
        present = np.flatnonzero(np.bincount(key, minlength=n_keys))
    unit, subject = present // width, present % width
    order = np.lexsort((unit, subject))
    lookup = np.full(n_keys, -1, dtype="int64")
    lookup[present[order]] = np.arange(len(present))
    frame = rows.units.iloc[unit[order]].reset_index(drop=True)
    frame["subject"] = pd.array(np.asarray(names, dtype=object)[subject[order]], dtype=str)
    values = x.ravel(order="F") if rows.flat else x[rows.student, rows.subject]
    return _Groups(
        frame, subject[order], lookup[key], values, rows.subject, rows.flat, rows.student
    )


def _stable_order(codes: np.ndarray, n_codes: int, within: np.ndarray) -> np.ndarray:
    """Positions ordered by `codes`, keeping the order of `within` (a permutation) inside each
    code. Small codes are sorted as uint16, which numpy sorts by radix."""
    dtype = "uint16" if n_codes <= np.iinfo("uint16").max + 1 else "int64"
    return within[np.argsort(codes[within].astype(dtype), kind="stable")]


def _rank(
    values: np.ndarray,
    codes: np.ndarray | None = None,
    n_codes: int = 1,
    descending: np.ndarray | None = None,
    method: str = COMPETITION,
) -> np.ndarray:
    """Ranks of `values`, highest first, within each code; NaN stays NaN. `competition`
    ("1224": ties share the lowest number, the next rank skips) or `dense` ("1223": the next
    rank does not skip). `descending`, when known, lists the positions of the non-NaN values,
    highest first."""
    values = np.asarray(values, dtype="float64")
    out = np.full(values.shape, np.nan)
    if descending is None:
        valid = np.flatnonzero(~np.isnan(values))
        descending = valid[np.argsort(-values[valid], kind="stable")]
    if descending.size == 0:
        return out
    order = descending
    if codes is not None:
        order = _stable_order(codes, n_codes, order)
        group = codes[order]
    else:
        group = np.zeros(order.size, dtype="int64")
    ordered = values[order]
    position = np.arange(order.size)
    new_group = np.r_[True, group[1:] != group[:-1]]
    new_value = new_group | np.r_[True, ordered[1:] != ordered[:-1]]
    if method == DENSE:
        distinct = np.cumsum(new_value)  # nondecreasing: the accumulate finds the group's start
        before = np.maximum.accumulate(np.where(new_group, distinct - 1, 0))
        out[order] = distinct - before
        return out
    group_start = np.maximum.accumulate(np.where(new_group, position, 0))
    tie_start = np.maximum.accumulate(np.where(new_value, position, 0))
    out[order] = tie_start - group_start + 1
    return out


# --- standard scores -----------------------------------------------------------------------


def _moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column: the county mean and population std (ddof 0) of the sat scores. The std is
    NaN for a column that nobody sat or whose scores are all equal, so that no z-score is
    made of float noise."""
    width = x.shape[1]
    mean, std = np.full(width, np.nan), np.full(width, np.nan)
    for j in range(width):
        sat = x[~np.isnan(x[:, j]), j]
        if sat.size == 0:
            continue
        mean[j] = sat.mean()
        if sat.max() != sat.min():
            std[j] = sat.std()
    return mean, std


def _standard(value: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """z = (value − county mean) / county std: a student's score, or a unit's mean."""
    return (value - mean) / std


def _t(z: np.ndarray) -> np.ndarray:
    return T_MEAN + T_SCALE * z


# --- unit statistics -----------------------------------------------------------------------


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator = np.asarray(numerator, dtype="float64")
    denominator = np.asarray(denominator, dtype="float64")
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _count(groups: _Groups, mask: np.ndarray) -> np.ndarray:
    return np.bincount(groups.gid[mask], minlength=groups.size)


def _summaries(groups: _Groups, by_score: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """enrolled, sat, mean, median, max, min and std (population) of each group. `by_score`,
    when known, orders the rows by ascending score, NaN last."""
    size, gid, x = groups.size, groups.gid, groups.x
    sat_rows = ~np.isnan(x)
    enrolled = np.bincount(gid, minlength=size)
    sat = _count(groups, sat_rows)
    mean = _divide(np.bincount(gid[sat_rows], weights=x[sat_rows], minlength=size), sat)
    deviation = x[sat_rows] - mean[gid[sat_rows]]
    std = np.sqrt(_divide(np.bincount(gid[sat_rows], weights=deviation**2, minlength=size), sat))
    # Rows by group, then by score with NaN last: a group's sat scores are ordered[start:start+sat].
    if by_score is None:
        by_score = np.argsort(x)
    ordered = x[_stable_order(gid, size, by_score)]
    start = np.concatenate([[0], np.cumsum(enrolled)[:-1]]).astype("int64")
    some = sat > 0
    low_mid, high_mid = start + (sat - 1) // 2, start + sat // 2
    last = start + sat - 1

    def pick(position: np.ndarray) -> np.ndarray:
        return np.where(some, ordered[np.where(some, position, 0)] if x.size else np.nan, np.nan)

    return {
        "enrolled": enrolled,
        "sat": sat,
        "mean": mean,
        "median": (pick(low_mid) + pick(high_mid)) / 2,
        "max": pick(last),
        "min": pick(start),
        "std": std,
    }


def _level_groups(prep: _Prepared, level: str, assignments: pd.DataFrame | None) -> _Groups:
    rows = _level_rows(prep.keys, prep.exam.names, prep.width, level, assignments)
    return _groups(rows, prep.x, [*prep.exam.names, TOTAL], level)


def _stats(
    prep: _Prepared,
    groups: _Groups,
    level: str,
    county_means: Mapping[str, float] | None,
) -> pd.DataFrame:
    exam = prep.exam
    names = [*exam.names, TOTAL]
    summary = _summaries(groups, prep.flat_order if groups.flat else None)
    subject = groups.subject
    enrolled, sat, mean = summary["enrolled"], summary["sat"], summary["mean"]
    base = sat if exam.rate_base == "sat" else enrolled
    lines = _lines(exam)[:, groups.row_subject]

    frame = groups.frame.copy()
    frame["enrolled"] = enrolled
    frame["sat"] = sat
    frame["absent"] = enrolled - sat
    frame["participation"] = _divide(sat, enrolled)
    frame["mean"] = mean
    frame["mean_rate"] = mean / _full_marks(exam)[subject]
    for column in ("median", "max", "min", "std"):
        frame[column] = summary[column]
    # Rounded like the lines, so that a total such as 116.45 + 37.5 meets a line at 153.95.
    x = np.round(groups.x, EXACT_DECIMALS)
    with np.errstate(invalid="ignore"):
        hits = {
            "excellent_rate": x >= lines[0],
            "good_rate": x >= lines[1],
            "pass_rate": x >= lines[2],
            "low_rate": x < lines[3],
        }
    for column, hit in hits.items():
        frame[column] = _divide(_count(groups, hit), base)

    if level == "county":
        frame["over_mean_rate"] = np.where(np.isnan(mean), np.nan, 0.0)
    else:
        if county_means is None:
            county_means = _county_means(prep)
        county = np.array([county_means.get(n, np.nan) for n in names], dtype="float64")
        county = np.where(county == 0, np.nan, county)[subject]
        frame["over_mean_rate"] = (mean - county) / county
    frame["over_school_mean_rate"] = _over_school_mean_rate(prep, groups, level, mean)

    w = exam.weights
    composite = 100 * (
        w.a * frame["mean_rate"].to_numpy()
        + w.b * frame["excellent_rate"].to_numpy()
        + w.c * frame["pass_rate"].to_numpy()
        - w.d * frame["low_rate"].to_numpy()
    )
    frame["composite"] = composite
    rankable = np.round(np.where(sat > 0, composite, np.nan), EXACT_DECIMALS)
    frame["rank"] = _rank(rankable, subject, len(names), method=exam.rank_method)
    county_mean, county_std = prep.moments
    frame["t_score"] = _t(_standard(mean, county_mean[subject], county_std[subject]))
    every = _all_lines(prep, groups, sat)
    frame["all_pass_rate"], frame["all_excellent_rate"] = every
    return frame[[*LEVEL_KEYS[level], *STAT_COLUMNS]]


def _over_school_mean_rate(
    prep: _Prepared, groups: _Groups, level: str, mean: np.ndarray
) -> np.ndarray:
    """(unit mean − the school's mean) / the school's mean, same subject, for classes and
    teachers; NaN at the other levels. A teacher whose classes lie in several schools is
    compared with the pooled mean of those schools' students."""
    if level not in ("class", "teacher") or groups.size == 0:
        return np.full(groups.size, np.nan)
    width = prep.width
    school, schools = pd.factorize(prep.keys["school"])
    n_schools = max(len(schools), 1)
    sat = ~np.isnan(prep.x)
    cell = (school[:, None] * width + np.arange(width)[None, :])[sat]
    sums = np.bincount(cell, weights=prep.x[sat], minlength=n_schools * width)
    counts = np.bincount(cell, minlength=n_schools * width)
    # Each group's schools, once each: (group, school) pairs of its rows.
    pairs = np.unique(groups.gid * n_schools + school[groups.student])
    gid, of = pairs // n_schools, pairs % n_schools
    at = of * width + groups.subject[gid]
    ref_sum = np.bincount(gid, weights=sums[at], minlength=groups.size)
    ref_count = np.bincount(gid, weights=counts[at], minlength=groups.size)
    reference = _divide(ref_sum, ref_count)
    reference = np.where(reference == 0, np.nan, reference)
    return (mean - reference) / reference


def _all_lines(prep: _Prepared, groups: _Groups, sat: np.ndarray) -> tuple[np.ndarray, ...]:
    """全科及格率 and 全科优秀率 of the total's groups: students who sat every subject and
    reached the pass (excellent) line of each, divided by the students who sat every subject
    (the total's `sat`, whatever the rate base); NaN for subject rows."""
    total = prep.width - 1
    is_total = groups.row_subject == total
    rows = groups.student[is_total]
    out = []
    for reached in prep.reached_every_line:
        hits = np.bincount(groups.gid[is_total][reached[rows]], minlength=groups.size)
        rate = _divide(hits, sat)
        out.append(np.where(groups.subject == total, rate, np.nan))
    return tuple(out)


def _county_means(prep: _Prepared) -> dict[str, float]:
    names = [*prep.exam.names, TOTAL]
    counts = np.sum(~np.isnan(prep.x), axis=0)
    sums = np.nansum(prep.x, axis=0)
    return {
        name: (float(total) / int(count) if count else math.nan)
        for name, total, count in zip(names, sums, counts, strict=True)
    }


def county_means(scores: pd.DataFrame, exam: ExamSpec) -> dict[str, float]:
    """The county mean of each subject and of the total (NaN when nobody sat)."""
    return _county_means(_prepare(scores, exam))


def unit_stats(
    scores: pd.DataFrame,
    exam: ExamSpec,
    level: str,
    *,
    assignments: pd.DataFrame | None = None,
    county_means: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Statistics of every unit of `level` in every subject and the total (not for teachers).

    Columns: the level's keys (none for the county; `school`; `school`, `class_`; `teacher`),
    then STAT_COLUMNS. Rows are ordered by subject (exam order, total last), then by unit.
    `county_means` (subject → mean) overrides the county means used for `over_mean_rate`,
    for when `scores` holds only part of the county."""
    prep = _prepare(scores, exam)
    return _stats(prep, _level_groups(prep, level, assignments), level, county_means)


# --- score bands ---------------------------------------------------------------------------


def _band_index(x: np.ndarray, full: np.ndarray) -> np.ndarray:
    """The band of each score: k with k·F ≤ 10·x < (k+1)·F, F itself in band 9. Both sides are
    rounded to 9 decimals, so that a score at exactly 0.3F lands in band 3 despite float noise."""
    scaled = np.round(x * BANDS, EXACT_DECIMALS)
    band = np.zeros(x.shape, dtype="int64")
    for k in range(1, BANDS):
        band += scaled >= np.round(k * full, EXACT_DECIMALS)
    return band


def _bands(prep: _Prepared, groups: _Groups, level: str) -> pd.DataFrame:
    sat = ~np.isnan(groups.x)
    band = _band_index(groups.x[sat], _full_marks(prep.exam)[groups.row_subject[sat]])
    counts = np.bincount(groups.gid[sat] * BANDS + band, minlength=groups.size * BANDS)
    counts = counts.reshape(groups.size, BANDS)
    frame = groups.frame.copy()
    for k, column in enumerate(BAND_COLUMNS):
        frame[column] = counts[:, k]
    return frame[[*LEVEL_KEYS[level], "subject", *BAND_COLUMNS]]


def score_bands(
    scores: pd.DataFrame,
    exam: ExamSpec,
    level: str,
    *,
    assignments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Counts of sat scores in ten equal bands of F, [0, 0.1F), …, [0.9F, F], per unit.

    Columns: the level's keys, `subject`, `band_0` … `band_9`; the same rows, in the same
    order, as `unit_stats`."""
    prep = _prepare(scores, exam)
    return _bands(prep, _level_groups(prep, level, assignments), level)


# --- student ranks -------------------------------------------------------------------------


def _student_ranks(prep: _Prepared) -> pd.DataFrame:
    frame = prep.keys.copy()
    method = prep.exam.rank_method
    school, schools = pd.factorize(frame["school"])
    total = prep.x[:, -1]
    ranked = np.round(total, EXACT_DECIMALS)
    frame["county_rank"] = _rank(ranked, method=method)
    frame["school_rank"] = _rank(ranked, school, len(schools), method=method)
    for j, name in enumerate(prep.exam.names):
        score, order = prep.x[:, j], prep.descending(j)
        frame[f"rank_{name}"] = _rank(score, descending=order, method=method)
        frame[f"school_rank_{name}"] = _rank(
            score, school, len(schools), descending=order, method=method
        )
    z = _standard(prep.x, *prep.moments)
    for j, name in enumerate([*prep.exam.names, TOTAL]):
        frame[f"z_{name}"] = z[:, j]
        frame[f"t_{name}"] = _t(z[:, j])
    frame = frame.drop(columns=["student", "school", "class_"])
    # Every listed student, the ones not counted with their total but no rank or z.
    out = prep.all_keys.copy()
    out[COUNTED] = prep.counted
    out["total"] = prep.all_x[:, -1]
    if prep.counted.all():
        return pd.concat([out, frame], axis=1)
    filled = pd.DataFrame(np.nan, index=out.index, columns=frame.columns)
    filled.loc[prep.counted] = frame.to_numpy()
    return pd.concat([out, filled], axis=1)


def student_ranks(scores: pd.DataFrame, exam: ExamSpec) -> pd.DataFrame:
    """One row per listed student, in input order: `student`, `school`, `class_`, `counted`,
    `total` (NaN unless the student sat every subject), `county_rank`, `school_rank` (by
    total), for each subject `rank_<name>` (county) and `school_rank_<name>`, then for each
    subject and the total `z_<name>` and `t_<name>` (standard scores against the county's
    counted students). Ranks follow the exam's `rank_method`, highest score first; ranks and
    standard scores are NaN for a missing score or total, and for a student not counted."""
    return _student_ranks(_prepare(scores, exam))


# --- max gap -------------------------------------------------------------------------------


def _gap(frame: pd.DataFrame) -> dict:
    ranked = frame[(frame["sat"] > 0) & frame["mean"].notna()]
    if ranked.empty:
        return {
            "max_gap": None,
            "highest": None,
            "lowest": None,
            "highest_mean": None,
            "lowest_mean": None,
            "schools": 0,
        }
    ordered = ranked.sort_values(["mean", "school"], ascending=[False, True], kind="stable")
    lowest = ranked.sort_values(["mean", "school"], ascending=[True, True], kind="stable")
    high, low = ordered.iloc[0], lowest.iloc[0]
    return {
        "max_gap": float(high["mean"] - low["mean"]),
        "highest": high["school"],
        "lowest": low["school"],
        "highest_mean": float(high["mean"]),
        "lowest_mean": float(low["mean"]),
        "schools": len(ranked),
    }


def max_gap(
    school_stats: pd.DataFrame,
    school_to_scope: str | Mapping[str, Hashable] | None = None,
) -> dict:
    """最大距: highest school mean − lowest school mean among schools with sat > 0.

    `school_stats` has `school`, `mean`, `sat` for one subject (or the total). Without a scope
    the answer is one dict: `max_gap`, `highest`, `lowest` (school codes; ties go to the
    smallest code), `highest_mean`, `lowest_mean`, `schools` (how many counted); `max_gap` and
    the codes are None when no school sat. With `school_to_scope` (a column of the frame, or a
    mapping school → scope such as a stage) the answer is {scope: that dict}, for each scope
    that has a school in the frame; schools missing from a mapping are left out."""
    if "subject" in school_stats and school_stats["subject"].nunique() > 1:
        raise ValueError("max gap compares schools in one subject")
    if school_to_scope is None:
        return _gap(school_stats)
    if isinstance(school_to_scope, str):
        scope = school_stats[school_to_scope]
    else:
        scope = school_stats["school"].map(school_to_scope)
    frame = school_stats.assign(_scope=scope.to_numpy()).dropna(subset=["_scope"])
    return {value: _gap(group) for value, group in frame.groupby("_scope", sort=True, dropna=True)}


# --- value-added ---------------------------------------------------------------------------


def _z_scores(x: np.ndarray) -> np.ndarray:
    """Per column: (x − county mean) / county population std over the sat scores; NaN for a
    column whose sat scores are all equal (std 0) or that nobody sat."""
    return _standard(x, *_moments(x))


def _value_added(
    current: _Prepared,
    baseline: _Prepared,
    level: str,
    assignments: pd.DataFrame | None,
) -> pd.DataFrame:
    names = [*current.exam.names, TOTAL]
    base_names = [*baseline.exam.names, TOTAL]
    common = [name for name in names if name in base_names]
    keep = np.array([names.index(name) for name in common], dtype="int64")
    base_keep = np.array([base_names.index(name) for name in common], dtype="int64")
    z_now = _z_scores(current.x[:, keep])
    z_base = _z_scores(baseline.x[:, base_keep])
    match = pd.Index(baseline.keys["student"]).get_indexer(current.keys["student"])
    gain = np.full(z_now.shape, np.nan)
    found = match >= 0
    gain[found] = z_now[found] - z_base[match[found]]

    rows = _level_rows(current.keys, common[:-1], len(common), level, assignments)
    groups = _groups(rows, gain, common, level)
    found = ~np.isnan(groups.x)
    matched = _count(groups, found)
    total = np.bincount(groups.gid[found], weights=groups.x[found], minlength=groups.size)
    frame = groups.frame
    frame["matched"] = matched
    frame["value_added"] = _divide(total, matched)
    frame["small_sample"] = matched < SMALL_SAMPLE
    return frame[[*LEVEL_KEYS[level], *VALUE_ADDED_COLUMNS]]


def value_added(
    current_scores: pd.DataFrame,
    baseline_scores: pd.DataFrame,
    current_exam: ExamSpec,
    baseline_exam: ExamSpec,
    level: str,
    assignments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """增值: per unit of the current exam and per subject of both exams (and the total, except
    for teachers), the mean gain in county z-score of its matched students.

    Columns: the level's keys, `subject`, `matched`, `value_added` (NaN when nobody matched),
    `small_sample` (matched < 15). Units are those of the current exam (same rows as
    `unit_stats` restricted to the common subjects)."""
    current = _prepare(current_scores, current_exam)
    baseline = _prepare(baseline_scores, baseline_exam)
    return _value_added(current, baseline, level, assignments)


# --- everything at once ----------------------------------------------------------------------


def compute_all(
    scores: pd.DataFrame,
    exam: ExamSpec,
    assignments: pd.DataFrame | None = None,
    *,
    baseline_scores: pd.DataFrame | None = None,
    baseline_exam: ExamSpec | None = None,
) -> Results:
    """Statistics and bands of every level, student ranks, and value-added when a baseline is
    given. The teacher level is computed only when `assignments` are given."""
    prep = _prepare(scores, exam)
    means = _county_means(prep)
    levels = [lv for lv in LEVELS if lv != "teacher" or assignments is not None]
    stats, bands = {}, {}
    for level in levels:
        groups = _level_groups(prep, level, assignments)
        stats[level] = _stats(prep, groups, level, means)
        bands[level] = _bands(prep, groups, level)
    added = {}
    if baseline_scores is not None and baseline_exam is not None:
        baseline = _prepare(baseline_scores, baseline_exam)
        for level in levels:
            added[level] = _value_added(prep, baseline, level, assignments)
    return Results(stats, bands, _student_ranks(prep), means, added)


# --- output --------------------------------------------------------------------------------


def _is_whole(column: str) -> bool:
    """Counts and ranks: `enrolled`, `sat`, `absent`, `matched`, `band_*`, `rank`, `*_rank`,
    `rank_<subject>`, `school_rank_<subject>`."""
    return (
        column in _INT_COLUMNS
        or column == "rank"
        or column.endswith("_rank")
        or column.startswith(("rank_", "school_rank_"))
    )


def _plain(value: object, whole: bool) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        value = float(value)
        if math.isnan(value) or math.isinf(value):
            return None
        if whole and value.is_integer():
            return int(value)
        return round(value, 6)
    return value


def stats_to_records(df: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts for JSON: NaN → None, floats rounded to 6 decimals, counts and ranks
    as ints (see `_is_whole`)."""
    columns = list(df.columns)
    whole = [_is_whole(c) for c in columns]
    return [
        {column: _plain(value, w) for column, value, w in zip(columns, values, whole, strict=True)}
        for values in df.itertuples(index=False, name=None)
    ]
