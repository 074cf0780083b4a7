"""``stats_compute`` and friends: what is stored, by hand (see stats_data for the county)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from exams import tasks
from exams.models import Exam, StudentResult, UnitStat
from exams.services import stats as service
from exams.services.stats import stats_compute, stats_request

from ..factories import ExamFactory, SchoolFactory
from .stats_data import STD_CHINESE, build_county

pytestmark = pytest.mark.django_db


@pytest.fixture
def exam(school, other_school):
    exam = build_county(school, other_school)
    stats_compute(exam_id=exam.pk)
    return exam


def stat(exam, level, subject, **where) -> UnitStat:
    return UnitStat.objects.get(exam=exam, level=level, subject=subject, **where)


def rows(exam) -> list[tuple]:
    """Every stored row as plain values, without ids."""
    units = UnitStat.objects.filter(exam=exam).values_list(
        "level", "subject", "school_id", "school_class_id", "teacher_id", "enrolled", "sat",
        "mean", "median", "std", "excellent_rate", "pass_rate", "low_rate", "over_mean_rate",
        "composite", "rank", "bands", "value_added", "matched", "small_sample",
    )  # fmt: skip
    students = StudentResult.objects.filter(exam=exam).values_list(
        "student_id", "school_id", "total", "county_rank", "school_rank", "subject_ranks"
    )
    return sorted(map(repr, units)) + sorted(map(repr, students))


def test_the_county_in_one_subject(exam):
    county = stat(exam, "county", "语文")
    assert Exam.objects.get(pk=exam.pk).stats_status == "fresh"
    assert (county.enrolled, county.sat, county.absent) == (6, 6, 0)
    assert county.mean == pytest.approx(65)  # (90 + 70 + 50 + 30 + 90 + 60) / 6
    assert county.median == pytest.approx(65)  # (60 + 70) / 2
    assert county.std == pytest.approx(STD_CHINESE)  # √(2750 / 6)
    assert county.excellent_rate == pytest.approx(2 / 6)  # 90, 90 ≥ 85
    assert county.pass_rate == pytest.approx(4 / 6)  # 90, 70, 90, 60 ≥ 60
    assert county.low_rate == pytest.approx(1 / 6)  # 30 < 40
    # 100 × (0.4 × 0.65 + 0.3 × 2/6 + 0.3 × 4/6 − 0.1 × 1/6)
    assert county.composite == pytest.approx(54.333333)
    assert county.over_mean_rate == 0
    assert county.bands == [0, 0, 0, 1, 0, 1, 1, 1, 0, 2]  # 30 | 50 | 60 | 70 | 90, 90


def test_schools_with_an_absent_student(exam, school, other_school):
    ours = stat(exam, "school", "数学", school=school)
    assert (ours.enrolled, ours.sat, ours.absent) == (4, 3, 1)  # 乙 缺考
    assert ours.participation == pytest.approx(0.75)
    assert ours.mean == pytest.approx(60)  # (80 + 60 + 40) / 3
    assert ours.good_rate == pytest.approx(1 / 3)  # 80 ≥ 75
    assert ours.low_rate == 0  # 40 is not below 40
    assert ours.over_mean_rate == pytest.approx(-1 / 11)  # (60 − 66) / 66
    assert ours.composite == pytest.approx(44)  # 100 × (0.4 × 0.6 + 0.3 × 2/3)
    theirs = stat(exam, "school", "数学", school=other_school)
    assert theirs.composite == pytest.approx(60)  # 100 × (0.4 × 0.75 + 0.3 × 0.5 + 0.3 × 0.5)
    assert (theirs.rank, ours.rank) == (1, 2)
    assert ours.bands == [0, 0, 0, 0, 1, 0, 1, 0, 1, 0]  # 40 | 60 | 80


def test_classes_and_the_total(exam, school):
    c1 = stat(exam, "class", "语文", school_class__school=school, school_class__number=1)
    c2 = stat(exam, "class", "语文", school_class__school=school, school_class__number=2)
    assert c1.composite == pytest.approx(77)  # 100 × (0.4 × 0.8 + 0.3 × 0.5 + 0.3 × 1)
    assert c2.composite == pytest.approx(11)  # 100 × (0.4 × 0.4 − 0.1 × 0.5)
    assert (c1.rank, c2.rank) == (1, 3)  # the other school's class has 75
    total = stat(exam, "county", "total")
    assert (total.enrolled, total.sat) == (6, 5)  # 乙 did not sit 数学
    assert total.mean == pytest.approx(130)  # (170 + 110 + 70 + 190 + 110) / 5


def test_a_teacher_of_two_classes(exam, school):
    chinese = stat(exam, "teacher", "语文", teacher__staff_number="T1")
    assert chinese.school_id == school.pk
    assert (chinese.enrolled, chinese.sat) == (4, 4)  # both classes of S001
    assert chinese.mean == pytest.approx(60)  # (90 + 70 + 50 + 30) / 4
    assert chinese.rank == 2  # 44 after T2's 75
    maths = stat(exam, "teacher", "数学", teacher__staff_number="T1")
    assert (maths.enrolled, maths.sat, maths.mean) == (2, 1, 80)  # 九(1) only, 乙 absent
    assert not UnitStat.objects.filter(exam=exam, level="teacher", subject="total").exists()


def test_student_ranks(exam):
    got = {
        r.student.student_number: (r.total, r.county_rank, r.school_rank, r.subject_ranks)
        for r in StudentResult.objects.filter(exam=exam).select_related("student")
    }
    # Totals 190, 170, 110, 110, 70: "1224" ranks, 1 2 3 3 5; 乙 has no total.
    assert got == {
        "G05": (190, 1, 1, {"语文": 1, "数学": 1}),
        "G01": (170, 2, 1, {"语文": 1, "数学": 2}),  # 90 ties with 戊
        "G03": (110, 3, 2, {"语文": 5, "数学": 3}),
        "G06": (110, 3, 2, {"语文": 4, "数学": 4}),
        "G04": (70, 5, 3, {"语文": 6, "数学": 5}),
        "G02": (None, None, None, {"语文": 3, "数学": None}),
    }


def test_value_added_against_the_baseline(exam, school, other_school):
    # Baseline z: 甲 +1, 丙 −1, 戊 +1, 己 −1 (mean 70, std 10); now z = (x − 65) / s.
    ours = stat(exam, "school", "语文", school=school)
    # ((25/s − 1) + (−15/s + 1)) / 2 = 5/s
    assert ours.value_added == pytest.approx(5 / STD_CHINESE)
    assert (ours.matched, ours.small_sample) == (2, True)
    theirs = stat(exam, "school", "语文", school=other_school)
    assert theirs.value_added == pytest.approx(10 / STD_CHINESE)  # ((25 − 5)/s + 0) / 2
    county = stat(exam, "county", "语文")
    assert county.value_added == pytest.approx(7.5 / STD_CHINESE)  # (25 − 15 + 25 − 5)/s / 4
    assert county.matched == 4  # 乙 and 丁 are not in the baseline
    maths = stat(exam, "school", "数学", school=school)
    assert (maths.value_added, maths.matched, maths.small_sample) == (None, None, None)


def test_twice_gives_the_same_rows(exam):
    before = rows(exam)
    stats_compute(exam_id=exam.pk)
    assert rows(exam) == before
    assert UnitStat.objects.filter(exam=exam).count() == 21  # 3 + 6 + 9 + 3


def test_a_failure_keeps_the_previous_rows(exam, monkeypatch):
    before = rows(exam)

    def broken(*args, **kwargs):
        raise ValueError("a student is listed twice")

    monkeypatch.setattr(service.statistics, "compute_all", broken)
    with pytest.raises(ValueError):
        stats_compute(exam_id=exam.pk)
    exam.refresh_from_db()
    assert exam.stats_status == "failed"
    assert exam.stats_error == "ValueError: a student is listed twice"
    assert rows(exam) == before


def test_a_failure_while_storing_keeps_the_previous_rows(exam, monkeypatch):
    before = rows(exam)

    insert = service._insert

    def broken(model, columns, rows):
        if model is StudentResult:  # after the units were deleted and rewritten
            raise OperationalError("server closed the connection")
        insert(model, columns, rows)

    monkeypatch.setattr(service, "_insert", broken)
    with pytest.raises(OperationalError):
        stats_compute(exam_id=exam.pk)
    assert Exam.objects.get(pk=exam.pk).stats_status == "failed"
    assert rows(exam) == before  # the deletes were rolled back


def test_an_exam_without_results(db):
    exam = ExamFactory(code="EMPTY")
    stats_compute(exam_id=exam.pk)
    county = stat(exam, "county", "total")
    assert (county.enrolled, county.sat, county.mean, county.rank) == (0, 0, None, None)
    assert UnitStat.objects.filter(exam=exam).count() == 4  # the county: 3 subjects + total
    assert Exam.objects.get(pk=exam.pk).stats_status == "fresh"


def test_a_request_queues_after_the_commit(exam, django_capture_on_commit_callbacks):
    UnitStat.objects.filter(exam=exam).delete()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        stats_request(exam=exam)
    assert Exam.objects.get(pk=exam.pk).stats_status == "queued"
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: tasks run in-process in tests
    assert Exam.objects.get(pk=exam.pk).stats_status == "fresh"
    assert UnitStat.objects.filter(exam=exam).count() == 21


def test_the_task(exam, monkeypatch):
    seen = []
    monkeypatch.setattr(tasks, "stats_compute", lambda *, exam_id: seen.append(
        Exam.objects.get(pk=exam_id).stats_status
    ))  # fmt: skip
    assert tasks.compute_exam_stats.delay(exam.pk).get() is True
    assert seen == ["running"]
    assert tasks.compute_exam_stats.delay(999_999).get() is False  # the exam was deleted
    task = tasks.compute_exam_stats
    assert task.name == "exams.tasks.compute_exam_stats"
    assert task.autoretry_for == (OperationalError,) and task.max_retries == 3
    assert task.retry_backoff


def test_the_command(exam, capsys):
    call_command("compute_stats", "M1")
    out = capsys.readouterr().out
    assert out.startswith("已重新计算 M1：21 个统计单元，6 名学生，用时")
    with pytest.raises(CommandError, match="考试不存在：NOPE"):
        call_command("compute_stats", "NOPE")
    with pytest.raises(CommandError, match="请给出一个考试代码，或使用 --all"):
        call_command("compute_stats")


def test_the_command_recomputes_every_exam_with_results(exam, capsys):
    # An exam stored before t_score existed: its rows lack it until recomputed.
    UnitStat.objects.filter(exam=exam).update(t_score=None)
    ExamFactory(code="EMPTY", subjects={"语文": 100})  # no results: skipped
    call_command("compute_stats", "--all")
    out = capsys.readouterr().out
    # M0 (the baseline) and M1, oldest first; EMPTY has no results
    assert [line.split("：")[0] for line in out.splitlines()] == ["已重新计算 M0", "已重新计算 M1"]
    assert not UnitStat.objects.filter(exam=exam, sat__gt=0, t_score__isnull=True).exists()


def test_stats_computed_is_sent_after_the_commit(django_capture_on_commit_callbacks, school):
    from exams.signals import stats_computed

    exam = build_county(school, SchoolFactory(code="S002"), baseline=False)
    heard = []

    def receiver(sender, exam_id, **kwargs):
        heard.append(exam_id)

    def broken(sender, exam_id, **kwargs):
        raise RuntimeError("a listener's bug")

    stats_computed.connect(receiver)
    stats_computed.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            stats_compute(exam_id=exam.pk)
            assert heard == []  # not before the commit
    finally:
        stats_computed.disconnect(receiver)
        stats_computed.disconnect(broken)
    assert heard == [exam.pk]
    exam.refresh_from_db()
    assert exam.stats_status == "fresh"  # a failing listener changes nothing
