"""The reward and evaluation rules of SPEC §7, as pure functions over plain data.

No ORM here (import-linter keeps ``django.db`` out): the services load stored statistics and
target progress into the small dataclasses below, call these functions, and store what they
return. Every award line carries its reason in Chinese ("综合指数第2名（55.57）").

Ranks are competition ranks ("1224"), descending by the metric, among the units that are
eligible, sat > 0 and have a value: an excluded school does not take a place from another.
Money is whole yuan (``int``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction

TOP_K, THRESHOLD, PROGRESS, PER_STUDENT, TARGET_ATTAINED, MANUAL = (
    "top_k",
    "threshold",
    "progress",
    "per_student",
    "target_attained",
    "manual",
)
RULES = (TOP_K, THRESHOLD, PROGRESS, PER_STUDENT, TARGET_ATTAINED, MANUAL)
STAT_RULES = (TOP_K, THRESHOLD, PROGRESS)
TARGET_RULES = (PER_STUDENT, TARGET_ATTAINED)

SCHOOL, SUBJECT_GROUP, CLASS, TEACHER = "school", "subject_group", "class", "teacher"
RECIPIENTS = (SCHOOL, SUBJECT_GROUP, CLASS, TEACHER)

# Metrics an award may rank or threshold by: larger is better for each of them.
METRIC_LABELS = {
    "composite": "综合指数",
    "mean": "平均分",
    "mean_rate": "得分率",
    "excellent_rate": "优秀率",
    "good_rate": "良好率",
    "pass_rate": "及格率",
    "over_mean_rate": "超均率",
    "participation": "参考率",
    "value_added": "增值",
}
PERCENT_METRICS = {
    "mean_rate",
    "excellent_rate",
    "good_rate",
    "pass_rate",
    "over_mean_rate",
    "participation",
}
MIN_MATCHED = 15  # value-added counts only with at least this many matched students


def format_value(metric: str, value: float | None) -> str:
    """How a reason shows a metric's value: rates as percentages with one decimal,
    value-added with three decimals, everything else with two."""
    if value is None:
        return "—"
    if metric in PERCENT_METRICS:
        return f"{value * 100:.1f}%"
    if metric == "value_added":
        return f"{value:.3f}"
    return f"{value:.2f}"


# --- inputs and outputs --------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One recipient unit with its statistics in the award's exam and subject.

    ``key`` is stable across exams for the same recipient (a school code, "S001/3" for class
    3 of a school, a staff number, "S001/数学" for a subject group), so that ``progress`` can
    match units of two exams."""

    key: str
    label: str
    school: str | None = None
    school_name: str = ""
    subject: str = ""
    class_name: str | None = None
    teacher: str | None = None
    teacher_name: str | None = None
    enrolled: int = 0
    sat: int = 0
    values: dict = field(default_factory=dict)

    def value(self, metric: str) -> float | None:
        if metric == "participation":
            return self.sat / self.enrolled if self.enrolled else None
        return self.values.get(metric)


@dataclass(frozen=True)
class TargetRow:
    """A school's row of a target's progress: its quota (``target``), actual and attainment."""

    school: str
    school_name: str
    quota: float | None
    actual: float | None
    attainment: float | None


@dataclass(frozen=True)
class Award:
    """One award of a scheme, as the rules need it (validated by the services)."""

    name: str
    rule: str
    recipient: str = SCHOOL
    metric: str = "composite"
    k: int | None = None
    value: float | None = None
    amounts: dict[int, int] | None = None  # rank tier → yuan
    amount: int | None = None
    per_student: int | None = None
    cap: int | None = None
    min_participation: float | None = None
    min_sat: int | None = None
    exclude: frozenset[str] = frozenset()
    entries: tuple[dict, ...] = ()  # manual lines


@dataclass(frozen=True)
class Line:
    """One award line: who, why, how much (before any scaling to the budget)."""

    key: str
    recipient: str
    school: str | None
    school_name: str
    subject: str
    class_name: str | None
    teacher: str | None
    teacher_name: str | None
    rank: int | None
    value: float | None
    amount: int
    reason: str


def _line(unit: Unit, *, rank: int | None, value: float | None, amount: int, reason: str) -> Line:
    return Line(
        key=unit.key,
        recipient=unit.label,
        school=unit.school,
        school_name=unit.school_name,
        subject=unit.subject,
        class_name=unit.class_name,
        teacher=unit.teacher,
        teacher_name=unit.teacher_name,
        rank=rank,
        value=value,
        amount=amount,
        reason=reason,
    )


# --- ranks and eligibility -----------------------------------------------------------------


def competition_ranks(values: Sequence[float], *, descending: bool = True) -> list[int]:
    """SPEC §1 competition ranks ("1224"): ties share the best number, the next one skips."""
    sign = -1 if descending else 1
    ordered = sorted(sign * v for v in values)
    first: dict[float, int] = {}
    for i, v in enumerate(ordered, start=1):
        first.setdefault(v, i)
    return [first[sign * v] for v in values]


def is_eligible(unit: Unit, award: Award) -> bool:
    """min_participation (sat / enrolled), min_sat and the excluded schools."""
    if unit.school is not None and unit.school in award.exclude:
        return False
    if award.min_sat is not None and unit.sat < award.min_sat:
        return False
    return award.min_participation is None or bool(
        unit.enrolled and unit.sat / unit.enrolled >= award.min_participation
    )


def ranked(units: Iterable[Unit], metric: str) -> list[tuple[int, Unit, float]]:
    """(rank, unit, value) of the units with sat > 0 and a value, best first."""
    valued = [(u, u.value(metric)) for u in units if u.sat > 0]
    valued = [(u, v) for u, v in valued if v is not None and not math.isnan(v)]
    ranks = competition_ranks([v for _, v in valued])
    out = [(r, u, v) for r, (u, v) in zip(ranks, valued, strict=True)]
    out.sort(key=lambda t: (t[0], t[1].key))
    return out


def capped(amount: int, cap: int | None) -> int:
    return amount if cap is None else min(amount, cap)


# --- the rules -----------------------------------------------------------------------------


def tier_amount(award: Award, rank: int) -> int | None:
    """The amount of a rank: the tier of the largest rank ≤ ``rank`` ({1: 5000, 2: 3000,
    4: 1000}: ranks 2–3 get 3000), or the flat ``amount``. Tied units share their
    competition rank, which is the better (higher) tier."""
    if award.amounts:
        tiers = [t for t in award.amounts if t <= rank]
        return award.amounts[max(tiers)] if tiers else None
    return award.amount


def top_k_limit(award: Award) -> int:
    if award.k is not None:
        return award.k
    return max(award.amounts) if award.amounts else 0


def top_k(units: Iterable[Unit], award: Award) -> list[Line]:
    """Units ranked by the metric with rank ≤ k, paid by tier or the flat amount."""
    label = METRIC_LABELS[award.metric]
    limit = top_k_limit(award)
    lines = []
    for rank, unit, value in ranked((u for u in units if is_eligible(u, award)), award.metric):
        if rank > limit:
            break
        amount = tier_amount(award, rank)
        if amount is None:
            continue
        reason = f"{label}第{rank}名（{format_value(award.metric, value)}）"
        lines.append(
            _line(unit, rank=rank, value=value, amount=capped(amount, award.cap), reason=reason)
        )
    return lines


def threshold(units: Iterable[Unit], award: Award) -> list[Line]:
    """Units whose metric ≥ value; value-added only with at least 15 matched students."""
    label = METRIC_LABELS[award.metric]
    lines = []
    for rank, unit, value in ranked((u for u in units if is_eligible(u, award)), award.metric):
        if award.metric == "value_added" and (unit.values.get("matched") or 0) < MIN_MATCHED:
            continue
        if value >= award.value:
            reason = (
                f"{label}{format_value(award.metric, value)}，"
                f"达到{format_value(award.metric, award.value)}"
            )
            lines.append(
                _line(
                    unit,
                    rank=rank,
                    value=value,
                    amount=capped(award.amount, award.cap),
                    reason=reason,
                )
            )
    return lines


def progress(now: Iterable[Unit], baseline: Iterable[Unit], award: Award) -> list[Line]:
    """Units whose rank improved by ≥ k places from the baseline exam to the exam, both
    ranked among the same set: the eligible units with a value in both exams."""
    base_values = {u.key: u.value(award.metric) for u in baseline if u.sat > 0}
    current = [u for u in now if is_eligible(u, award) and base_values.get(u.key) is not None]
    now_ranked = ranked(current, award.metric)
    common = {u.key for _, u, _ in now_ranked}
    base_list = [(key, v) for key, v in base_values.items() if key in common]
    base_rank = dict(
        zip(
            [key for key, _ in base_list],
            competition_ranks([v for _, v in base_list]),
            strict=True,
        )
    )
    label = METRIC_LABELS[award.metric]
    lines = []
    for rank, unit, value in now_ranked:
        before = base_rank[unit.key]
        if before - rank >= award.k:
            reason = f"{label}名次由第{before}名升至第{rank}名（进步{before - rank}名）"
            lines.append(
                _line(
                    unit,
                    rank=rank,
                    value=value,
                    amount=capped(award.amount, award.cap),
                    reason=reason,
                )
            )
    return lines


def _school_unit(row: TargetRow) -> Unit:
    return Unit(
        key=row.school, label=row.school_name, school=row.school, school_name=row.school_name
    )


def _number(value: float) -> str:
    return f"{value:g}"


def per_student(rows: Iterable[TargetRow], award: Award) -> list[Line]:
    """Schools whose actual exceeds their quota: per_student × (actual − quota), at most cap."""
    lines = []
    for row in sorted(rows, key=lambda r: r.school):
        if row.school in award.exclude or row.quota is None or row.actual is None:
            continue
        excess = row.actual - row.quota
        if excess <= 0:
            continue
        full = round(award.per_student * excess)
        amount = capped(full, award.cap)
        reason = f"超出目标 {_number(excess)} 人 × {award.per_student} 元"
        if amount < full:
            reason += f"，封顶 {amount} 元"
        lines.append(
            _line(_school_unit(row), rank=None, value=row.actual, amount=amount, reason=reason)
        )
    return lines


def target_attained(rows: Iterable[TargetRow], award: Award) -> list[Line]:
    """Schools with attainment ≥ 1: the flat amount each."""
    lines = []
    for row in sorted(rows, key=lambda r: r.school):
        if row.school in award.exclude or row.attainment is None or row.attainment < 1:
            continue
        reason = f"完成目标（完成率 {row.attainment * 100:.1f}%）"
        lines.append(
            _line(
                _school_unit(row),
                rank=None,
                value=row.attainment,
                amount=capped(award.amount, award.cap),
                reason=reason,
            )
        )
    return lines


def manual(award: Award) -> list[Line]:
    """Lines entered by staff: each names its recipient, amount and reason."""
    lines = []
    for i, e in enumerate(award.entries):
        unit = Unit(
            key=e.get("key") or f"manual-{i + 1}",
            label=e.get("recipient") or e.get("school_name") or e.get("school") or "",
            school=e.get("school"),
            school_name=e.get("school_name", ""),
            subject=e.get("subject", ""),
            class_name=e.get("class_name"),
            teacher=e.get("teacher"),
            teacher_name=e.get("teacher_name"),
        )
        lines.append(
            _line(
                unit,
                rank=None,
                value=None,
                amount=capped(int(e["amount"]), award.cap),
                reason=e["reason"],
            )
        )
    return lines


# --- the budget ----------------------------------------------------------------------------


def largest_remainder(weights: Sequence[int | float], total: int) -> list[int]:
    """SPEC §6 largest remainder: ``total`` split in proportion to ``weights``; each gets the
    floor of its share and the seats left go one each to the largest fractional parts, ties
    broken by the larger weight, then the earlier position. Σ = total (0s when Σw = 0)."""
    exact = [Fraction(w) for w in weights]
    whole = sum(exact)
    if whole <= 0 or total <= 0:
        return [0] * len(weights)
    shares = [Fraction(total) * w / whole for w in exact]
    floors = [math.floor(s) for s in shares]
    left = total - sum(floors)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), -exact[i], i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def scale_to_budget(amounts: Sequence[int], budget: int) -> list[int]:
    """Amounts multiplied by budget / total when their total exceeds the budget, rounded to
    whole yuan by the largest remainder so that they add up to the budget exactly."""
    if sum(amounts) <= budget:
        return list(amounts)
    return largest_remainder(amounts, budget)


# --- evaluation lists ----------------------------------------------------------------------


@dataclass(frozen=True)
class TeacherResult:
    """A teacher unit of one exam and subject (SPEC §1 teacher level)."""

    teacher: str
    teacher_name: str
    school: str
    school_name: str
    exam: str
    exam_name: str
    grade: int
    subject: str
    sat: int
    composite: float | None
    mean: float | None = None
    value_added: float | None = None
    county_rank: int | None = None
    backbone: bool = False


@dataclass(frozen=True)
class Listed:
    """A row of an evaluation list (SPEC §7 ``GET /evaluations/``)."""

    teacher: str | None
    teacher_name: str | None
    school: str
    school_name: str
    subject: str
    grade: int
    exam: str
    rank: int | None
    of: int | None
    value: float | None
    reason: str
    extra: dict = field(default_factory=dict)


def bottom_half(results: Iterable[TeacherResult]) -> list[Listed]:
    """Among the m teacher units of one school, grade, exam and subject with sat > 0
    (m ≥ 2), ranked by composite, a teacher with rank > ⌈m/2⌉ is in the bottom half."""
    groups: dict[tuple, list[TeacherResult]] = defaultdict(list)
    for r in results:
        if r.sat > 0 and r.composite is not None:
            groups[(r.school, r.grade, r.exam, r.subject)].append(r)
    out = []
    for (_school, _grade, _exam, _subject), members in sorted(groups.items()):
        m = len(members)
        if m < 2:
            continue
        half = math.ceil(m / 2)
        ranks = competition_ranks([r.composite for r in members])
        for rank, r in sorted(zip(ranks, members, strict=True), key=lambda t: (t[0], t[1].teacher)):
            if rank > half:
                out.append(
                    Listed(
                        teacher=r.teacher,
                        teacher_name=r.teacher_name,
                        school=r.school,
                        school_name=r.school_name,
                        subject=r.subject,
                        grade=r.grade,
                        exam=r.exam,
                        rank=rank,
                        of=m,
                        value=r.composite,
                        reason=f"《{r.exam_name}》{r.subject}综合指数校内第{rank}名/共{m}名，"
                        "位于后二分之一，本年度不得评为优秀",
                        extra={"backbone": r.backbone},
                    )
                )
    return out


def backbone_review(listed: Iterable[Listed]) -> list[Listed]:
    """The backbone teachers of the bottom half (调出骨干 is decided by a person)."""
    return [
        replace(x, reason=x.reason.replace("本年度不得评为优秀", "骨干教师，列入复核名单"))
        for x in listed
        if x.extra.get("backbone")
    ]


@dataclass(frozen=True)
class CountyFigures:
    mean: float
    full_marks: float


def far_below(
    results: Iterable[TeacherResult],
    county: dict[tuple[str, str], CountyFigures],
    *,
    p: float = 10,
    d: float = 0.10,
) -> list[Listed]:
    """Teachers in the county's bottom ``p`` % of teacher units of an exam and subject by
    composite (the ⌈n·p/100⌉ lowest, ties at the boundary all in), whose mean is at least
    ``d`` × full marks below the county mean, and whose value-added, where there is one, is
    below 0."""
    groups: dict[tuple, list[TeacherResult]] = defaultdict(list)
    for r in results:
        if r.sat > 0 and r.composite is not None:
            groups[(r.exam, r.subject)].append(r)
    out = []
    for (exam, subject), members in sorted(groups.items()):
        figures = county.get((exam, subject))
        if figures is None:
            continue
        n = len(members)
        count = math.ceil(n * p / 100)
        if count <= 0:
            continue
        boundary = sorted(r.composite for r in members)[count - 1]
        ranks = competition_ranks([r.composite for r in members])
        for rank, r in sorted(zip(ranks, members, strict=True), key=lambda t: (t[0], t[1].teacher)):
            if r.composite > boundary or r.mean is None:
                continue
            gap = figures.mean - r.mean
            if gap < d * figures.full_marks - 1e-9:
                continue
            if r.value_added is not None and r.value_added >= 0:
                continue
            reason = (
                f"《{r.exam_name}》{subject}综合指数全县第{rank}名/共{n}名，"
                f"平均分低于全县 {gap:.2f} 分"
            )
            if r.value_added is not None:
                reason += f"，增值 {r.value_added:.3f}"
            out.append(
                Listed(
                    teacher=r.teacher,
                    teacher_name=r.teacher_name,
                    school=r.school,
                    school_name=r.school_name,
                    subject=subject,
                    grade=r.grade,
                    exam=exam,
                    rank=rank,
                    of=n,
                    value=r.composite,
                    reason=reason + "，列入复核名单",
                )
            )
    return out


@dataclass(frozen=True)
class ExamRef:
    code: str
    name: str
    grade: int
    date: object  # anything ordered (a date)


@dataclass(frozen=True)
class SchoolResult:
    """A school's total composite in one exam."""

    school: str
    school_name: str
    stage: str
    stage_label: str
    sat: int
    composite: float | None


def last_places(results: Iterable[SchoolResult], k: int) -> dict[str, tuple[int, int, float]]:
    """{school: (rank, of, composite)} of the schools last ``k`` among their stage in one
    exam: counted from the bottom with competition ranks (ties at the bottom all last)."""
    by_stage: dict[str, list[SchoolResult]] = defaultdict(list)
    for r in results:
        if r.sat > 0 and r.composite is not None:
            by_stage[r.stage].append(r)
    out = {}
    for members in by_stage.values():
        if len(members) < 2:
            continue
        from_bottom = competition_ranks([r.composite for r in members], descending=False)
        ranks = competition_ranks([r.composite for r in members])
        for up, down, r in zip(ranks, from_bottom, members, strict=True):
            if down <= k:
                out[r.school] = (up, len(members), r.composite)
    return out


def last_place_warnings(
    exams: Sequence[ExamRef],
    results: dict[str, list[SchoolResult]],
    *,
    n: int = 2,
    k: int = 1,
    counted: set[str] | None = None,
) -> list[Listed]:
    """Schools ranked last ``k`` among their stage by total composite in ``n`` consecutive
    published exams of one grade (``exams``: the published exams, any order). A warning is
    named by the last exam of its run, and only runs ending in a ``counted`` exam count."""
    by_grade: dict[int, list[ExamRef]] = defaultdict(list)
    for e in exams:
        by_grade[e.grade].append(e)
    out = []
    for grade, series in sorted(by_grade.items()):
        series = sorted(series, key=lambda e: (e.date, e.code))
        lasts = [last_places(results.get(e.code, []), k) for e in series]
        for i in range(n - 1, len(series)):
            exam = series[i]
            if counted is not None and exam.code not in counted:
                continue
            run = series[i - n + 1 : i + 1]
            schools = set(lasts[i])
            for j in range(i - n + 1, i):
                schools &= set(lasts[j])
            info = {r.school: r for r in results.get(exam.code, [])}
            for school in sorted(schools):
                rank, of, composite = lasts[i][school]
                r = info[school]
                names = "、".join(f"《{e.name}》" for e in run)
                out.append(
                    Listed(
                        teacher=None,
                        teacher_name=None,
                        school=school,
                        school_name=r.school_name,
                        subject="total",
                        grade=grade,
                        exam=exam.code,
                        rank=rank,
                        of=of,
                        value=composite,
                        reason=f"连续{n}次考试（{names}）总分综合指数位列全县"
                        f"{r.stage_label}学校末位",
                        extra={"exams": [e.code for e in run]},
                    )
                )
    return out


CLASS_LETTERS = ("A", "B", "C", "D")


def classify(scores: dict[str, float], cuts: Sequence[float] = (0.75, 0.5, 0.25)) -> dict:
    """{school: letter}: A when its percentile ≥ cuts[0], B ≥ cuts[1], C ≥ cuts[2], else D.
    The percentile of a school is the share of the other schools it is strictly above
    (0 for the lowest, 1 for the highest; one school alone is A)."""
    out = {}
    values = list(scores.values())
    n = len(values)
    for school, v in scores.items():
        pct = 1.0 if n == 1 else sum(1 for w in values if w < v) / (n - 1)
        letter = CLASS_LETTERS[-1]
        for cut, candidate in zip(cuts, CLASS_LETTERS, strict=False):
            if pct >= cut - 1e-12:
                letter = candidate
                break
        out[school] = (letter, pct)
    return out


def classify_attainment(scores: dict[str, float], cuts: Sequence[float] = (1.0, 0.9, 0.8)):
    """{school: (letter, attainment)}: A when its mean attainment ≥ cuts[0], B, C, else D."""
    out = {}
    for school, v in scores.items():
        letter = CLASS_LETTERS[-1]
        for cut, candidate in zip(cuts, CLASS_LETTERS, strict=False):
            if v >= cut - 1e-12:
                letter = candidate
                break
        out[school] = (letter, v)
    return out
