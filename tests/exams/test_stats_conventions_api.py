"""Standard scores, school-relative 超均率, 全科及格率, rank methods and students not counted,
through the real import, the stored rows, the API and the pages (SPEC §1, §4).

Exam ``C1`` (语文 100, 数学 100; lines 85 / 75 / 60 / 40), committed as a county file:

    school  class    student  语文  数学   不计入统计
    S001    九(1)班  A1        90    90
    S001    九(1)班  A2        70    50
    S001    九(2)班  A3        90    缺考
    S002    九(1)班  B1        70    70
    S002    九(1)班  B2        95    95     作弊

Counted: 语文 90, 70, 90, 70 (mean 80, std 10); 数学 90, 50, 70 (mean 70, std √(800/3));
totals 180, 120, 140 (A3 lacks 数学): mean 440/3, std √(16800/27).
"""

import io
import math

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bureau.models import AccessLog, Role
from exams.models import Exam, ExamEntry, ResultUpload, StudentResult, UnitStat
from exams.services.results import results_import
from exams.services.stats import stats_compute

from ..factories import (
    AcademicYearFactory,
    AssignmentFactory,
    ClassFactory,
    ExamFactory,
    SubjectFactory,
    TeacherFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["学校代码", "学籍号", "姓名", "班级", "语文", "数学", "不计入统计"]
ROWS = [
    ["S001", "A1", "甲", "九(1)班", 90, 90, None],
    ["S001", "A2", "乙", "九(1)班", 70, 50, ""],
    ["S001", "A3", "丙", "九(2)班", 90, "缺考", "否"],
    ["S002", "B1", "丁", "九(1)班", 70, 70, None],
    ["S002", "B2", "戊", "九(1)班", 95, 95, "作弊"],
]
MATH_STD = math.sqrt(800 / 3)
TOTAL_MEAN, TOTAL_STD = 440 / 3, math.sqrt(16800 / 27)


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "成绩"
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def commit(exam, rows, user=None):
    result = results_import(
        exam=exam, data=xlsx(rows), file_name="成绩.xlsx", user=user, dry_run=False
    )
    assert not result["errors"], result["errors"]
    return result


@pytest.fixture
def classes(school, other_school):
    return {
        "S001/1": ClassFactory(school=school, grade=9, number=1),
        "S001/2": ClassFactory(school=school, grade=9, number=2),
        "S002/1": ClassFactory(school=other_school, grade=9, number=1),
    }


@pytest.fixture
def exam(classes):
    exam = ExamFactory(code="C1", subjects={"语文": 100, "数学": 100})
    teacher = TeacherFactory(school=classes["S001/1"].school, staff_number="T1")
    for key in ("S001/1", "S001/2"):
        AssignmentFactory(
            teacher=teacher,
            school_class=classes[key],
            subject=SubjectFactory(name="语文"),
            academic_year=exam.academic_year,
        )
    commit(exam, [HEADER, *ROWS])
    stats_compute(exam_id=exam.pk)
    return exam


def stats(api, user, level, subject, **query):
    answer = api(user).get("/api/v1/exams/C1/stats/", {"level": level, "subject": subject, **query})
    assert answer.status_code == 200, answer.content.decode()
    return answer.json()


def scores(api, user, code="C1"):
    answer = api(user).get(f"/api/v1/exams/{code}/scores/", {"page_size": 100})
    assert answer.status_code == 200, answer.content.decode()
    return {r["student_number"]: r for r in answer.json()["results"]}


# --- the import ----------------------------------------------------------------------------


def test_the_dry_run_says_how_many_are_not_counted_and_why(api_for, staff, classes):
    ExamFactory(code="C1", subjects={"语文": 100, "数学": 100})
    rows = [*ROWS, ["S002", "B3", "己", "九(1)班", 60, 60, "随班就读"]]
    body = {"file": SimpleUploadedFile("成绩.xlsx", xlsx([HEADER, *rows]), XLSX), "dry_run": "1"}
    answer = api_for(staff).post("/api/v1/exams/C1/uploads/", body, format="multipart")
    assert answer.status_code == 200, answer.json()
    result = answer.json()
    assert (result["not_counted"], result["not_counted_reasons"]) == (
        2,
        {"作弊": 1, "随班就读": 1},
    )
    assert not result["committed"] and not ExamEntry.objects.exists()


def test_the_preview_page_shows_the_count_and_reasons(client_for, staff, classes):
    exam = ExamFactory(code="C1", subjects={"语文": 100, "数学": 100})
    client = client_for(staff)
    file = SimpleUploadedFile("成绩.xlsx", xlsx([HEADER, *ROWS]), XLSX)
    response = client.post("/exams/C1/upload/", {"file": file})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "1 名学生不计入统计：作弊 1 人" in html
    assert ResultUpload.objects.get(exam=exam).not_counted == {"作弊": 1}


def test_entries_keep_the_reason_and_a_sheet_without_the_column_keeps_the_marks(exam):
    assert dict(ExamEntry.objects.exclude(not_counted="").values_list(
        "student__student_number", "not_counted"
    )) == {"B2": "作弊"}  # fmt: skip
    # A corrected 数学 score for B1, without the 不计入统计 column: B2 stays not counted.
    plain = [[*row[:6]] for row in [HEADER, *ROWS]]
    plain[4][5] = 75
    result = commit(exam, plain)
    assert result["not_counted_reasons"] == {"作弊": 1}
    assert ExamEntry.objects.get(student__student_number="B2").not_counted == "作弊"
    # A sheet with the column decides: B2 counted again, A2 now 随班就读 (a yes cell → 未注明原因).
    rows = [list(r) for r in ROWS]
    rows[4][6], rows[1][6] = "", "是"
    commit(exam, [HEADER, *rows])
    marks = dict(
        ExamEntry.objects.exclude(not_counted="").values_list(
            "student__student_number", "not_counted"
        )
    )
    assert marks == {"A2": "未注明原因"}


def test_a_reason_too_long_is_an_error_naming_the_cell(classes):
    exam = ExamFactory(code="C1", subjects={"语文": 100, "数学": 100})
    rows = [list(r) for r in ROWS]
    rows[0][6] = "因" * 31
    result = results_import(
        exam=exam, data=xlsx([HEADER, *rows]), file_name="x.xlsx", user=None, dry_run=False
    )
    (problem,) = result["errors"]
    assert (problem["row"], problem["column"]) == (2, "不计入统计")
    assert "不计入统计的原因太长（最多 30 个字）" in problem["message"]
    assert not result["committed"] and not ExamEntry.objects.exists()


# --- stored rows ---------------------------------------------------------------------------


def test_stored_rows_carry_the_new_figures(exam):
    county = UnitStat.objects.get(exam=exam, level="county", subject="语文")
    assert (county.enrolled, county.sat) == (4, 4)  # B2 left out of enrolled too
    assert county.mean == pytest.approx(80.0)  # (90 + 70 + 90 + 70) / 4, not 83 with B2's 95
    assert county.t_score == pytest.approx(50.0)
    total = UnitStat.objects.get(exam=exam, level="county", subject="total")
    assert total.all_pass_rate == pytest.approx(2 / 3)  # A1, B1 of A1, A2, B1 (A3 lacks 数学)
    assert total.all_excellent_rate == pytest.approx(1 / 3)  # A1: 90 and 90 ≥ 85
    assert county.all_pass_rate is None  # a subject row
    klass = UnitStat.objects.get(
        exam=exam, level="class", subject="语文", school_class__number=1, school__code="S001"
    )
    # (90 + 70) / 2 = 80 against S001's (90 + 70 + 90) / 3 = 250/3: (80 − 250/3) / (250/3)
    assert klass.over_school_mean_rate == pytest.approx(-0.04)
    b2 = StudentResult.objects.get(exam=exam, student__student_number="B2")
    assert b2.total == 190.0 and b2.county_rank is None  # listed with the total, no rank
    assert b2.z == {"语文": None, "数学": None, "total": None}
    a1 = StudentResult.objects.get(exam=exam, student__student_number="A1")
    assert a1.z["语文"] == pytest.approx(1.0)  # (90 − 80) / 10
    assert a1.t["数学"] == pytest.approx(50 + 200 / MATH_STD)  # 50 + 10 × (90 − 70) / std


# --- the API -------------------------------------------------------------------------------


def test_scores_carry_z_and_t_and_list_the_student_not_counted(exam, api_for, staff):
    rows = scores(api_for, staff)
    a1 = rows["A1"]
    assert a1["z"] == {
        "语文": 1.0,  # (90 − 80) / 10
        "数学": round(20 / MATH_STD, 6),  # (90 − 70) / √(800/3) = 1.224745
        "total": round((180 - TOTAL_MEAN) / TOTAL_STD, 6),  # (100/3) / 24.944383 = 1.336306
    }
    assert a1["t"] == {
        "语文": 60.0,
        "数学": round(50 + 200 / MATH_STD, 6),  # 62.247449
        "total": round(50 + 10 * (180 - TOTAL_MEAN) / TOTAL_STD, 6),  # 63.363062
    }
    assert (a1["counted"], a1["not_counted"], a1["county_rank"]) == (True, "", 1)
    b2 = rows["B2"]
    assert b2["scores"] == {"语文": 95.0, "数学": 95.0} and b2["total"] == 190.0
    assert (b2["counted"], b2["not_counted"]) == (False, "作弊")
    assert (b2["county_rank"], b2["school_rank"], b2["subject_ranks"]) == (
        None,
        None,
        {"语文": None, "数学": None},
    )
    assert b2["t"] == {"语文": None, "数学": None, "total": None}
    assert rows["B1"]["school_rank"] == 1  # alone in S002 once B2 is left out
    assert rows["A3"]["t"]["数学"] is None and rows["A3"]["t"]["语文"] == 60.0


def test_stats_rows_carry_t_score_and_the_school_relative_rate(exam, api_for, staff):
    schools = {r["school_code"]: r for r in stats(api_for, staff, "school", "语文")}
    assert schools["S001"]["t_score"] == round(50 + 10 / 3, 6)  # 50 + 10 × (250/3 − 80) / 10
    assert schools["S002"]["t_score"] == 40.0  # 50 + 10 × (70 − 80) / 10
    assert schools["S002"]["enrolled"] == 1  # B2 not counted
    assert schools["S001"]["over_school_mean_rate"] is None  # a school level
    classes = {
        (r["school_code"], r["class_name"]): r for r in stats(api_for, staff, "class", "语文")
    }
    assert classes[("S001", "九(1)班")]["over_school_mean_rate"] == -0.04  # −10/3 ÷ 250/3
    assert classes[("S001", "九(2)班")]["over_school_mean_rate"] == 0.08  # 20/3 ÷ 250/3
    assert classes[("S002", "九(1)班")]["over_school_mean_rate"] == 0.0  # 70 against 70
    (t1,) = stats(api_for, staff, "teacher", "语文")
    assert (t1["teacher"], t1["over_school_mean_rate"]) == ("T1", 0.0)  # all of S001's 语文


def test_total_rows_carry_the_all_subject_rates(exam, api_for, staff):
    (county,) = stats(api_for, staff, "county", "total")
    assert county["all_pass_rate"] == round(2 / 3, 6)  # A1, B1 of A1, A2, B1
    assert county["all_excellent_rate"] == round(1 / 3, 6)  # A1
    schools = {r["school_code"]: r for r in stats(api_for, staff, "school", "total")}
    assert schools["S001"]["all_pass_rate"] == 0.5  # A1 of A1, A2; A3 sat no 数学
    assert schools["S002"]["all_excellent_rate"] == 0.0  # B1's 70 < 85
    classes = {r["class_name"]: r for r in stats(api_for, staff, "class", "total", school="S001")}
    assert classes["九(2)班"]["all_pass_rate"] is None  # nobody there sat every subject
    (chinese,) = stats(api_for, staff, "county", "语文")
    assert (chinese["all_pass_rate"], chinese["all_excellent_rate"]) == (None, None)


@pytest.mark.parametrize(
    ("method", "ranks"),
    # 语文 90 (A1), 70 (A2), 90 (A3), 70 (B1): competition 1, 3, 1, 3; dense 1, 2, 1, 2
    [("competition", (1, 3, 1, 3)), ("dense", (1, 2, 1, 2))],
)
def test_rank_method_set_through_the_api(api_for, staff, classes, method, ranks):
    AcademicYearFactory()
    body = {
        "code": "R1",
        "name": "排名方式",
        "kind": "monthly",
        "grade": 9,
        "date": "2026-10-20",
        "rank_method": method,
        "subjects": [
            {"subject": "语文", "full_marks": 100},
            {"subject": "数学", "full_marks": 100},
        ],
    }
    answer = api_for(staff).post("/api/v1/exams/", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["rank_method"] == method
    exam = Exam.objects.get(code="R1")
    exam.state = "open"
    exam.save(update_fields=["state"])
    commit(exam, [HEADER, *ROWS])
    stats_compute(exam_id=exam.pk)
    rows = scores(api_for, staff, "R1")
    assert tuple(rows[s]["subject_ranks"]["语文"] for s in ("A1", "A2", "A3", "B1")) == ranks


def test_an_unknown_rank_method_is_refused(api_for, staff):
    AcademicYearFactory()
    body = {
        "code": "R2",
        "name": "x",
        "kind": "monthly",
        "grade": 9,
        "date": "2026-10-20",
        "rank_method": "olympic",
        "subjects": [{"subject": "语文", "full_marks": 100}],
    }
    answer = api_for(staff).post("/api/v1/exams/", body, format="json")
    assert answer.status_code == 400 and "rank_method" in answer.json()


# --- the exam page -------------------------------------------------------------------------


def test_the_exam_page_says_how_many_and_why(exam, client_for, users, principal):
    Exam.objects.filter(pk=exam.pk).update(state="published")
    for role, user in users.items():
        html = client_for(user).get("/exams/C1/").content.decode()
        assert "1 名学生不计入统计：作弊 1 人" in html, role
    # Names only to those who may see S002's students: staff, not S001's principal.
    assert "戊" in client_for(users["staff"]).get("/exams/C1/").content.decode()
    assert "戊" not in client_for(principal).get("/exams/C1/").content.decode()
    assert AccessLog.objects.filter(what="不计入统计学生 C1", user=users["staff"]).exists()


def test_staff_mark_a_student_and_the_statistics_follow(
    exam, client_for, staff, django_capture_on_commit_callbacks
):
    client = client_for(staff)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/exams/C1/not-counted/", {"student_number": "A1", "reason": "试卷作废"}
        )
    assert answer.status_code == 302 and answer["Location"].endswith("/exams/C1/#not-counted")
    assert ExamEntry.objects.get(student__student_number="A1").not_counted == "试卷作废"
    county = UnitStat.objects.get(exam=exam, level="county", subject="语文")
    assert (county.enrolled, county.mean) == (3, pytest.approx(230 / 3))  # 70 + 90 + 70
    # Counted again: a blank reason.
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/exams/C1/not-counted/", {"student_number": "A1", "reason": ""})
    county = UnitStat.objects.get(exam=exam, level="county", subject="语文")
    assert (county.enrolled, county.mean) == (4, pytest.approx(80.0))


@pytest.mark.parametrize("role", [Role.LEADER, Role.INSPECTOR, Role.PRINCIPAL])
def test_only_the_bureau_marks_students(exam, client_for, school, role):
    user = UserFactory(
        username=f"u-{role}", role=role, school=school if role == "principal" else None
    )
    answer = client_for(user).post(
        "/exams/C1/not-counted/", {"student_number": "A1", "reason": "x"}
    )
    assert answer.status_code == 403
    assert ExamEntry.objects.get(student__student_number="A1").not_counted == ""


def test_marking_is_refused_once_published_and_for_an_unknown_student(exam, client_for, admin_user):
    client = client_for(admin_user)
    answer = client.post("/exams/C1/not-counted/", {"student_number": "Z9", "reason": "作弊"})
    assert "本次考试没有学籍号为 Z9 的学生" in client.get(answer["Location"]).content.decode()
    Exam.objects.filter(pk=exam.pk).update(state="published")
    answer = client.post("/exams/C1/not-counted/", {"student_number": "A1", "reason": "作弊"})
    assert "考试成绩已发布" in client.get(answer["Location"]).content.decode()
    assert ExamEntry.objects.get(student__student_number="A1").not_counted == ""


def test_the_school_page_shows_z_t_and_the_reason(exam, client_for, principal, other_principal):
    response = client_for(other_principal).get("/exams/C1/schools/S002/")
    rows = {
        r["cells"][0]["text"]: [c["text"] for c in r["cells"]]
        for r in response.context["students"]["rows"]
    }
    # B1: 语文 z = (70 − 80) / 10 = −1, T = 40; B2 not counted: no rank, no z, the reason
    assert rows["B1"][8:10] == ["-1.000", "40.00"]
    assert rows["B2"][6] == "—" and rows["B2"][8] == "—" and rows["B2"][-1] == "作弊"


def cells(response, key) -> dict[str, dict[str, str]]:
    """{first cell: {header: text}} of a page table."""
    table = response.context["tables"][key]
    headers = [str(c.header) for c in table["columns"]]
    out = {}
    for row in table["rows"]:
        texts = [c["text"] for c in row["cells"]]
        out[texts[0]] = dict(zip(headers, texts, strict=True))
    return out


def test_the_exam_page_tables_show_the_new_columns(exam, client_for, staff):
    client = client_for(staff)
    total = client.get("/exams/C1/?subject=total")
    overview = cells(total, "overview")
    # the total's row: 2/3 all pass, 1/3 all excellent; T of the county itself is 50
    assert (overview["总分"]["全科及格率"], overview["总分"]["全科优秀率"]) == ("66.7%", "33.3%")
    assert overview["总分"]["T分"] == "50.00" and overview["语文"]["全科及格率"] == "—"
    schools = {row["学校代码"]: row for row in cells(total, "schools").values()}
    assert schools["S001"]["全科及格率"] == "50.0%"  # A1 of A1, A2
    chinese = client.get("/exams/C1/?subject=语文")
    schools = {row["学校代码"]: row for row in cells(chinese, "schools").values()}
    assert schools["S001"]["T分"] == "53.33"  # 50 + 10 × (250/3 − 80) / 10
    assert "全科及格率" not in schools["S001"]  # subject tables leave the total's figures out
    classes = {(r["学校"], r["班级"]): r for r in cells(chinese, "classes").values()}
    assert (
        classes[("城关第一初级中学", "九(1)班")]["校内超均率"] == "-4.0%"
    )  # (80 − 250/3) / (250/3)
    school_page = client.get("/exams/C1/schools/S001/?subject=total")
    html = school_page.content.decode()
    assert "全科及格率" in html and school_page.context["summary"]["all_pass_rate"] == 0.5


def test_the_exam_form_offers_the_rank_method(client_for, staff):
    from .test_exam_manage import form_data

    AcademicYearFactory()
    client = client_for(staff)
    page = client.get("/exams/new/").content.decode()
    assert 'name="rank_method" value="dense"' in page and "中式排名（1223）" in page
    answer = client.post("/exams/new/", form_data([("语文", 100)], rank_method="dense"))
    assert answer.status_code == 302
    exam = Exam.objects.get(code="2026-9-mid")
    assert exam.rank_method == "dense"
    edit = client.get("/exams/2026-9-mid/edit/").content.decode()
    assert 'value="dense" checked' in edit or 'value="dense" id="id_rank_method_1" checked' in edit
    client.post("/exams/new/", form_data([("语文", 100)], code="plain"))
    assert Exam.objects.get(code="plain").rank_method == "competition"  # not chosen: default


def test_a_note_column_marks_only_the_known_reasons(exam):
    header = ["学校代码", "学籍号", "姓名", "班级", "语文", "数学", "备注"]
    notes = ["转入生", "随班就读", None, "", "考试作弊"]
    rows = [[*row[:6], note] for row, note in zip(ROWS, notes, strict=True)]
    result = commit(exam, [header, *rows])
    # 随班就读 and 考试作弊 name a reason; 转入生 is an ordinary note
    assert result["not_counted_reasons"] == {"随班就读": 1, "考试作弊": 1}
    marks = dict(
        ExamEntry.objects.exclude(not_counted="").values_list(
            "student__student_number", "not_counted"
        )
    )
    assert marks == {"A2": "随班就读", "B2": "考试作弊"}
    # Notes that name no reason leave the sheet silent: the marks stay.
    rows = [[*row[:6], "补考"] for row in ROWS]
    assert commit(exam, [header, *rows])["not_counted_reasons"] == {"随班就读": 1, "考试作弊": 1}
