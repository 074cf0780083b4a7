"""The data of a bulletin's sections, read from what is stored: plain functions returning
JSON-safe dicts and lists (numbers unrounded, dates as ISO strings, labels already in Chinese).

``gather_sections(period)`` is what ``reports.rendering.context`` stores in ``Bulletin.content``; each
section function can be tested on its own. Nothing here is student-level: exams give county,
subject and school figures only, and free texts (visit findings, the bulletin's news and
examples) go through ``mask_students`` before they are shown.

The bulletin reads the whole county, as a leader would (``COUNTY_READER``): selectors that are
scoped by ``bureau.access`` are called with it, so the figures are the ones the pages show to
bureau roles.
"""

from __future__ import annotations

import calendar
import contextlib
import contextvars
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau.models import AcademicYear, Role, Term
from core.formatting import mask_name
from exams.models import TOTAL, Exam, ExamKind, ExamState, ExamSubject, Level, StatsStatus, UnitStat
from exams.selectors.stats import gaps_by_stage
from inspections.models import (
    RectificationAction,
    RectificationEvent,
    RectificationStatus,
    RectificationTask,
    Visit,
    VisitKind,
    VisitStatus,
)
from inspections.selectors import observation_compliance, visit_score
from schools.exchanges import TARGET_BACKBONE_SHARE, TARGET_SHARE
from schools.models import GRADE_NAMES, School, Stage, Student, TeacherExchange
from schools.selectors import Period, academic_period, exchange_overview
from targets.selectors.bulletin import exam_target_line, target_progress_section

CONTENT_VERSION = 1
MOVERS = 3  # schools shown as biggest risers and fallers
FINDINGS_MAX = 12  # findings listed in 督导情况
FINDING_CHARS = 80  # characters of a finding's first line
SCORE_BANDS = ((0.0, 0.6, "<60%"), (0.6, 0.7, "60–70%"), (0.7, 0.8, "70–80%"))
SCORE_BANDS += ((0.8, 0.9, "80–90%"), (0.9, 1.01, "≥90%"))


@dataclass(frozen=True)
class _CountyReader:
    """What ``bureau.access`` needs to let the bulletin read every school, read-only."""

    effective_role: str = Role.LEADER
    school_id: None = None
    is_authenticated: bool = True
    is_superuser: bool = False


COUNTY_READER = _CountyReader()


def month_bounds(period: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = period.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    return first, last


def _date(value) -> str | None:
    return value.isoformat() if value else None


# --- the whole bulletin ----------------------------------------------------------------------


def gather_sections(period: datetime.date) -> dict:
    """Every section of the month containing ``period``, as stored in ``Bulletin.content``.
    Staff-written names in it (exams, checklists, findings) are masked; the registry's names
    are read once (``student_names_once``, unless the caller already holds them)."""
    if _names_once.get() is None:
        with student_names_once():
            return gather_sections(period)
    start, end = month_bounds(period)
    return {
        "version": CONTENT_VERSION,
        "period": f"{start:%Y-%m}",
        "period_label": _("%(year)s年%(month)s月") % {"year": start.year, "month": start.month},
        "start": start.isoformat(),
        "end": end.isoformat(),
        "exams": exam_sections(start, end),
        "targets": target_progress_section(end),
        "inspections": inspection_section(start, end),
        "rectifications": rectification_section(start, end),
        "observations": observation_section(start, end),
        "exchanges": exchange_section(start, end),
    }


# --- 考试情况 ---------------------------------------------------------------------------------


def _exams_with_stats():
    return Exam.objects.filter(
        state__in=[ExamState.PUBLISHED, ExamState.CLOSED], stats_status=StatsStatus.FRESH
    )


def exam_sections(start: datetime.date, end: datetime.date) -> list[dict]:
    """The exams held in the month (published or closed, with fresh statistics), oldest first."""
    exams = _exams_with_stats().filter(date__range=(start, end)).order_by("date", "code")
    return [exam_section(exam) for exam in exams]


def _school_rows(exam: Exam, subject: str) -> list[dict]:
    rows = (
        UnitStat.objects.filter(exam=exam, level=Level.SCHOOL, subject=subject)
        .select_related("school")
        .order_by("rank", "school__code")
    )
    return [
        {
            "code": r.school.code,
            "name": r.school.name,
            "sat": r.sat,
            "mean": r.mean,
            "composite": r.composite,
            "rank": r.rank,
            "value_added": r.value_added,
            "matched": r.matched,
            "small_sample": r.small_sample,
        }
        for r in rows
    ]


def _ranked_first(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["code"]))


def exam_section(exam: Exam) -> dict:
    """One exam: county figures per subject and the total, the school ranking by the total's
    composite, the biggest movers by rank against the previous comparable exam and by stored
    value-added, the max gap per 学段, and the targets it measures (their county figures)."""
    subjects = list(
        ExamSubject.objects.filter(exam=exam)
        .order_by("order", "id")
        .values_list("subject__name", "full_marks")
    )
    full = dict(subjects)
    order = {name: i for i, (name, _f) in enumerate([*subjects, (TOTAL, None)])}
    county = sorted(
        UnitStat.objects.filter(exam=exam, level=Level.COUNTY, subject__in=order).values(
            "subject",
            "sat",
            "enrolled",
            "mean",
            "mean_rate",
            "excellent_rate",
            "pass_rate",
            "low_rate",
            "composite",
        ),
        key=lambda r: order[r["subject"]],
    )
    for row in county:
        row["label"] = _("总分") if row["subject"] == TOTAL else row["subject"]
        row["full_marks"] = (
            sum(full.values()) if row["subject"] == TOTAL else full.get(row["subject"])
        )
    # The ranking is by the total; an exam without a total row ranks by its first subject.
    ranking_subject = TOTAL
    schools = _school_rows(exam, TOTAL)
    if not schools and subjects:
        ranking_subject = subjects[0][0]
        schools = _school_rows(exam, ranking_subject)
    schools = _ranked_first(schools)

    previous = (
        _exams_with_stats()
        .filter(grade=exam.grade, date__lt=exam.date)
        .exclude(pk=exam.pk)
        .order_by("-date", "-pk")
        .first()
    )
    return {
        "code": exam.code,
        "name": mask_students(exam.name),  # staff write exam names: masked as any free text
        "kind": str(ExamKind(exam.kind).label) if exam.kind in ExamKind.values else exam.kind,
        "grade": str(GRADE_NAMES.get(exam.grade, exam.grade)),
        "date": exam.date.isoformat(),
        "state": str(ExamState(exam.state).label),
        "ranking_subject": _("总分") if ranking_subject == TOTAL else ranking_subject,
        "county": county,
        "schools": schools,
        "ranked": sum(1 for s in schools if s["rank"] is not None),
        "previous": (
            {
                "code": previous.code,
                "name": mask_students(previous.name),
                "date": previous.date.isoformat(),
            }
            if previous
            else None
        ),
        "movers": rank_movers(schools, _school_rows(previous, ranking_subject))
        if previous
        else {"up": [], "down": []},
        "value_added": value_added_movers(exam, schools),
        "gaps": exam_gaps(exam, ranking_subject),
        "target": exam_target_line(exam),  # None: the PDF says 暂无目标
    }


def rank_movers(now: list[dict], before: list[dict], limit: int = MOVERS) -> dict:
    """Schools ranked in both exams, by the change of rank (positive: moved up)."""
    earlier = {r["code"]: r["rank"] for r in before if r["rank"] is not None}
    moves = [
        {
            "name": r["name"],
            "rank": r["rank"],
            "previous_rank": earlier[r["code"]],
            "change": earlier[r["code"]] - r["rank"],
            "steps": abs(earlier[r["code"]] - r["rank"]),
        }
        for r in now
        if r["rank"] is not None and r["code"] in earlier
    ]
    up = sorted((m for m in moves if m["change"] > 0), key=lambda m: (-m["change"], m["rank"]))
    down = sorted((m for m in moves if m["change"] < 0), key=lambda m: (m["change"], m["rank"]))
    return {"up": up[:limit], "down": down[:limit]}


def value_added_movers(exam: Exam, schools: list[dict], limit: int = MOVERS) -> dict | None:
    """The highest and lowest stored school value-added against the exam's own baseline."""
    rows = [s for s in schools if s["value_added"] is not None]
    if not exam.baseline_id or not rows:
        return None
    ordered = sorted(rows, key=lambda s: (-s["value_added"], s["code"]))
    # Up to ``limit`` at each end, never the same school at both.
    split = min(limit, (len(ordered) + 1) // 2)
    pick = ("name", "value_added", "matched", "small_sample")
    top = [{k: s[k] for k in pick} for s in ordered[:split]]
    rest = ordered[split:]
    bottom = [{k: s[k] for k in pick} for s in reversed(rest[-limit:])]
    return {"baseline": mask_students(exam.baseline.name), "top": top, "bottom": bottom}


def exam_gaps(exam: Exam, subject: str) -> list[dict]:
    """最大距 of each 学段 (``exams.selectors.stats.gaps_by_stage``), in 学段 order."""
    found = gaps_by_stage(exam=exam, subject=subject)
    out = []
    for stage in [s for s in Stage.values if s in found]:
        answer = found[stage]
        out.append(
            {
                "stage": str(Stage(stage).label),
                "max_gap": answer["max_gap"],
                "highest": answer["highest"],
                "lowest": answer["lowest"],
                "schools": answer["schools"],
            }
        )
    return out


# --- 督导情况 ---------------------------------------------------------------------------------


def _term_for(start: datetime.date, end: datetime.date) -> Term | None:
    return Term.for_date(end) or Term.for_date(start)


def first_line(text: str, limit: int = FINDING_CHARS) -> str:
    line = next((ln.strip() for ln in (text or "").splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def inspection_section(start: datetime.date, end: datetime.date) -> dict:
    """Submitted visits dated in the month: counts by kind, schools visited, the term's
    coverage so far, average checklist percentage per template, score distribution and the
    first line of the findings (masked)."""
    visits = list(
        Visit.objects.filter(status=VisitStatus.SUBMITTED, date__range=(start, end))
        .select_related("school", "checklist")
        .prefetch_related("checklist__items", "scores")
        .order_by("date", "pk")
    )
    kinds = Counter(v.kind for v in visits)
    by_template: dict[tuple, list] = defaultdict(list)
    bands = [0] * len(SCORE_BANDS)
    for visit in visits:
        result = visit_score(visit)
        percentage = result.percentage
        by_template[(mask_students(visit.checklist.name), visit.checklist.version)].append(
            (percentage, result.passed)
        )
        if percentage is not None:
            for i, (low, high, _label) in enumerate(SCORE_BANDS):
                if low <= percentage < high:
                    bands[i] += 1
                    break
    templates = []
    for (name, version), scored in sorted(by_template.items()):
        values = [p for p, _passed in scored if p is not None]
        templates.append(
            {
                "name": name,
                "version": version,
                "visits": len(scored),
                "average": sum(values) / len(values) if values else None,
                "passed": sum(1 for _p, passed in scored if passed),
            }
        )
    term = _term_for(start, end)
    coverage = None
    total_schools = School.objects.filter(active=True).count()
    if term is not None:
        upto = min(term.end, end)
        visited = (
            Visit.objects.filter(
                status=VisitStatus.SUBMITTED,
                date__range=(term.start, upto),
                school__active=True,
            )
            .values("school")
            .distinct()
            .count()
        )
        coverage = {
            "term": str(term),
            "upto": upto.isoformat(),
            "visited": visited,
            "total": total_schools,
            "share": visited / total_schools if total_schools else None,
        }
    with_findings = [v for v in visits if v.findings.strip()]
    names = student_names() if with_findings else frozenset()
    findings = [
        {
            "date": v.date.isoformat(),
            "school": v.school.name,
            "kind": str(VisitKind(v.kind).label),
            "text": mask_students(first_line(v.findings), names),
        }
        for v in with_findings
    ]
    return {
        "visits": len(visits),
        "schools": len({v.school_id for v in visits}),
        "unannounced": kinds.get(VisitKind.UNANNOUNCED, 0),
        "by_kind": [
            {"kind": k.value, "label": str(k.label), "count": kinds.get(k.value, 0)}
            for k in VisitKind
        ],
        "coverage": coverage,
        "by_template": templates,
        "score_bands": [
            {"label": label, "count": n}
            for (_lo, _hi, label), n in zip(SCORE_BANDS, bands, strict=True)
        ],
        "findings": findings[:FINDINGS_MAX],
        "findings_total": len(findings),
    }


# --- 整改情况 ---------------------------------------------------------------------------------


def rectification_section(start: datetime.date, end: datetime.date) -> dict:
    """Tasks opened (created) in the month, closed (销号) in the month, and overdue at the end
    of the month (or today, for the running month): deadline before that day, not closed by
    then. A table by school of the schools with any of the three."""
    asof = min(end + datetime.timedelta(days=1), timezone.localdate())
    tz = timezone.get_current_timezone()
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    asof_at = datetime.datetime.combine(asof, datetime.time.min, tzinfo=tz)

    closed_at: dict[int, datetime.datetime] = {}
    for task_id, at in RectificationEvent.objects.filter(
        action=RectificationAction.CLOSED
    ).values_list("task_id", "at"):
        closed_at[task_id] = max(at, closed_at.get(task_id, at))
    tasks = RectificationTask.objects.filter(created_at__lt=hi).select_related("school")
    per_school: dict[str, dict] = {}

    def row(task):
        return per_school.setdefault(
            task.school.code,
            {"school": task.school.name, "opened": 0, "closed": 0, "overdue": 0},
        )

    opened = closed = overdue = 0
    for task in tasks.filter(
        Q(created_at__gte=lo) | Q(pk__in=list(closed_at)) | Q(deadline__lt=asof)
    ):
        when_closed = closed_at.get(task.pk) if task.status == RectificationStatus.CLOSED else None
        if lo <= task.created_at < hi:
            opened += 1
            row(task)["opened"] += 1
        if when_closed is not None and lo <= when_closed < hi:
            closed += 1
            row(task)["closed"] += 1
        if task.deadline < asof and (when_closed is None or when_closed >= asof_at):
            overdue += 1
            row(task)["overdue"] += 1
    schools = [per_school[code] for code in sorted(per_school)]
    schools.sort(key=lambda r: (-r["overdue"], -r["opened"], r["school"]))
    return {
        "asof": asof.isoformat(),
        "opened": opened,
        "closed": closed,
        "overdue": overdue,
        "schools": schools,
    }


# --- 推门听课 ---------------------------------------------------------------------------------


def observation_section(start: datetime.date, end: datetime.date) -> dict | None:
    """Quota compliance per role in the term of the month
    (``inspections.selectors.observation_compliance``, lessons so far in the term or, for a
    yearly quota, the academic year), and the schools whose principal is behind. None when
    no term is set up."""
    term = _term_for(start, end)
    if term is None:
        return None
    rows = observation_compliance(COUNTY_READER, term=term)
    roles: dict[str, dict] = {}
    behind_schools: set[str] = set()
    for r in rows:
        agg = roles.setdefault(
            r["role"],
            {
                "role": r["role"],
                "label": str(Role(r["role"]).label),
                "per": r["per"],
                "quota": r["quota"],
                "people": 0,
                "done": 0,
                "required": 0,
                "met": 0,
                "behind_people": 0,
                "behind_lessons": 0,
            },
        )
        agg["people"] += 1
        agg["done"] += min(r["done"], r["quota"])
        agg["required"] += r["quota"]
        agg["met"] += r["behind"] == 0
        agg["behind_people"] += r["behind"] > 0
        agg["behind_lessons"] += r["behind"]
        if r["role"] == Role.PRINCIPAL and r["behind"] > 0 and r["school"]:
            behind_schools.add(r["school"])
    for agg in roles.values():
        agg["rate"] = agg["done"] / agg["required"] if agg["required"] else None
    order = {role: i for i, role in enumerate(Role.values)}
    names = dict(School.objects.filter(code__in=behind_schools).values_list("code", "name"))
    return {
        "term": str(term),
        "roles": sorted(roles.values(), key=lambda a: order.get(a["role"], 99)),
        "principals_behind": [names.get(code, code) for code in sorted(behind_schools)],
    }


# --- 交流轮岗 ---------------------------------------------------------------------------------


def exchange_section(start: datetime.date, end: datetime.date) -> dict:
    """Exchanges that started in the month and in the academic year so far, and the year's
    shares against the policy targets (``schools.selectors.exchange_overview``)."""
    year = AcademicYear.for_date(start) or AcademicYear.for_date(end)
    period = Period(year.name, year.start, year.end, year.pk) if year else academic_period()
    rows, overall = exchange_overview(user=COUNTY_READER, period=period)
    month = (
        TeacherExchange.objects.filter(start__range=(start, end))
        .select_related("from_school", "to_school")
        .order_by("from_school__code", "to_school__code")
    )
    pairs: dict[tuple, dict] = {}
    for e in month:
        pair = pairs.setdefault(
            (e.from_school.code, e.to_school.code),
            {"from": e.from_school.name, "to": e.to_school.name, "count": 0, "backbone": 0},
        )
        pair["count"] += 1
        pair["backbone"] += e.backbone
    below = [
        r.school.name
        for r in rows
        if r.stats.eligible and r.stats.share is not None and r.stats.share < TARGET_SHARE
    ]
    return {
        "year": period.name,
        "started_month": sum(p["count"] for p in pairs.values()),
        "started_year": TeacherExchange.objects.filter(
            start__range=(period.start, min(period.end, end))
        ).count(),
        "month_pairs": list(pairs.values()),
        "eligible": overall.eligible,
        "exchanged": overall.exchanged,
        "backbone": overall.backbone,
        "share": overall.share,
        "backbone_share": overall.backbone_share,
        "target_share": TARGET_SHARE,
        "target_backbone_share": TARGET_BACKBONE_SHARE,
        "meets_share": overall.meets_share,
        "meets_backbone": overall.meets_backbone,
        "schools_below": len(below),
        "schools_counted": sum(1 for r in rows if r.stats.eligible),
    }


# --- masking -------------------------------------------------------------------------------


class StudentNames(frozenset):
    """A set of names that knows its name lengths, longest first (computed once a build)."""

    @property
    def lengths(self) -> list[int]:
        if not hasattr(self, "_lengths"):
            self._lengths = sorted({len(n) for n in self}, reverse=True)
        return self._lengths


_names_once: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "student_names_once", default=None
)


def student_names() -> StudentNames:
    """Every registered student's name (at least two characters: a one-character name would
    mask ordinary words). One unordered DISTINCT query (a county: 50,000 students); inside
    ``student_names_once()`` only the first call queries."""
    memo = _names_once.get()
    if memo:
        return memo[0]
    names = StudentNames(
        plain
        for n in Student.objects.order_by().values_list("name", flat=True).distinct()
        if n and len(plain := plain_name(n)) >= 2
    )
    if memo is not None:
        memo.append(names)
    return names


@contextlib.contextmanager
def student_names_once():
    """A build masks the findings and the staff's text: the names are read once for both."""
    token = _names_once.set([])
    try:
        yield
    finally:
        _names_once.reset(token)


# Characters that may sit inside a name without changing it to a reader: spaces (ASCII and
# full-width), soft hyphens and the zero-width ones ("张 三 明", "张\u200b三明").
_INVISIBLE = frozenset(" \t\r\n\u00a0\u00ad\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005"
                       "\u2006\u2007\u2008\u2009\u200a\u200b\u200c\u200d\u200e\u200f\u2028"
                       "\u2029\u202f\u205f\u2060\u2061\u2062\u2063\u2064\u3000\ufeff")  # fmt: skip


def plain_name(name: str) -> str:
    """A name without the characters that do not show (``_INVISIBLE``)."""
    return "".join(c for c in name if c not in _INVISIBLE)


def mask_students(text: str, names: frozenset[str] | None = None) -> str:
    """The text with every occurrence of a registered student's full name masked to 张*明 form
    (``core.formatting.mask_name``); the longest name wins where names overlap. A name is
    found with spaces or zero-width characters between its characters too ("张 三 明",
    "张\u200b三明" → "张*明"): those are dropped with the name."""
    if not text:
        return text or ""
    if names is None:
        names = student_names()
    if not names:
        return text
    if isinstance(names, StudentNames):
        lengths = names.lengths
    else:
        names = frozenset(plain_name(n) for n in names)
        lengths = sorted({len(n) for n in names}, reverse=True)
    longest = lengths[0]
    out: list[str] = []
    i = 0
    size_text = len(text)
    while i < size_text:
        if text[i] in _INVISIBLE:
            out.append(text[i])
            i += 1
            continue
        # The next visible characters from i (up to the longest name) and where each ends.
        chars: list[str] = []
        ends: list[int] = []
        j = i
        while j < size_text and len(chars) < longest:
            if text[j] not in _INVISIBLE:
                chars.append(text[j])
                ends.append(j + 1)
            j += 1
        for size in lengths:
            if size <= len(chars) and "".join(chars[:size]) in names:
                out.append(mask_name("".join(chars[:size])))
                i = ends[size - 1]
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def masked_titles(bulletins) -> list:
    """Sets ``shown_title`` on each bulletin: its title with student names masked (one query of
    names for the lot). Returns the bulletins."""
    bulletins = list(bulletins)
    titles = [b.title for b in bulletins]
    names = student_names() if any(titles) else frozenset()
    for bulletin in bulletins:
        bulletin.shown_title = mask_students(bulletin.title, names)
    return bulletins
