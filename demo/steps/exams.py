"""Demo steps 100 and 105: a year of exams for the junior grades, with results and statistics.

Exams (docs/demo.md): 2025-2026 八年级期末 (the baseline of this year's grade 9), 七年级入学检测,
九年级联考, and the 期中 of grades 7, 8 and 9 in 2026-2027. Everything is published except
九年级期中, open for upload with two schools (the demo principal's among them) still missing.

Scores come from a small model: each student has a latent ability, a talent per subject, a
school effect (urban schools higher, a weak rural school or two), a class (teacher) effect and
the day's form; one or two "improving" schools gain clearly between the baseline and the
current exam, so that their value-added stands out. A score is the full marks times a
logistic curve of the latent value, rounded to a whole or half mark; about 1-2 % are absent
and a few are 0. All draws come from one numpy Generator seeded from the step's ``ctx.rng``.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils import timezone

from bureau.models import Role
from demo import DemoContext, demo_cleanup, demo_step
from exams.models import Exam, ExamKind, ExamState, ResultUpload, UploadStatus
from exams.services.exams import SubjectLine, exam_create, exam_set_state
from exams.services.results import _insert_entries
from exams.services.stats import stats_compute
from schools.models import Locality, Stage

JUNIOR_STAGES = (Stage.JUNIOR, Stage.NINE_YEAR, Stage.COMPLETE)
GRADE_NAMES = {7: "七年级", 8: "八年级", 9: "九年级"}

# Per subject: centre and slope of the logistic curve, lowest and highest share of the full
# marks it reaches, and the step scores are rounded to (语文 and 英语 have half marks).
CURVES: dict[str, tuple[float, float, float, float, float]] = {
    "语文": (0.75, 1.05, 0.12, 0.95, 0.5),
    "数学": (0.35, 1.60, 0.0, 1.0, 1.0),
    "英语": (0.45, 1.50, 0.04, 0.99, 0.5),
    "物理": (0.30, 1.45, 0.0, 1.0, 1.0),
    "化学": (0.55, 1.45, 0.0, 1.0, 1.0),
    "道德与法治": (0.90, 1.20, 0.10, 0.97, 1.0),
    "历史": (0.70, 1.30, 0.06, 0.98, 1.0),
    "地理": (0.50, 1.40, 0.05, 0.98, 1.0),
    "生物": (0.80, 1.30, 0.05, 0.98, 1.0),
}
TALENTS = tuple(CURVES)  # the order of the per-subject talent columns

MAIN = (("语文", 120), ("数学", 120), ("英语", 120))
GRADE7 = (*MAIN, ("道德与法治", 100), ("历史", 100), ("地理", 100), ("生物", 100))
GRADE8 = (*MAIN, ("物理", 100), ("道德与法治", 100), ("历史", 100), ("地理", 100), ("生物", 100))
GRADE9 = (*MAIN, ("物理", 100), ("化学", 100), ("道德与法治", 100), ("历史", 100))


@dataclass(frozen=True)
class ExamPlan:
    key: str
    code: str
    name: str
    kind: str
    grade: int  # the grade the students were in when they sat it
    cohort: int  # the grade they are in now (2026-2027)
    date: datetime.date
    subjects: tuple[tuple[str, int], ...]
    # Where the exam lies between the cohort's baseline (0) and its latest exam (1): what
    # share of an improving school's gain shows.
    time: float
    ease: float = 0.0  # added to every subject's curve: easier (+) or harder (-)
    baseline: str | None = None
    state: str = ExamState.PUBLISHED


# Baselines first: each exam's statistics need its baseline's entries.
PLANS = (
    ExamPlan(
        key="g8-final",
        code="2025-8-final",
        name="2025-2026学年八年级期末",
        kind=ExamKind.FINAL,
        grade=8,
        cohort=9,
        date=datetime.date(2026, 1, 15),
        subjects=GRADE8,
        time=0.0,
    ),
    ExamPlan(
        key="g7-entrance",
        code="2026-7-entrance",
        name="七年级入学检测",
        kind=ExamKind.ENTRANCE,
        grade=7,
        cohort=7,
        date=datetime.date(2026, 9, 5),
        subjects=(("语文", 100), ("数学", 100), ("英语", 100)),
        time=0.0,
        ease=0.25,
    ),
    ExamPlan(
        key="g9-joint",
        code="2026-9-joint",
        name="九年级联考",
        kind=ExamKind.JOINT,
        grade=9,
        cohort=9,
        date=datetime.date(2026, 10, 15),
        subjects=GRADE9[:5],
        time=0.5,
        ease=-0.25,
    ),
    ExamPlan(
        key="g7-midterm",
        code="2026-7-midterm",
        name="七年级期中",
        kind=ExamKind.MIDTERM,
        grade=7,
        cohort=7,
        date=datetime.date(2026, 11, 10),
        subjects=GRADE7,
        time=1.0,
        baseline="g7-entrance",
    ),
    ExamPlan(
        key="g8-midterm",
        code="2026-8-midterm",
        name="八年级期中",
        kind=ExamKind.MIDTERM,
        grade=8,
        cohort=8,
        date=datetime.date(2026, 11, 10),
        subjects=GRADE8,
        time=1.0,
    ),
    ExamPlan(
        key="g9-midterm",
        code="2026-9-midterm",
        name="九年级期中",
        kind=ExamKind.MIDTERM,
        grade=9,
        cohort=9,
        date=datetime.date(2026, 11, 10),
        subjects=GRADE9,
        time=1.0,
        baseline="g8-final",
        state=ExamState.OPEN,
    ),
)
OPEN_EXAM = "g9-midterm"
STATE_PATH = {
    ExamState.OPEN: (ExamState.OPEN,),
    ExamState.PUBLISHED: (ExamState.OPEN, ExamState.CLOSED, ExamState.PUBLISHED),
}

# The model's effects, in units of the latent ability (standard deviation 1).
LOCALITY_EFFECT = {Locality.URBAN: 0.45, Locality.TOWN: 0.0, Locality.RURAL: -0.35}
SCHOOL_SD = 0.15
WEAK_EFFECT = -0.35
IMPROVING_GAIN = 0.7  # from the baseline (time 0) to the latest exam (time 1)
SCHOOL_SUBJECT_SD = 0.12
CLASS_SD = 0.15
TALENT_SD = 0.45
FORM_SD = 0.25
NOISE_SD = 0.35
LATENT_SD = 1.25  # about the spread of the sum of the effects above
EXAM_SUBJECT_SD = 0.12
ABSENT_EXAM = {Locality.URBAN: 0.006, Locality.TOWN: 0.010, Locality.RURAL: 0.020}
ABSENT_SCORE = 0.003
ZERO_SCORE = 0.0005


@dataclass
class Cohort:
    """The students now in one grade of the junior schools, as arrays of equal length."""

    student_ids: np.ndarray
    school_index: np.ndarray  # into Model.schools
    number: np.ndarray  # class number
    ability: np.ndarray
    talent: np.ndarray  # (students, len(TALENTS))
    class_effect: np.ndarray


@dataclass
class Model:
    schools: list  # the junior-stage schools, in code order
    effect: np.ndarray  # per school
    subject_effect: np.ndarray  # (schools, len(TALENTS))
    improving: np.ndarray  # per school, bool
    absent: np.ndarray  # per school: chance of missing a whole exam
    classes: dict[tuple[int, int, int], int]  # (school id, grade, number) -> class id
    cohorts: dict[int, Cohort]


def _model(ctx: DemoContext, gen: np.random.Generator) -> Model:
    schools = [s for s in ctx.schools if s.stage in JUNIOR_STAGES]
    position = {s.pk: i for i, s in enumerate(schools)}
    n = len(schools)
    effect = np.array([LOCALITY_EFFECT[s.locality] for s in schools]) + gen.normal(0, SCHOOL_SD, n)
    outside = [i for i, s in enumerate(schools) if s.locality != Locality.URBAN]
    rural = [i for i, s in enumerate(schools) if s.locality == Locality.RURAL]
    improving = np.zeros(n, dtype=bool)
    picked = ctx.rng.sample(outside, min(len(outside), 2 if ctx.county else 1))
    improving[picked] = True
    weak = [i for i in rural if not improving[i]]
    effect[ctx.rng.sample(weak, min(len(weak), 2 if ctx.county else 1))] += WEAK_EFFECT
    absent = np.array([ABSENT_EXAM[s.locality] for s in schools])

    classes = {(c.school_id, c.grade, c.number): c.pk for c in ctx.classes}
    grade_of = {c.pk: (c.grade, c.number) for c in ctx.classes}
    rows: dict[int, list[tuple[int, int, int]]] = {7: [], 8: [], 9: []}
    for student in ctx.students:
        i = position.get(student.school_id)
        grade, number = grade_of.get(student.school_class_id, (0, 0))
        if i is not None and grade in rows:
            rows[grade].append((student.pk, i, number))
    cohorts = {}
    for grade, found in rows.items():
        ids, index, numbers = (np.array(c, dtype=np.int64) for c in zip(*found, strict=True))
        # One effect per class of the cohort: its teachers, kept across the cohort's exams.
        class_keys = index * 100 + numbers
        unique, inverse = np.unique(class_keys, return_inverse=True)
        cohorts[grade] = Cohort(
            student_ids=ids,
            school_index=index,
            number=numbers,
            ability=gen.normal(0, 1, len(ids)),
            talent=gen.normal(0, TALENT_SD, (len(ids), len(TALENTS))),
            class_effect=gen.normal(0, CLASS_SD, len(unique))[inverse],
        )
    return Model(
        schools=schools,
        effect=effect,
        subject_effect=gen.normal(0, SCHOOL_SUBJECT_SD, (n, len(TALENTS))),
        improving=improving,
        absent=absent,
        classes=classes,
        cohorts=cohorts,
    )


def _class_ids(model: Model, cohort: Cohort, grade: int) -> np.ndarray:
    """The class each student sat the exam in: the class of that grade with the same number,
    at the same school (a cohort moves up class by class), or the school's last class of
    that grade when it had fewer then."""
    last: dict[int, int] = {}
    for school_id, g, number in model.classes:
        if g == grade:
            last[school_id] = max(last.get(school_id, 0), number)
    ids = []
    for i, number in zip(cohort.school_index.tolist(), cohort.number.tolist(), strict=True):
        school_id = model.schools[i].pk
        ids.append(model.classes[(school_id, grade, min(number, last[school_id]))])
    return np.array(ids, dtype=np.int64)


def _scores(model: Model, cohort: Cohort, plan: ExamPlan, gen: np.random.Generator) -> dict:
    """Each subject's scores (NaN: absent), by subject name."""
    n = len(cohort.student_ids)
    school = cohort.school_index
    trend = np.where(model.improving, IMPROVING_GAIN * (plan.time - 0.5), 0.0)
    base = (
        cohort.ability
        + model.effect[school]
        + trend[school]
        + cohort.class_effect
        + gen.normal(0, FORM_SD, n)
    )
    away = gen.random(n) < model.absent[school]
    scores = {}
    for name, full in plan.subjects:
        j = TALENTS.index(name)
        centre, slope, low, high, step = CURVES[name]
        latent = base + cohort.talent[:, j] + model.subject_effect[school, j]
        latent += gen.normal(0, NOISE_SD, n)
        shift = centre + plan.ease + gen.normal(0, EXAM_SUBJECT_SD)
        share = low + (high - low) / (1 + np.exp(-(slope * latent / LATENT_SD + shift)))
        x = np.clip(np.round(full * share / step) * step, 0, full)
        x[gen.random(n) < ZERO_SCORE] = 0.0
        x[away | (gen.random(n) < ABSENT_SCORE)] = np.nan
        scores[name] = x
    return scores


def _missing(ctx: DemoContext, model: Model) -> set[int]:
    """The two schools that have not uploaded the open exam yet: the demo principal's, and a
    school outside the county seat that is not one of the improving ones."""
    others = [
        s.pk
        for s, improving in zip(model.schools, model.improving, strict=True)
        if s.locality != Locality.URBAN and not improving
    ]
    return {ctx.principal_school.pk, ctx.rng.choice(others)}


def _upload_time(rng, date: datetime.date) -> datetime.datetime:
    day = date + datetime.timedelta(days=rng.randint(2, 7))
    moment = datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randint(0, 59)))
    return timezone.make_aware(moment)


@demo_step(order=100)
def exams_and_results(ctx: DemoContext) -> None:
    gen = np.random.default_rng(ctx.rng.randrange(2**32))
    model = _model(ctx, gen)
    staff = ctx.users["staff"]
    principals = {
        u.school_id: u for u in ctx.users.values() if u.role == Role.PRINCIPAL and u.school_id
    }
    missing = _missing(ctx, model)
    exams: dict[str, Exam] = {}
    uploads: list[ResultUpload] = []
    entries = 0
    for plan in PLANS:
        exam = exam_create(
            code=plan.code,
            name=plan.name,
            kind=plan.kind,
            grade=plan.grade,
            date=plan.date,
            subjects=[SubjectLine(subject=s, full_marks=f) for s, f in plan.subjects],
            baseline=exams[plan.baseline] if plan.baseline else None,
            user=staff,
        )
        for state in STATE_PATH[plan.state]:
            exam_set_state(exam=exam, state=state)
        exams[plan.key] = exam

        cohort = model.cohorts[plan.cohort]
        frame = pd.DataFrame(
            {
                "student_id": cohort.student_ids,
                "school_id": [model.schools[i].pk for i in cohort.school_index.tolist()],
                "class_id": _class_ids(model, cohort, plan.grade),
                **_scores(model, cohort, plan, gen),
            }
        )
        if plan.key == OPEN_EXAM:
            frame = frame[~frame["school_id"].isin(missing)]
        subject_ids = {s: ctx.subjects[s].pk for s, _ in plan.subjects}
        _insert_entries(exam, frame, subject_ids)
        entries += len(frame)

        counts = frame["school_id"].value_counts()
        for school in model.schools:
            rows = int(counts.get(school.pk, 0))
            if not rows:
                continue
            file_name = f"{plan.name}-{school.name}.xlsx"
            at = _upload_time(ctx.rng, plan.date)
            uploads.append(
                ResultUpload(
                    exam=exam,
                    school=school,
                    uploaded_by=principals.get(school.pk, staff),
                    file_name=file_name,
                    stored_name="demo",
                    sha256=hashlib.sha256(file_name.encode()).hexdigest(),
                    status=UploadStatus.COMMITTED,
                    rows=rows,
                    students=rows,
                    scores=rows * len(plan.subjects),
                    committed_at=at,
                )
            )
    ResultUpload.objects.bulk_create(uploads, batch_size=2000)
    # uploaded_at is set on insert; the demo's uploads happened a few days after each exam.
    for upload in uploads:
        upload.uploaded_at = upload.committed_at
    ResultUpload.objects.bulk_update(uploads, ["uploaded_at"], batch_size=500)

    ctx.extra["exams"] = {
        "exams": exams,
        "improving": [s for s, b in zip(model.schools, model.improving, strict=True) if b],
        "missing": [s for s in model.schools if s.pk in missing],
    }
    improving = "、".join(s.name for s in ctx.extra["exams"]["improving"])
    ctx.log(
        f"考试 {len(exams)} 场、成绩行 {entries} 条、上传记录 {len(uploads)} 条；"
        f"《{exams[OPEN_EXAM].name}》尚缺 {len(missing)} 所学校；进步明显的学校：{improving}"
    )


@demo_step(order=105)
def exam_statistics(ctx: DemoContext) -> None:
    """Statistics, ranks and value-added of every exam, baselines first."""
    exams = ctx.extra["exams"]["exams"]
    for plan in PLANS:
        stats_compute(exam_id=exams[plan.key].pk)
    ctx.log(f"已计算 {len(exams)} 场考试的统计、排名与增值")


@demo_cleanup(order=100)
def delete_exams(ctx: DemoContext) -> None:
    """Every exam goes, with its subjects, uploads, entries and statistics: the registry they
    point at goes too."""
    ResultUpload.objects.all().delete()
    Exam.objects.all().delete()
    ctx.log("已删除考试、成绩、上传记录与统计")
