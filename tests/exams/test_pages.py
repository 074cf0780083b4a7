"""The exam pages (SPEC §5): the list, one exam's analysis, one school's drill-down, and the
results trend on a school's profile; who sees what, and the numbers shown."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bureau import access
from bureau.models import AccessLog
from exams.models import Exam, ExamState, StatsStatus
from exams.services.results import results_import
from exams.services.stats import stats_compute

from ..factories import ExamFactory, SchoolFactory
from .pages_data import S001_ROWS, S002_ROWS, build_exam, xlsx

pytestmark = pytest.mark.django_db

ROLES = ["admin_user", "leader", "staff", "inspector", "principal", "other_principal"]


@pytest.fixture
def exam(staff, school, other_school):
    return build_exam(staff=staff, schools_rows=[(school, S001_ROWS), (other_school, S002_ROWS)])


def get(client_for, request, role, path):
    return client_for(request.getfixturevalue(role)).get(path)


def table_rows(response, key):
    """The texts of a table's rows as the page shows them."""
    return [[c["text"] for c in row["cells"]] for row in response.context["tables"][key]["rows"]]


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_list_and_analysis_answer_every_role(client_for, request, exam, role):
    assert get(client_for, request, role, "/exams/").status_code == 200
    assert get(client_for, request, role, "/exams/P1/").status_code == 200
    assert get(client_for, request, role, "/exams/P1/?subject=语文").status_code == 200


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin_user", 200),
        ("leader", 200),
        ("staff", 200),
        ("inspector", 404),
        ("principal", 404),
        ("other_principal", 404),
    ],
)
def test_draft_exam_is_not_found_for_schools(client_for, request, staff, role, expected):
    ExamFactory(code="D1", state=ExamState.DRAFT)
    assert get(client_for, request, role, "/exams/D1/").status_code == expected
    listed = get(client_for, request, role, "/exams/").content.decode()
    assert ("/exams/D1/" in listed) == (expected == 200)


@pytest.mark.parametrize(
    ("role", "s001", "s002"),
    [
        ("admin_user", 200, 200),
        ("leader", 200, 200),
        ("staff", 200, 200),
        ("inspector", 200, 200),
        ("principal", 200, 404),
        ("other_principal", 404, 200),
    ],
)
def test_drill_down_per_role(client_for, request, exam, role, s001, s002):
    assert get(client_for, request, role, "/exams/P1/schools/S001/").status_code == s001
    assert get(client_for, request, role, "/exams/P1/schools/S002/").status_code == s002


def test_missing_exam_or_school_is_404(client_for, principal, exam):
    client = client_for(principal)
    assert client.get("/exams/NOPE/").status_code == 404
    assert client.get("/exams/P1/schools/S999/").status_code == 404
    # Another school and a school that does not exist answer the same.
    assert (
        client.get("/exams/P1/schools/S002/").content
        == client.get("/exams/P1/schools/S999/").content
    )


@pytest.mark.parametrize("path", ["/exams/", "/exams/P1/", "/exams/P1/schools/S001/"])
def test_anonymous_is_sent_to_login(client, exam, path):
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
def test_navigation_has_exams_for_every_role(client_for, request, exam, role):
    response = get(client_for, request, role, "/exams/")
    nav = {item["key"]: item for item in response.context["nav"]}
    assert nav["exams"]["url"] == "/exams/" and str(nav["exams"]["label"]) == "考试"
    assert 'class="active">考试</a>' in response.content.decode()


# --- the list ------------------------------------------------------------------------------


def test_list_shows_state_stats_and_progress_for_managers(client_for, staff, principal, exam):
    SchoolFactory(code="S003", name="未上传中学")  # a third junior school without results
    page = client_for(staff).get("/exams/").content.decode()
    assert "已发布" in page and "统计更新于" in page
    assert 'href="/exams/P1/progress/">2 / 3</a>' in page
    own = client_for(principal).get("/exams/").content.decode()
    assert "2 / 3" not in own and "已上传学校" not in own


def test_list_shows_running_stats(client_for, staff, exam):
    Exam.objects.filter(pk=exam.pk).update(stats_status=StatsStatus.RUNNING)
    assert "计算中" in client_for(staff).get("/exams/").content.decode()


def test_list_filters(client_for, staff, exam):
    ExamFactory(code="G7", grade=7, state=ExamState.OPEN)
    page = client_for(staff).get("/exams/?grade=7").content.decode()
    assert "/exams/G7/" in page and "/exams/P1/" not in page


# --- the numbers ---------------------------------------------------------------------------


def test_school_table_matches_hand_computed_numbers(client_for, staff, exam):
    response = client_for(staff).get("/exams/P1/?subject=语文")
    rows = {r[1]: r for r in table_rows(response, "schools")}
    columns = [str(c.header) for c in response.context["tables"]["schools"]["columns"]]
    s001 = dict(zip(columns, rows["S001"], strict=True))
    # (95 + 90.5 + 50) / 3 = 78.50; 及格 2 of 3 = 66.7%; 优秀 (≥ 85) 2 of 3 = 66.7%
    assert s001["平均分"] == "78.50" and s001["及格率"] == "66.7%" and s001["优秀率"] == "66.7%"
    # composite = 100 × (0.4 × 0.785 + 0.3 × 2/3 + 0.3 × 2/3 − 0.1 × 0) = 71.40
    assert s001["综合指数"] == "71.40" and s001["名次"] == "1"
    s002 = dict(zip(columns, rows["S002"], strict=True))
    # (60 + 40) / 2 = 50.00, 1 of 2 passed; 实考 2 of 应考 3 = 66.7%
    assert (s002["平均分"], s002["及格率"], s002["参考率"]) == ("50.00", "50.0%", "66.7%")
    # 超均率 (50 − 67.1) / 67.1 = −25.5%
    assert s002["超均率"] == "-25.5%" and s002["名次"] == "2"
    html = response.content.decode()
    assert "78.50" in html and "66.7%" in html


def test_county_overview_has_every_subject_and_the_total(client_for, staff, exam):
    rows = table_rows(client_for(staff).get("/exams/P1/"), "overview")
    assert [r[0] for r in rows] == ["语文", "数学", "总分"]
    # 语文: 335.5 / 5 = 67.10; 数学: 380 / 6 = 63.33; total: the 5 who sat both, 665.5 / 5
    assert [r[3] for r in rows] == ["67.10", "63.33", "133.10"]
    assert rows[0][1:3] == ["6", "5"]


def test_bands_and_gap(client_for, staff, exam):
    response = client_for(staff).get("/exams/P1/?subject=语文")
    bands = table_rows(response, "bands")
    assert [b[0] for b in bands][:2] == ["0–10%", "10–20%"]
    # 语文 scores 95, 90.5, 50, 60, 40: one each in 40–50, 50–60, 60–70, two in 90–100
    assert [int(b[2]) for b in bands] == [0, 0, 0, 0, 1, 1, 1, 0, 0, 2]
    assert response.context["band_chart"]["labels"][-1] == "90–100%"
    gaps = table_rows(response, "gaps")
    # 78.50 − 50.00 = 28.50 among the two junior schools
    assert gaps == [["初中", "2", "28.50", "城关第一初级中学", "78.50", "河口乡中心学校", "50.00"]]


def test_composite_chart_data(client_for, staff, exam):
    chart = client_for(staff).get("/exams/P1/?subject=语文").context["composite_chart"]
    assert chart["labels"] == ["城关第一初级中学", "河口乡中心学校"]
    assert chart["values"] == [71.4, 35.0]  # 100 × (0.4 × 0.5 + 0.3 × 0.5) = 35
    assert 'id="composite-data"' in client_for(staff).get("/exams/P1/").content.decode()


def test_teachers_only_per_subject(client_for, staff, exam):
    total = client_for(staff).get("/exams/P1/")
    assert total.context["tables"]["teachers"]["rows"] == []
    assert "教师统计按学科计算" in total.content.decode()
    rows = table_rows(client_for(staff).get("/exams/P1/?subject=语文"), "teachers")
    # S001 class 1 teacher: (95 + 90.5) / 2 = 92.75
    assert [(r[1], r[5]) for r in rows] == [
        ("S001语文1", "92.75"),
        ("S002语文1", "50.00"),
        ("S001语文2", "50.00"),
    ]


def test_unknown_subject_falls_back_to_the_total(client_for, staff, exam):
    response = client_for(staff).get("/exams/P1/?subject=<script>")
    assert response.status_code == 200 and response.context["subject"] == "total"


# --- who sees which rows -------------------------------------------------------------------


def test_principal_sees_only_own_classes_on_the_county_page(client_for, other_principal, exam):
    response = client_for(other_principal).get("/exams/P1/?subject=语文")
    classes = table_rows(response, "classes")
    assert classes and {r[1] for r in classes} == {"河口乡中心学校"}
    # ...but every school's aggregates and ranks, their own row marked
    schools = response.context["tables"]["schools"]["rows"]
    assert len(schools) == 2 and [r["own"] for r in schools] == [False, True]
    teachers = table_rows(response, "teachers")
    assert {r[3] for r in teachers} == {"河口乡中心学校"}


def test_principal_links_only_to_own_drill_down(client_for, principal, exam):
    html = client_for(principal).get("/exams/P1/").content.decode()
    assert "/exams/P1/schools/S001/" in html and "/exams/P1/schools/S002/" not in html


def test_before_publication_schools_see_only_themselves(client_for, principal, staff, exam):
    Exam.objects.filter(pk=exam.pk).update(state=ExamState.CLOSED)
    response = client_for(principal).get("/exams/P1/?subject=语文")
    assert response.context["tables"]["overview"]["rows"] == []
    assert response.context["tables"]["gaps"]["rows"] == []
    assert [r[1] for r in table_rows(response, "schools")] == ["S001"]
    assert "考试发布后可查看全县数据" in response.content.decode()
    assert len(table_rows(client_for(staff).get("/exams/P1/"), "schools")) == 2


def test_no_student_rows_or_ranks_on_the_county_page(client_for, staff, exam):
    html = client_for(staff).get("/exams/P1/").content.decode()
    for name in ("刘文静", "G001", "全县名次", "校内名次"):
        assert name not in html


@pytest.mark.parametrize("role", ["admin_user", "leader", "staff", "principal"])
def test_drill_down_lists_students_for_allowed_roles(client_for, request, exam, role):
    response = get(client_for, request, role, "/exams/P1/schools/S001/")
    html = response.content.decode()
    assert "刘文静" in html and "校内名次" in html and "无权查看学生明细" not in html
    rows = [[c["text"] for c in r["cells"]] for r in response.context["students"]["rows"]]
    by_number = {r[0]: r for r in rows}
    # G001: 95 + 80 = 175, first in the county and in the school
    assert by_number["G001"][1:8] == ["刘文静", "九(1)班", "95", "80", "175", "1", "1"]
    # 语文 county 95, 90.5, 50, 60, 40: mean 67.1, std √(2403.2 / 5) = 21.9235;
    # z = 27.9 / 21.9235 = +1.273, T = 50 + 10z = 62.73; counted (no reason)
    assert by_number["G001"][8:10] == ["+1.273", "62.73"]
    assert by_number["G001"][-1] == ""
    assert AccessLog.objects.filter(action="view", school__code="S001").exists()


def test_inspector_sees_aggregates_but_not_students_of_unvisited_schools(
    client_for, inspector, exam
):
    response = client_for(inspector).get("/exams/P1/schools/S001/?subject=语文")
    html = response.content.decode()
    assert "无权查看学生明细" in html and "刘文静" not in html
    assert response.context["students"] is None
    assert [r[1] for r in table_rows(response, "classes")] == ["九(1)班", "九(2)班"]
    assert not AccessLog.objects.exists()


def test_inspector_sees_students_of_visited_schools(
    client_for, inspector, school, exam, monkeypatch
):
    monkeypatch.setattr(access.students, "visited_school_ids", lambda user: {school.pk})
    html = client_for(inspector).get("/exams/P1/schools/S001/").content.decode()
    assert "刘文静" in html
    other = client_for(inspector).get("/exams/P1/schools/S002/").content.decode()
    assert "无权查看学生明细" in other and "李雷" not in other


def test_drill_down_class_filter(client_for, staff, exam):
    response = client_for(staff).get("/exams/P1/schools/S001/?class=九(2)班")
    rows = response.context["students"]["rows"]
    assert [r["cells"][0]["text"] for r in rows] == ["G003"]
    # A class this grade cannot have: the whole school instead of an error
    assert client_for(staff).get("/exams/P1/schools/S001/?class=xyz").status_code == 200


def test_drill_down_summary(client_for, principal, exam):
    summary = client_for(principal).get("/exams/P1/schools/S001/?subject=语文").context["summary"]
    assert summary["rank"] == 1 and round(summary["mean"], 2) == 78.5


# --- value-added, banners ------------------------------------------------------------------


def test_value_added_against_the_baseline(client_for, staff, school, other_school):
    base = build_exam(
        staff=staff,
        schools_rows=[(school, S001_ROWS), (other_school, S002_ROWS)],
        code="B0",
        teachers=False,
    )
    # Same students, S002's scores a little better this time
    better = [[*r[:3], r[3] if r[3] == "缺考" else r[3] + 10, r[4]] for r in S002_ROWS]
    build_exam(
        staff=staff,
        schools_rows=[(school, S001_ROWS), (other_school, better)],
        code="P2",
        baseline=base,
        teachers=False,
    )
    response = client_for(staff).get("/exams/P2/?subject=语文")
    rows = {r[0]: r for r in table_rows(response, "value_added")}
    assert set(rows) == {"S001", "S002"}
    assert rows["S001"][2] == "3" and rows["S002"][2] == "2"  # matched students
    assert all(len(r[3].split(".")[1]) == 3 for r in rows.values())  # three decimals
    assert float(rows["S002"][3]) > 0 > float(rows["S001"][3])
    assert rows["S001"][4] == "样本不足"
    assert '<span class="badge amber">样本不足</span>' in response.content.decode()


@pytest.mark.parametrize(
    ("status", "updated", "banner"),
    [
        (StatsStatus.QUEUED, True, "统计正在后台更新，页面数字可能不是最新"),
        (StatsStatus.RUNNING, True, "统计正在后台更新，页面数字可能不是最新"),
        (StatsStatus.NONE, False, "尚未计算统计"),
        (StatsStatus.FAILED, True, "统计计算失败"),
        (StatsStatus.FRESH, True, None),
    ],
)
def test_stats_banner(client_for, staff, status, updated, banner):
    exam = ExamFactory(code="N1", state=ExamState.OPEN)
    Exam.objects.filter(pk=exam.pk).update(
        stats_status=status, stats_updated_at=timezone.now() if updated else None
    )
    html = client_for(staff).get("/exams/N1/").content.decode()
    if banner:
        assert banner in html and 'class="banner"' in html
    else:
        assert 'class="banner"' not in html


# --- speed, scripts ------------------------------------------------------------------------


def test_queries_are_bounded_and_do_not_grow_with_rows(
    client_for, staff, exam, django_assert_max_num_queries
):
    client = client_for(staff)
    # 21: the page's own queries (the not-counted summary among them) plus the navigation's
    # (unread bulletins, liaison schools).
    with django_assert_max_num_queries(21):
        client.get("/exams/P1/?subject=语文")
    with CaptureQueriesContext(connection) as before:
        client.get("/exams/P1/?subject=语文")
    third = SchoolFactory(code="S003", name="第三中学")
    rows = [[f"G3{i:02d}", f"学生{i}", f"九({i % 3 + 1})班", 50 + i, 60] for i in range(12)]
    Exam.objects.filter(pk=exam.pk).update(state=ExamState.OPEN)
    exam.refresh_from_db()
    results_import(
        exam=exam, data=xlsx(rows), file_name="x.xlsx", user=staff, school=third, dry_run=False
    )
    stats_compute(exam_id=exam.pk)
    with CaptureQueriesContext(connection) as after:
        response = client.get("/exams/P1/?subject=语文")
    assert len(table_rows(response, "schools")) == 3
    assert len(after.captured_queries) == len(before.captured_queries)
    with django_assert_max_num_queries(20):
        client.get("/exams/P1/schools/S001/?subject=语文")
    with django_assert_max_num_queries(10):
        client.get("/exams/")


def test_sorting_script_is_present(client_for, staff, exam):
    html = client_for(staff).get("/exams/P1/").content.decode()
    assert "js/table-sort.js" in html and 'class="table sortable"' in html
    assert 'data-kind="num"' in html and 'data-sort="' in html
    script = Path(settings.BASE_DIR, "static/js/table-sort.js").read_text()
    assert "data-sort" in script and "aria-sort" in script
    # ECharts comes from static/vendor, never a CDN
    assert "vendor/echarts.min.js" in html and "cdn" not in html.lower()


# --- a school's profile --------------------------------------------------------------------


def test_school_profile_shows_the_trend_of_published_exams(client_for, principal, staff, exam):
    later = build_exam(
        staff=staff,
        schools_rows=[(principal.school, S001_ROWS[:2])],
        code="P3",
        teachers=False,
    )
    Exam.objects.filter(pk=later.pk).update(date=datetime.date(2026, 12, 1))
    ExamFactory(code="O1", state=ExamState.OPEN)  # not published: not in the trend
    response = client_for(principal).get("/schools/S001/")
    trend = response.context["trend"]
    assert [t["exam_code"] for t in trend] == ["P1", "P3"]
    assert trend[0]["rank"] == 1 and trend[0]["ranked"] == 2
    html = response.content.decode()
    assert 'id="trend-data"' in html and "js/trend-chart.js" in html
    assert "/exams/P1/schools/S001/" in html and "1 / 2" in html


def test_school_profile_without_results(client_for, staff, school):
    response = client_for(staff).get("/schools/S001/")
    assert response.context["trend"] == [] and "暂无已发布的考试成绩" in response.content.decode()


def test_names_are_escaped_in_the_tables(client_for, staff, exam, school):
    school.name = '<img src=x onerror="alert(1)">中学'
    school.save()
    page = client_for(staff).get("/exams/P1/").content.decode()
    assert '<img src=x onerror="alert(1)">' not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;中学" in page
