"""The statistics engine against a slow, obvious reference written with plain loops.

The reference reads every score as the decimal a person typed (Fraction of its shortest repr),
so lines, bands and ties are decided exactly; means and spreads use the statistics module.
Generated scores are decimals with a few places, as the results import produces them."""

import math
import statistics
from fractions import Fraction

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from exams.engine.statistics import (
    BAND_COLUMNS,
    LEVEL_KEYS,
    STAT_COLUMNS,
    TOTAL,
    ExamSpec,
    SubjectSpec,
    Weights,
    compute_all,
    value_added,
)

FULL_MARKS = [100.0, 120.0, 150.0, 23.0, 37.5, 110.0, 60.0]
FRACTIONS = ["0.9", "0.85", "0.8", "0.75", "0.7", "0.6", "0.5", "0.4", "0.35"]
WEIGHTS = [Weights(), Weights(a=0.5, b=0.2, c=0.2, d=0.1), Weights(a=1, b=0, c=0, d=0)]
NAMES = ["语文", "数学", "英语"]
TEACHERS = ["T0", "T1", "T2", "T3"]


def exact(value: float) -> Fraction:
    return Fraction(repr(value))


# --- random exams ----------------------------------------------------------------------------


@st.composite
def subjects(draw, name: str) -> SubjectSpec:
    full = draw(st.sampled_from(FULL_MARKS))
    if draw(st.booleans()):
        return SubjectSpec(name, full)
    fractions = sorted((draw(st.sampled_from(FRACTIONS)) for _ in range(4)), reverse=True)
    return SubjectSpec(name, full, *(float(f) for f in fractions))


def score(spec: SubjectSpec) -> st.SearchStrategy:
    full = exact(spec.full_marks)
    on_lines = [float(exact(f) * full) for f in spec.fractions]
    edges = [float(Fraction(k, 10) * full) for k in range(11)]
    near = [float(max(Fraction(0), exact(v) - Fraction(1, 2))) for v in on_lines]
    return st.one_of(
        st.just(math.nan),
        st.sampled_from(on_lines + edges + near),
        st.integers(0, int(spec.full_marks * 2)).map(lambda n: n / 2),
    )


def total_edges(exam: ExamSpec) -> list[Fraction]:
    """The total's lines and band edges, as exact decimals."""
    total = spec_of(exam, TOTAL)
    full = exact(total.full_marks)
    return [exact(f) * full for f in total.fractions] + [Fraction(k, 10) * full for k in range(11)]


def aim_total_at_an_edge(marks: dict, exam: ExamSpec, edge: Fraction) -> None:
    """Makes the last subject's score bring the total exactly onto `edge`, when it can: float
    sums such as 116.45 + 37.5 must still meet a line or band edge at 153.95."""
    *others, last = exam.subjects
    if any(math.isnan(marks[s.name]) for s in others):
        return
    needed = edge - sum((exact(marks[s.name]) for s in others), Fraction(0))
    if 0 <= needed <= exact(last.full_marks):
        marks[last.name] = float(needed)


@st.composite
def exams(draw):
    count = draw(st.integers(1, 3))
    specs = [draw(subjects(name)) for name in NAMES[:count]]
    exam = ExamSpec(
        specs,
        rate_base=draw(st.sampled_from(["sat", "enrolled"])),
        weights=draw(st.sampled_from(WEIGHTS)),
        rank_method=draw(st.sampled_from(["competition", "dense"])),
    )
    # Now and then a student not counted (不计入统计): listed, left out of every figure.
    some_not_counted = draw(st.booleans())
    rows, assignments = [], []
    for s in range(draw(st.integers(1, 4))):
        school = f"S{s}"
        for c in range(1, draw(st.integers(1, 3)) + 1):
            class_ = str(c)  # the same class keys in every school
            for i in range(draw(st.integers(0, 12))):
                marks = {spec.name: draw(score(spec)) for spec in specs}
                if draw(st.booleans()):
                    aim_total_at_an_edge(marks, exam, draw(st.sampled_from(total_edges(exam))))
                counted = not (some_not_counted and draw(st.integers(0, 3)) == 0)
                rows.append(
                    {
                        "student": f"{school}-{c}-{i}",
                        "school": school,
                        "class_": class_,
                        "counted": counted,
                        **marks,
                    }
                )
            for spec in specs:
                for teacher in draw(st.lists(st.sampled_from(TEACHERS), max_size=2)):
                    assignments.append((teacher, school, class_, spec.name))
    columns = ["student", "school", "class_", "counted", *exam.names]
    scores = pd.DataFrame(rows, columns=columns)
    taught = pd.DataFrame(assignments, columns=["teacher", "school", "class_", "subject"])
    return exam, scores, taught


# --- the reference ---------------------------------------------------------------------------


def students_of(scores: pd.DataFrame, exam: ExamSpec, everyone: bool = False) -> list[dict]:
    """Each counted student (every listed one with `everyone`) with float scores and the
    total (None without every subject)."""
    out = []
    for record in scores.to_dict("records"):
        if not everyone and not record.get("counted", True):
            continue
        marks = {n: (None if math.isnan(record[n]) else float(record[n])) for n in exam.names}
        total = None
        if all(v is not None for v in marks.values()):
            total = 0.0
            for name in exam.names:
                total += marks[name]
        out.append({**record, "marks": {**marks, TOTAL: total}})
    return out


def exact_total(student: dict, exam: ExamSpec) -> Fraction | None:
    marks = student["marks"]
    if marks[TOTAL] is None:
        return None
    return sum((exact(marks[n]) for n in exam.names), Fraction(0))


def exact_mark(student: dict, name: str, exam: ExamSpec) -> Fraction | None:
    if name == TOTAL:
        return exact_total(student, exam)
    value = student["marks"][name]
    return None if value is None else exact(value)


def spec_of(exam: ExamSpec, name: str) -> SubjectSpec:
    if name == TOTAL:
        fractions = {s.fractions for s in exam.subjects}
        shared = fractions.pop() if len(fractions) == 1 else (0.85, 0.75, 0.6, 0.4)
        return SubjectSpec(TOTAL, sum(s.full_marks for s in exam.subjects), *shared)
    return next(s for s in exam.subjects if s.name == name)


def units_of(level: str, students: list[dict], exam: ExamSpec, taught: pd.DataFrame) -> dict:
    """{(unit key, subject): [students]}"""
    names = [*exam.names, TOTAL]
    groups: dict = {}
    if level == "county":
        for name in names:
            groups[((), name)] = list(students)
        return groups
    if level == "teacher":
        pairs = set(taught.itertuples(index=False, name=None))
        for teacher, school, class_, name in sorted(pairs):
            if name not in exam.names:
                continue
            members = [s for s in students if (s["school"], s["class_"]) == (school, class_)]
            if members:
                groups.setdefault(((teacher,), name), []).extend(members)
        return groups
    for student in students:
        key = tuple(student[c] for c in LEVEL_KEYS[level])
        for name in names:
            groups.setdefault((key, name), []).append(student)
    return groups


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.nan


def county_moments(students: list[dict], name: str) -> tuple[float, float]:
    """Mean and population std of the sat marks; the std is NaN when all are equal."""
    sat = [s["marks"][name] for s in students if s["marks"][name] is not None]
    if not sat:
        return math.nan, math.nan
    spread = statistics.pstdev(sat) if max(sat) != min(sat) else math.nan
    return statistics.fmean(sat), spread


def school_mean(students: list[dict], schools: set, name: str) -> float:
    marks = [
        s["marks"][name]
        for s in students
        if s["school"] in schools and s["marks"][name] is not None
    ]
    return statistics.fmean(marks) if marks else math.nan


def reference_stats(level, students, exam, taught) -> dict:
    groups = units_of(level, students, exam, taught)
    county = {}
    moments = {}
    for name in [*exam.names, TOTAL]:
        sat = [s["marks"][name] for s in students if s["marks"][name] is not None]
        county[name] = statistics.fmean(sat) if sat else math.nan
        moments[name] = county_moments(students, name)
    w = exam.weights
    out, exact_composites = {}, {}
    for (key, name), members in groups.items():
        spec = spec_of(exam, name)
        full = exact(spec.full_marks)
        lines = [exact(f) * full for f in (spec.excellent, spec.good, spec.pass_, spec.low)]
        marks = [s["marks"][name] for s in members if s["marks"][name] is not None]
        exact_marks = [exact_mark(s, name, exam) for s in members]
        exact_marks = [m for m in exact_marks if m is not None]
        enrolled, sat = len(members), len(marks)
        base = sat if exam.rate_base == "sat" else enrolled
        counts = [
            sum(1 for m in exact_marks if m >= lines[0]),
            sum(1 for m in exact_marks if m >= lines[1]),
            sum(1 for m in exact_marks if m >= lines[2]),
            sum(1 for m in exact_marks if m < lines[3]),
        ]
        mean = statistics.fmean(marks) if marks else math.nan
        rates = [ratio(c, base) for c in counts]
        if level == "county":
            over = 0.0 if marks else math.nan
        else:
            c = county[name]
            over = (mean - c) / c if marks and c == c and c != 0 else math.nan
        composite = 100 * (w.a * mean / spec.full_marks + w.b * rates[0] + w.c * rates[2])
        composite -= 100 * w.d * rates[3]
        c_mean, c_std = moments[name]
        over_school = math.nan
        if level in ("class", "teacher"):
            reference = school_mean(students, {s["school"] for s in members}, name)
            if marks and reference == reference and reference != 0:
                over_school = (mean - reference) / reference
        every = [math.nan, math.nan]
        if name == TOTAL:
            complete = [s for s in members if s["marks"][TOTAL] is not None]
            for k, line_of in enumerate((lambda p: p.pass_, lambda p: p.excellent)):
                reached = sum(
                    1
                    for s in complete
                    if all(
                        exact(s["marks"][n]) >= exact(line_of(p)) * exact(p.full_marks)
                        for n, p in ((n, spec_of(exam, n)) for n in exam.names)
                    )
                )
                every[k] = ratio(reached, len(complete))
        out[(key, name)] = {
            "enrolled": enrolled,
            "sat": sat,
            "absent": enrolled - sat,
            "participation": ratio(sat, enrolled),
            "mean": mean,
            "mean_rate": mean / spec.full_marks,
            "median": statistics.median(marks) if marks else math.nan,
            "max": max(marks) if marks else math.nan,
            "min": min(marks) if marks else math.nan,
            "std": statistics.pstdev(marks) if marks else math.nan,
            "excellent_rate": rates[0],
            "good_rate": rates[1],
            "pass_rate": rates[2],
            "low_rate": rates[3],
            "over_mean_rate": over,
            "over_school_mean_rate": over_school,
            "composite": composite,
            "t_score": 50 + 10 * (mean - c_mean) / c_std,
            "all_pass_rate": every[0],
            "all_excellent_rate": every[1],
        }
        if sat:
            exact_base = Fraction(base)
            exact_composites[(key, name)] = 100 * (
                exact(w.a) * sum(exact_marks, Fraction(0)) / sat / full
                + exact(w.b) * counts[0] / exact_base
                + exact(w.c) * counts[2] / exact_base
                - exact(w.d) * counts[3] / exact_base
            )
    for (key, name), row in out.items():
        mine = exact_composites.get((key, name))
        if mine is None:
            row["rank"] = math.nan
            continue
        others = [v for (k, n), v in exact_composites.items() if n == name]
        if exam.rank_method == "dense":
            row["rank"] = 1 + len({v for v in others if v > mine})
        else:
            row["rank"] = 1 + sum(1 for v in others if v > mine)
    return out


def reference_bands(level, students, exam, taught) -> dict:
    out = {}
    for (key, name), members in units_of(level, students, exam, taught).items():
        full = exact(spec_of(exam, name).full_marks)
        counts = [0] * 10
        for student in members:
            mark = exact_mark(student, name, exam)
            if mark is not None:
                counts[min(9, math.floor(mark * 10 / full))] += 1
        out[(key, name)] = counts
    return out


def ranks_of(values: dict, method: str) -> dict:
    """{id: value or None} → {id: rank or nan}, competition ("1224") or dense ("1223")."""
    present = [v for v in values.values() if v is not None]
    if method == "dense":
        present = list(set(present))
    return {
        i: (math.nan if v is None else 1 + sum(1 for o in present if o > v))
        for i, v in values.items()
    }


def reference_student_ranks(students, exam, everyone) -> dict:
    """Ranks and standard scores of the counted `students`; the others of `everyone` have
    their total and nothing else."""
    out = {s["student"]: {} for s in students}

    def competition(values: dict) -> dict:
        return ranks_of(values, exam.rank_method)

    for name, column in [(TOTAL, "county_rank"), *((n, f"rank_{n}") for n in exam.names)]:
        school_column = "school_rank" if name == TOTAL else f"school_rank_{name}"
        marks = {s["student"]: exact_mark(s, name, exam) for s in students}
        for student, rank in competition(marks).items():
            out[student][column] = rank
        for school in {s["school"] for s in students}:
            mine = {s["student"]: marks[s["student"]] for s in students if s["school"] == school}
            for student, rank in competition(mine).items():
                out[student][school_column] = rank
    for name in [*exam.names, TOTAL]:
        mean, std = county_moments(students, name)
        for s in students:
            mark = s["marks"][name]
            z = math.nan if mark is None else (mark - mean) / std
            out[s["student"]][f"z_{name}"] = z
            out[s["student"]][f"t_{name}"] = 50 + 10 * z
    for s in students:
        out[s["student"]]["counted"] = True
    blank = dict.fromkeys(next(iter(out.values()), {}), math.nan)
    for s in everyone:
        total = s["marks"][TOTAL]
        if s["student"] not in out:
            out[s["student"]] = {**blank, "counted": False}
        out[s["student"]]["total"] = math.nan if total is None else total
    return out


# --- comparing -------------------------------------------------------------------------------


def same(a, b) -> bool:
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def keyed(frame: pd.DataFrame, level: str) -> dict:
    out = {}
    for record in frame.to_dict("records"):
        key = tuple(record[c] for c in LEVEL_KEYS[level])
        out[(key, record["subject"])] = record
    return out


@settings(max_examples=150, deadline=None)
@given(exams())
def test_engine_agrees_with_the_reference(case):
    exam, scores, taught = case
    results = compute_all(scores, exam, taught)
    students = students_of(scores, exam)
    for level in ("county", "school", "class", "teacher"):
        got = keyed(results.stats[level], level)
        want = reference_stats(level, students, exam, taught)
        assert set(got) == set(want), level
        for key, expected in want.items():
            for column in STAT_COLUMNS[1:]:
                assert same(got[key][column], expected[column]), (level, key, column)
        got_bands = keyed(results.bands[level], level)
        want_bands = reference_bands(level, students, exam, taught)
        assert set(got_bands) == set(want_bands)
        for key, counts in want_bands.items():
            assert [got_bands[key][c] for c in BAND_COLUMNS] == counts, (level, key)
    ranks = results.students.set_index("student").to_dict("index")
    want_ranks = reference_student_ranks(students, exam, students_of(scores, exam, True))
    assert set(ranks) == set(want_ranks)
    for student, expected in want_ranks.items():
        for column, value in expected.items():
            assert same(ranks[student][column], value), (student, column)


# --- value-added -----------------------------------------------------------------------------


def reference_value_added(level, current, baseline, exam, taught) -> dict:
    """Gains per matched student, averaged per unit of the current exam."""

    def z_of(students: list[dict], name: str) -> dict:
        marks = [s["marks"][name] for s in students if s["marks"][name] is not None]
        if not marks or max(marks) == min(marks):
            return {}
        mean, std = statistics.fmean(marks), statistics.pstdev(marks)
        return {
            s["student"]: (s["marks"][name] - mean) / std
            for s in students
            if s["marks"][name] is not None
        }

    out = {}
    groups = units_of(level, current, exam, taught)
    z = {name: (z_of(current, name), z_of(baseline, name)) for name in [*exam.names, TOTAL]}
    for (key, name), members in groups.items():
        now, before = z[name]
        gains = [
            now[s["student"]] - before[s["student"]]
            for s in members
            if s["student"] in now and s["student"] in before
        ]
        out[(key, name)] = {
            "matched": len(gains),
            "value_added": statistics.fmean(gains) if gains else math.nan,
            "small_sample": len(gains) < 15,
        }
    return out


@settings(max_examples=60, deadline=None)
@given(exams(), st.data())
def test_value_added_agrees_with_the_reference(case, data):
    exam, scores, taught = case
    # The baseline: the same students (some dropped, some absent) with other scores.
    baseline = scores.copy()
    for name in exam.names:
        spec = spec_of(exam, name)
        baseline[name] = [data.draw(score(spec)) for _ in range(len(scores))]
    keep = [data.draw(st.booleans()) for _ in range(len(scores))]
    baseline = baseline[pd.Series(keep, index=baseline.index, dtype=bool)]
    current_students = students_of(scores, exam)
    baseline_students = students_of(baseline, exam)
    for level in ("county", "school", "class", "teacher"):
        got = keyed(value_added(scores, baseline, exam, exam, level, taught), level)
        want = reference_value_added(level, current_students, baseline_students, exam, taught)
        assert set(got) == set(want), level
        for key, expected in want.items():
            assert got[key]["matched"] == expected["matched"], (level, key)
            assert got[key]["small_sample"] == expected["small_sample"], (level, key)
            assert same(got[key]["value_added"], expected["value_added"]), (level, key)
