"""Progress per measure against the hand-counted county of tests/exams/stats_data.py:

school  student  语文  数学  total   (lines 85 / 75 / 60 of 100; total 200: 170 / 150 / 120)
S001    G01      90    80    170
S001    G02      70    缺考   —
S001    G03      50    60    110
S001    G04      30    40     70
S002    G05      90   100    190
S002    G06      60    50    110
"""

import pytest

from bureau.models import Role
from schools.models import Backbone
from targets.models import IndicatorEntry, Target
from targets.selectors.progress import progress_rows
from targets.services.entries import entry_confirm, entry_create
from tests.factories import ClassFactory, StudentFactory, TeacherFactory, UserFactory

from .conftest import create, progress

BASE = {"year": "2026-2027", "grade": 9, "schools": ["S001", "S002"]}


def by_school(rows):
    return {r["school"]: (r["target"], r["actual"], r["attainment"], r["status"]) for r in rows}


def test_count_over_line(county, api_for, staff):
    api = api_for(staff)
    body = {**BASE, "code": "P", "name": "及格", "measure": "count_over_line"}
    create(api, {**body, "subject": "语文", "line": "pass", "value": 4, "basis": "equal"})
    # 语文 ≥ 60: S001 90, 70 → 2; S002 90, 60 → 2; quotas 4 / 2 = 2 and 2.
    assert by_school(progress(api, "P", exam="M1")) == {
        None: (4, 4, 1.0, "green"),
        "S001": (2, 2, 1.0, "green"),
        "S002": (2, 2, 1.0, "green"),
    }
    create(
        api,
        {
            **body,
            "code": "T",
            "subject": "total",
            "line": "pass",
            "value": 3,
            "basis": "custom",
            "weights": {"S001": 2, "S002": 1},
        },
    )
    # Total ≥ 120 among those who sat both: S001 170 → 1 (G02 absent in 数学); S002 190 → 1.
    # Quotas 3 × 2/3 = 2 and 1: S001 1/2 = .5 red, S002 1/1 green; county 2/3 = .667 red.
    assert by_school(progress(api, "T", exam="M1")) == {
        None: (3, 2, pytest.approx(0.666667), "red"),
        "S001": (2, 1, 0.5, "red"),
        "S002": (1, 1, 1.0, "green"),
    }


def test_count_top_n_counts_ties_at_n(county, api_for, staff):
    api = api_for(staff)
    create(
        api,
        {
            **BASE,
            "code": "TOP",
            "name": "前3名",
            "measure": "count_top_n",
            "top_n": 3,
            "value": 4,
            "basis": "equal",
        },
    )
    # County ranks by total: 190 (1), 170 (2), 110 and 110 (3, 3), 70 (5): four within 3.
    # S001: 170, 110 → 2; S002: 190, 110 → 2.
    assert by_school(progress(api, "TOP", exam="M1")) == {
        None: (4, 4, 1.0, "green"),
        "S001": (2, 2, 1.0, "green"),
        "S002": (2, 2, 1.0, "green"),
    }


def test_count_top_n_uses_competition_ranks_when_the_exam_ranks_densely(county, api_for, staff):
    from exams.models import Exam
    from exams.services.stats import stats_compute

    exam = Exam.objects.get(code="M1")
    exam.rank_method = "dense"
    exam.save(update_fields=["rank_method"])
    stats_compute(exam_id=exam.pk)
    api = api_for(staff)
    create(
        api,
        {
            **BASE,
            "code": "TOP4",
            "name": "前4名",
            "measure": "count_top_n",
            "top_n": 4,
            "value": 4,
            "basis": "equal",
        },
    )
    # Dense ranks: 190 (1), 170 (2), 110 and 110 (3), 70 (4) would put all five within 4;
    # competition ranks (SPEC §6) give 70 rank 5: four students, S001 170, 110; S002 190, 110.
    assert by_school(progress(api, "TOP4", exam="M1")) == {
        None: (4, 4, 1.0, "green"),
        "S001": (2, 2, 1.0, "green"),
        "S002": (2, 2, 1.0, "green"),
    }


def test_rate_and_school_values(county, api_for, staff):
    api = api_for(staff)
    create(
        api,
        {
            **BASE,
            "code": "R",
            "name": "优秀率",
            "measure": "rate",
            "subject": "语文",
            "metric": "excellent_rate",
            "value": 0.5,
            "school_values": {"S001": 0.27},
        },
    )
    # 语文 ≥ 85: S001 1 of 4 sat = .25 against .27 → .926 amber; S002 1 of 2 = .5 → green;
    # county 2 of 6 = .333 against .5 → .667 red.
    assert by_school(progress(api, "R", exam="M1")) == {
        None: (0.5, pytest.approx(1 / 3, abs=1e-6), pytest.approx(2 / 3, abs=1e-6), "red"),
        "S001": (0.27, 0.25, pytest.approx(0.925926), "amber"),
        "S002": (0.5, 0.5, 1.0, "green"),
    }


def test_mean_vs_reference_and_max_gap(county, api_for, staff):
    api = api_for(staff)
    create(
        api,
        {
            **BASE,
            "code": "M",
            "name": "达到市均分",
            "measure": "mean_vs_reference",
            "subject": "语文",
            "reference": 60,
            "value": 0,
        },
    )
    # Means − 60: S001 (90+70+50+30)/4 = 60 → 0 (both 0: 1.0); S002 75 → +15; county 65 → +5.
    assert by_school(progress(api, "M", exam="M1")) == {
        None: (0, 5, None, "green"),
        "S001": (0, 0, 1.0, "green"),
        "S002": (0, 15, None, "green"),
    }
    create(
        api,
        {
            **BASE,
            "code": "G",
            "name": "最大距",
            "measure": "max_gap",
            "subject": "语文",
            "value": 12,
        },
    )
    # 75 − 60 = 15 against 12, lower is better: 12/15 = .8 red; county only.
    assert by_school(progress(api, "G", exam="M1")) == {None: (12, 15, 0.8, "red")}


def test_no_exam_yet_shows_no_data(county, api_for, staff):
    api = api_for(staff)
    create(
        api,
        {
            **BASE,
            "code": "P",
            "name": "及格",
            "measure": "count_over_line",
            "subject": "语文",
            "line": "pass",
            "value": 4,
            "basis": "equal",
        },
    )
    # M1 is open, not published: no measuring exam by default.
    assert by_school(progress(api, "P")) == {
        None: (4, None, None, None),
        "S001": (2, None, None, None),
        "S002": (2, None, None, None),
    }
    county.state = "published"
    county.save()
    assert by_school(progress(api, "P"))[None] == (4, 4, 1.0, "green")


def test_an_exam_of_another_grade_is_refused(county, api_for, staff):
    from tests.factories import ExamFactory

    api = api_for(staff)
    ExamFactory(code="G8", grade=8, subjects={"语文": 100})
    create(
        api,
        {
            **BASE,
            "code": "P",
            "name": "及格",
            "measure": "count_over_line",
            "subject": "语文",
            "line": "pass",
            "value": 4,
            "basis": "equal",
        },
    )
    answer = progress(api, "P", status=400, exam="G8")
    assert answer["detail"] == "exam：考试 G8 是8年级，与目标的9年级不符"


def test_registry_measures(db, school, other_school, api_for, staff):
    api = api_for(staff)
    from tests.factories import AcademicYearFactory

    AcademicYearFactory()
    for certified in (True, True, True, False):
        TeacherFactory(school=school, certified=certified)
    TeacherFactory(school=other_school, certified=True, backbone=Backbone.MASTER)
    TeacherFactory(school=other_school, certified=True, backbone=Backbone.RISING)
    big = ClassFactory(school=school, grade=9, number=1)
    small = ClassFactory(school=other_school, grade=9, number=1)
    StudentFactory.create_batch(4, school_class=big)
    StudentFactory.create_batch(2, school_class=small)
    body = {"year": "2026-2027", "measure": "registry", "schools": ["S001", "S002"]}
    create(api, {**body, "code": "C", "name": "持证", "metric": "certified_rate", "value": 1})
    # S001 3 of 4 = .75 red; S002 2 of 2 = 1 green; county 5 of 6 = .833 red.
    assert by_school(progress(api, "C")) == {
        None: (1, pytest.approx(0.833333), pytest.approx(0.833333), "red"),
        "S001": (1, 0.75, 0.75, "red"),
        "S002": (1, 1, 1, "green"),
    }
    create(
        api,
        {
            **body,
            "code": "L",
            "name": "大班额",
            "metric": "large_classes",
            "value": 0,
            "class_limit": 3,
        },
    )
    # Classes over 3 students: S001's (4) → 1 against 0 (lower: 0/1 = 0, red); S002 0 → 1.0.
    assert by_school(progress(api, "L")) == {
        None: (0, 1, 0, "red"),
        "S001": (0, 1, 0, "red"),
        "S002": (0, 0, 1.0, "green"),
    }
    backbone = create(
        api,
        {
            **body,
            "code": "B",
            "name": "骨干",
            "metric": "backbone_count",
            "value": 2,
            "basis": "equal",
        },
    )
    # Allocated 1 and 1; S001 has none, S002 two.
    assert [a["quota"] for a in backbone["allocations"]] == [1, 1]
    assert by_school(progress(api, "B")) == {
        None: (2, 2, 1.0, "green"),
        "S001": (1, 0, 0, "red"),
        "S002": (1, 2, 2.0, "green"),
    }


def test_entered_values_count_once_confirmed(db, school, other_school, api_for, staff, principal):
    from tests.factories import AcademicYearFactory

    AcademicYearFactory()
    api = api_for(staff)
    create(
        api,
        {
            "year": "2026-2027",
            "code": "E",
            "name": "体质健康优良率",
            "measure": "entered",
            "indicator": "体质健康优良率",
            "value": 0.4,
            "schools": ["S001", "S002"],
        },
    )
    target = Target.objects.get(code="E")
    entry = entry_create(target=target, user=principal, school=school, value=0.38)
    assert entry.confirmed_at is None
    assert by_school(progress_rows(target=target))["S001"] == (0.4, None, None, None)
    entry_confirm(entry=entry, user=staff)
    # .38 / .4 = .95: amber.
    assert by_school(progress_rows(target=target))["S001"] == (0.4, 0.38, 0.95, "amber")
    entry_create(target=target, user=staff, school=None, value=0.41)
    assert by_school(progress_rows(target=target))[None] == (
        0.4,
        0.41,
        pytest.approx(1.025),
        "green",
    )
    assert IndicatorEntry.objects.count() == 2
    outsider = UserFactory(username="p3", role=Role.PRINCIPAL, school=other_school)
    with pytest.raises(Exception, match="只能填报本校的指标"):
        entry_create(target=target, user=outsider, school=school, value=1)
