"""The demo county's year of exams (``demo/steps/exams.py``), at the small size."""

import math
from io import StringIO

import pytest
from django.core.management import call_command

import demo
from bureau.models import User
from bureau.selectors import todo_for
from exams.models import (
    TOTAL,
    Exam,
    ExamEntry,
    ExamKind,
    ExamState,
    ResultUpload,
    StatsStatus,
    StudentResult,
    UnitStat,
    UploadStatus,
)
from schools.models import School, Stage

pytestmark = pytest.mark.django_db

JUNIOR_STAGES = [Stage.JUNIOR, Stage.NINE_YEAR, Stage.COMPLETE]
EXAMS = {
    "2025-8-final": (ExamKind.FINAL, 8, "2025-2026", "2026-01-15", ExamState.PUBLISHED, None),
    "2026-7-entrance": (ExamKind.ENTRANCE, 7, "2026-2027", "2026-09-05", ExamState.PUBLISHED, None),
    "2026-9-joint": (ExamKind.JOINT, 9, "2026-2027", "2026-10-15", ExamState.PUBLISHED, None),
    "2026-7-midterm": (
        ExamKind.MIDTERM,
        7,
        "2026-2027",
        "2026-11-10",
        ExamState.PUBLISHED,
        "2026-7-entrance",
    ),
    "2026-8-midterm": (ExamKind.MIDTERM, 8, "2026-2027", "2026-11-10", ExamState.PUBLISHED, None),
    "2026-9-midterm": (
        ExamKind.MIDTERM,
        9,
        "2026-2027",
        "2026-11-10",
        ExamState.OPEN,
        "2025-8-final",
    ),
}


def load(seed: int, *args: str) -> str:
    out = StringIO()
    call_command("load_demo", "--size", "small", "--seed", str(seed), *args, stdout=out)
    return out.getvalue()


def county_means() -> list[tuple]:
    return sorted(
        UnitStat.objects.filter(level="county").values_list("exam__code", "subject", "mean")
    )


def test_exams_states_and_uploads():
    load(3)
    found = {
        e.code: (
            e.kind,
            e.grade,
            e.academic_year.name,
            e.date.isoformat(),
            e.state,
            e.baseline.code if e.baseline else None,
        )
        for e in Exam.objects.select_related("academic_year", "baseline")
    }
    assert found == EXAMS
    assert Exam.objects.get(code="2026-9-midterm").name == "九年级期中"
    assert list(
        Exam.objects.get(code="2026-9-midterm")
        .exam_subjects.order_by("order")
        .values_list("subject__name", "full_marks")[:4]
    ) == [("语文", 120), ("数学", 120), ("英语", 120), ("物理", 100)]

    principal = User.objects.get(username="principal")
    juniors = set(School.objects.filter(stage__in=JUNIOR_STAGES).values_list("pk", flat=True))
    open_exam = Exam.objects.get(code="2026-9-midterm")
    uploaded = set(ExamEntry.objects.filter(exam=open_exam).values_list("school", flat=True))
    assert uploaded < juniors
    missing = juniors - uploaded
    assert len(missing) == 2
    assert principal.school_id in missing
    assert not ResultUpload.objects.filter(exam=open_exam, school=principal.school).exists()
    assert any(item["text"] == "上传《九年级期中》成绩" for item in todo_for(principal))
    staff = User.objects.get(username="staff")
    assert any("尚有 2 所学校未上传" in item["text"] for item in todo_for(staff))

    for exam in Exam.objects.all():
        entries = ExamEntry.objects.filter(exam=exam)
        schools = set(entries.values_list("school", flat=True))
        assert schools == (uploaded if exam == open_exam else juniors)
        # Every listed student of the grade's classes: one entry each, in a class of the grade.
        assert not entries.exclude(school_class__grade=exam.grade).exists()
        uploads = ResultUpload.objects.filter(exam=exam)
        assert set(uploads.values_list("school", flat=True)) == schools
        assert set(uploads.values_list("status", flat=True)) == {UploadStatus.COMMITTED}
        assert sum(uploads.values_list("rows", flat=True)) == entries.count()
        assert all(u.committed_at.date() > exam.date for u in uploads)
    grade7 = ExamEntry.objects.filter(exam__code="2026-7-midterm").count()
    students7 = ExamEntry.objects.filter(exam__code="2026-7-entrance").count()
    assert grade7 == students7 > 100
    for upload in ResultUpload.objects.filter(exam=open_exam).select_related("school"):
        assert upload.file_name == f"九年级期中-{upload.school.name}.xlsx"


def test_scores_are_plausible_and_stats_fresh():
    load(3)
    subjects = 0
    zeros = absent = 0
    for exam in Exam.objects.prefetch_related("exam_subjects__subject"):
        assert exam.stats_status == StatsStatus.FRESH
        full = {str(es.subject_id): es.full_marks for es in exam.exam_subjects.all()}
        names = {es.subject.name for es in exam.exam_subjects.all()}
        county = set(
            UnitStat.objects.filter(exam=exam, level="county").values_list("subject", flat=True)
        )
        assert county == names | {TOTAL}
        assert UnitStat.objects.filter(exam=exam, level="school", subject=TOTAL).exists()
        assert UnitStat.objects.filter(exam=exam, level="teacher").exists()
        assert StudentResult.objects.filter(exam=exam).count() == exam.entries.count()
        for scores in exam.entries.values_list("scores", flat=True):
            assert set(scores) == set(full)
            for key, x in scores.items():
                subjects += 1
                if x is None:
                    absent += 1
                    continue
                assert 0 <= x <= full[key]
                assert x * 2 == int(x * 2)  # whole or half marks
                zeros += x == 0
    assert 0.003 < absent / subjects < 0.03
    assert zeros > 0
    # Realistic means: between 35 % and 85 % of the full marks in every subject.
    for stat in UnitStat.objects.filter(level="county"):
        assert 0.35 < stat.mean_rate < 0.85, (stat.exam.code, stat.subject, stat.mean_rate)
    # Urban schools do better than rural ones on the whole.
    totals = UnitStat.objects.filter(exam__code="2026-8-midterm", level="school", subject=TOTAL)
    by_locality = {}
    for stat in totals.select_related("school"):
        by_locality.setdefault(stat.school.locality, []).append(stat.mean_rate)
    assert min(by_locality["urban"]) > sum(by_locality["rural"]) / len(by_locality["rural"])


def test_value_added_shows_the_improving_school():
    ctx = demo.demo_load(seed=3, size="small", log=lambda message: None)
    (improving,) = ctx.extra["exams"]["improving"]
    assert improving.pk not in {s.pk for s in ctx.extra["exams"]["missing"]}
    for code, baseline in (
        ("2026-7-midterm", "2026-7-entrance"),
        ("2026-9-midterm", "2025-8-final"),
    ):
        # The baseline and the current exam share their students (matched by student number).
        now = set(ExamEntry.objects.filter(exam__code=code).values_list("student", flat=True))
        before = set(
            ExamEntry.objects.filter(exam__code=baseline).values_list("student", flat=True)
        )
        assert now <= before
        rows = UnitStat.objects.filter(exam__code=code, level="school").exclude(value_added=None)
        assert rows.exists()
        assert all(r.matched > 0 for r in rows)
        assert max(r.value_added for r in rows) > 0.3
        totals = {r.school_id: r.value_added for r in rows.filter(subject=TOTAL)}
        assert totals[improving.pk] > 0.2
        assert totals[improving.pk] == max(totals.values())
        assert rows.filter(subject="化学").count() == 0  # not in the baseline
    assert UnitStat.objects.filter(
        exam__code="2026-7-midterm", level="class", value_added__isnull=False
    ).exists()


def test_same_seed_same_results_and_reset_removes_exams():
    load(5)
    first = county_means()
    assert len(first) > 30
    assert all(mean is not None and not math.isnan(mean) for *_, mean in first)

    load(5, "--reset")
    assert county_means() == first
    assert Exam.objects.count() == len(EXAMS)

    load(6, "--reset")
    assert county_means() != first

    demo.demo_reset(ctx=demo.DemoContext(seed=6, size="small", log=lambda message: None))
    assert not Exam.objects.exists()
    assert not ExamEntry.objects.exists()
    assert not ResultUpload.objects.exists()
    assert not UnitStat.objects.exists()
    assert not School.objects.exists()
