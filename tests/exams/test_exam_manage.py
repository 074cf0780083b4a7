"""Setting up and running exams in the browser: the form (create, edit while draft), the state
buttons and "recompute"; who may do it."""

import datetime
from html.parser import HTMLParser

import pytest

from exams.models import Exam, ExamEntry, ExamState, ExamSubject, StatsStatus
from exams.services.exams import SubjectLine, exam_update

from ..factories import AcademicYearFactory, ExamFactory, SchoolFactory, StudentFactory

pytestmark = pytest.mark.django_db

MANAGERS = ["admin_user", "staff"]
OTHERS = ["leader", "inspector", "principal"]


@pytest.fixture(autouse=True)
def year(db):
    return AcademicYearFactory()


def form_data(subjects=(), rows=6, **fields):
    """The POST of the form: the exam's fields, then ``rows`` subject rows (blank after the
    given ones). A subject is (name, full marks) or (name, full marks, {line: percent})."""
    data = {
        "code": "2026-9-mid",
        "name": "2026年秋季九年级期中检测",
        "kind": "midterm",
        "grade": "9",
        "date": "2026-11-10",
        "rate_base": "sat",
        "weight_a": "0.4",
        "weight_b": "0.3",
        "weight_c": "0.3",
        "weight_d": "0.1",
        "baseline": "",
        "subjects-TOTAL_FORMS": str(rows),
        "subjects-INITIAL_FORMS": str(rows),
        "subjects-MIN_NUM_FORMS": "0",
        "subjects-MAX_NUM_FORMS": "30",
    }
    for i in range(rows):
        for name in ("subject", "full_marks", "excellent", "good", "pass_line", "low"):
            data[f"subjects-{i}-{name}"] = ""
    for i, subject in enumerate(subjects):
        data[f"subjects-{i}-subject"] = subject[0]
        data[f"subjects-{i}-full_marks"] = str(subject[1])
        for name, value in (subject[2] if len(subject) > 2 else {}).items():
            data[f"subjects-{i}-{name}"] = str(value)
    data.update(fields)
    return data


class FormValues(HTMLParser):
    """The values a browser would post back from the page's form, as rendered."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        posted = a.get("type") not in ("submit", "radio") or "checked" in a
        if tag == "input" and name and posted:
            self.values[name] = a.get("value") or ""
        elif tag == "select":
            self.select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def page_values(response) -> dict[str, str]:
    parser = FormValues()
    parser.feed(response.content.decode())
    parser.values.pop("language", None)
    return parser.values


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- the form ------------------------------------------------------------------------------


def test_create_stores_exactly_what_was_typed(client_for, staff):
    baseline = ExamFactory(code="BASE", date=datetime.date(2026, 9, 20))
    data = form_data(
        subjects=[("语文", 120, {"pass_line": 72, "excellent": 90, "low": 30}), ("数学", 150)],
        rate_base="enrolled",
        weight_a="0.5",
        weight_b="0.2",
        weight_c="0.25",
        weight_d="0.15",
        baseline=str(baseline.pk),
    )
    response = client_for(staff).post("/exams/new/", data, follow=True)
    assert response.redirect_chain[-1][0] == "/exams/2026-9-mid/"
    assert any("已创建考试" in m for m in messages_of(response))
    exam = Exam.objects.get(code="2026-9-mid")
    assert (exam.name, exam.kind, exam.grade, exam.date) == (
        "2026年秋季九年级期中检测",
        "midterm",
        9,
        datetime.date(2026, 11, 10),
    )
    assert exam.state == ExamState.DRAFT
    assert exam.rate_base == "enrolled"
    assert exam.weights == {"a": 0.5, "b": 0.2, "c": 0.25, "d": 0.15}
    assert exam.baseline == baseline
    assert exam.created_by == staff
    rows = [
        (s.subject.name, s.full_marks, s.excellent, s.good, s.pass_line, s.low, s.order)
        for s in exam.exam_subjects.order_by("order")
    ]
    assert rows == [
        ("语文", 120.0, 0.9, 0.75, 0.72, 0.3, 0),
        ("数学", 150.0, 0.85, 0.75, 0.6, 0.4, 1),
    ]


def test_blank_lines_and_weights_take_the_defaults(client_for, admin_user):
    response = client_for(admin_user).post("/exams/new/", form_data(subjects=[("英语", 120)]))
    assert response.status_code == 302
    exam = Exam.objects.get(code="2026-9-mid")
    assert exam.weights == {"a": 0.4, "b": 0.3, "c": 0.3, "d": 0.1}
    assert exam.rate_base == "sat"
    s = exam.exam_subjects.get()
    assert (s.excellent, s.good, s.pass_line, s.low) == (0.85, 0.75, 0.60, 0.40)


def test_the_blank_form_shows_the_defaults_and_the_formula(client_for, staff):
    ExamFactory(code="OLD", subjects={"道德与法治": 100})
    response = client_for(staff).get("/exams/new/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "综合指数 = 100 ×（a×得分率 + b×优秀率 + c×及格率 − d×低分率）" in html
    assert 'name="weight_a"' in html and 'value="0.4"' in html
    assert 'placeholder="85"' in html and 'placeholder="40"' in html
    assert '<option value="道德与法治">' in html  # the subjects datalist
    assert "应考人数" in html and "实考人数" in html


def test_bad_line_order_shows_the_service_message_and_stores_nothing(client_for, staff):
    data = form_data(subjects=[("语文", 120, {"excellent": 50, "pass_line": 60})])
    response = client_for(staff).post("/exams/new/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "语文：分数线须满足 优秀 ≥ 良好 ≥ 及格 ≥ 低分" in html
    assert not Exam.objects.exists()
    # What was typed is still there.
    assert 'value="2026年秋季九年级期中检测"' in html
    assert 'value="50"' in html and 'value="60"' in html


def test_duplicate_code_shows_the_message(client_for, staff):
    ExamFactory(code="2026-9-mid", name="已有的考试")
    response = client_for(staff).post("/exams/new/", form_data(subjects=[("语文", 120)]))
    assert response.status_code == 200
    assert "考试代码“2026-9-mid”已存在" in response.content.decode()
    assert Exam.objects.get(code="2026-9-mid").name == "已有的考试"


def test_no_subject_and_half_filled_rows_are_refused(client_for, staff):
    client = client_for(staff)
    response = client.post("/exams/new/", form_data())
    assert "考试至少要有一个学科" in response.content.decode()
    response = client.post("/exams/new/", form_data(subjects=[("语文", "")]))
    assert "请填写满分" in response.content.decode()
    response = client.post("/exams/new/", form_data(subjects=[("语文", 120, {"good": 120})]))
    assert "百分比" in response.content.decode()
    assert not Exam.objects.exists()


def test_a_date_outside_every_academic_year_is_refused(client_for, staff):
    response = client_for(staff).post(
        "/exams/new/", form_data(subjects=[("语文", 120)], date="2020-03-01")
    )
    assert "不在任何已设置的学年内" in response.content.decode()
    assert not Exam.objects.exists()


def test_add_row_keeps_what_was_typed_and_adds_a_row(client_for, staff):
    data = form_data(subjects=[("语文", 120, {"pass_line": 72})], rows=2, add_row="1")
    response = client_for(staff).post("/exams/new/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="subjects-TOTAL_FORMS" value="3"' in html
    assert 'name="subjects-2-subject"' in html
    assert 'value="语文"' in html and 'value="72"' in html
    assert not Exam.objects.exists()


# --- editing -------------------------------------------------------------------------------


def test_edit_a_draft_replaces_its_subjects(client_for, staff):
    exam = ExamFactory(code="E1", state="draft", subjects={"语文": 120, "数学": 120})
    client = client_for(staff)
    page = client.get("/exams/E1/edit/")
    assert page.status_code == 200
    assert 'value="语文"' in page.content.decode()
    data = form_data(
        subjects=[("数学", 100, {"good": 70}), ("物理", 80)],
        code="IGNORED",
        name="改名后的考试",
        weight_d="0.2",
    )
    response = client.post("/exams/E1/edit/", data)
    assert response.status_code == 302
    exam.refresh_from_db()
    assert exam.code == "E1"  # the code cannot change
    assert exam.name == "改名后的考试"
    assert exam.weights["d"] == 0.2
    rows = [(s.subject.name, s.full_marks, s.good) for s in exam.exam_subjects.order_by("order")]
    assert rows == [("数学", 100.0, 0.7), ("物理", 80.0, 0.75)]


def test_edit_shows_custom_lines_and_leaves_defaults_blank(client_for, staff):
    exam = ExamFactory(code="E1", state="draft", subjects={"语文": 120})
    ExamSubject.objects.filter(exam=exam).update(pass_line=0.72)
    html = client_for(staff).get("/exams/E1/edit/").content.decode()
    assert 'name="subjects-0-pass_line" value="72"' in html
    assert 'name="subjects-0-excellent" value=' not in html


def test_the_edit_page_posted_back_unchanged_keeps_the_exam(client_for, staff):
    baseline = ExamFactory(code="BASE", date=datetime.date(2026, 9, 20))
    exam = ExamFactory(
        code="E1",
        state="draft",
        subjects={"语文": 120, "数学": 150.5},
        rate_base="enrolled",
        weights={"a": 0.5, "b": 0.2, "c": 0.25, "d": 0.15},
        baseline=baseline,
    )
    ExamSubject.objects.filter(exam=exam, subject__name="语文").update(pass_line=0.72, low=0.3)
    client = client_for(staff)
    values = page_values(client.get("/exams/E1/edit/"))
    assert values["date"] == "2026-10-20"
    assert values["subjects-0-full_marks"] == "120"
    assert values["subjects-1-full_marks"] == "150.5"
    assert values["weight_c"] == "0.25"
    response = client.post("/exams/E1/edit/", values)
    assert response.status_code == 302, response.context["form"].errors
    exam.refresh_from_db()
    assert exam.rate_base == "enrolled" and exam.baseline == baseline
    assert exam.weights == {"a": 0.5, "b": 0.2, "c": 0.25, "d": 0.15}
    rows = [
        (s.subject.name, s.full_marks, s.excellent, s.good, s.pass_line, s.low)
        for s in exam.exam_subjects.order_by("order")
    ]
    assert rows == [("语文", 120.0, 0.85, 0.75, 0.72, 0.3), ("数学", 150.5, 0.85, 0.75, 0.6, 0.4)]


@pytest.mark.parametrize("state", ["open", "closed", "published"])
def test_edit_refused_after_draft(client_for, staff, state):
    exam = ExamFactory(code="E1", state=state, name="原名")
    client = client_for(staff)
    response = client.get("/exams/E1/edit/", follow=True)
    assert any("不能修改" in m for m in messages_of(response))
    response = client.post(
        "/exams/E1/edit/", form_data(subjects=[("语文", 100)], name="新名"), follow=True
    )
    assert response.redirect_chain[-1][0] == "/exams/E1/"
    exam.refresh_from_db()
    assert exam.name == "原名"


def test_the_service_refuses_to_change_an_exam_that_is_not_a_draft(staff):
    from core.errors import DomainError

    exam = ExamFactory(code="E1", state="open")
    with pytest.raises(DomainError, match="不能修改"):
        exam_update(
            exam=exam,
            name="x",
            kind="monthly",
            grade=9,
            date=exam.date,
            subjects=[SubjectLine("语文", 100)],
        )


def test_changing_a_draft_with_results_requests_its_statistics(staff, school):
    exam = ExamFactory(code="E1", state="draft", subjects={"语文": 120})
    subject_id = exam.exam_subjects.get().subject_id
    student = StudentFactory(school_class__school=school)
    ExamEntry.objects.create(
        exam=exam, student=student, school=school, scores={str(subject_id): 110}
    )
    from core.errors import DomainError

    with pytest.raises(DomainError, match="满分不能低于"):
        exam_update(
            exam=exam,
            name=exam.name,
            kind=exam.kind,
            grade=9,
            date=exam.date,
            subjects=[SubjectLine("语文", 100)],
        )
    exam_update(
        exam=exam,
        name=exam.name,
        kind=exam.kind,
        grade=9,
        date=exam.date,
        subjects=[SubjectLine("语文", 150, {"pass": 0.5})],
    )
    exam.refresh_from_db()
    assert exam.stats_status in (StatsStatus.QUEUED, StatsStatus.FRESH)
    assert exam.exam_subjects.get().pass_line == 0.5


# --- who may ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", MANAGERS)
def test_managers_may(client_for, request, role):
    ExamFactory(code="E1", state="draft")
    client = client_for(request.getfixturevalue(role))
    assert client.get("/exams/new/").status_code == 200
    assert client.get("/exams/E1/edit/").status_code == 200
    assert client.post("/exams/E1/state/", {"state": "open"}).status_code == 302
    assert client.post("/exams/E1/recompute/").status_code == 302
    assert "新建考试" in client.get("/exams/").content.decode()


@pytest.mark.parametrize("role", OTHERS)
@pytest.mark.parametrize("state", ["draft", "open"])
def test_other_roles_are_refused(client_for, request, role, state):
    ExamFactory(code="E1", state=state, name="原名")
    client = client_for(request.getfixturevalue(role))
    assert client.get("/exams/new/").status_code == 403
    assert client.post("/exams/new/", form_data(subjects=[("语文", 100)])).status_code == 403
    assert client.get("/exams/E1/edit/").status_code == 403
    assert client.post("/exams/E1/edit/", form_data(subjects=[("语文", 100)])).status_code == 403
    assert client.post("/exams/E1/state/", {"state": "closed"}).status_code == 403
    assert client.post("/exams/E1/recompute/").status_code == 403
    exam = Exam.objects.get(code="E1")
    assert (exam.state, exam.name, exam.stats_status) == (state, "原名", StatsStatus.NONE)
    assert Exam.objects.count() == 1


@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_see_no_buttons(client_for, request, role):
    ExamFactory(code="E1", state="published")
    client = client_for(request.getfixturevalue(role))
    assert "新建考试" not in client.get("/exams/").content.decode()
    html = client.get("/exams/E1/").content.decode()
    assert "/exams/E1/state/" not in html and "重新计算统计" not in html


def test_unknown_exam_is_404_for_managers(client_for, staff):
    client = client_for(staff)
    assert client.get("/exams/NOPE/edit/").status_code == 404
    assert client.post("/exams/NOPE/state/", {"state": "open"}).status_code == 404
    assert client.post("/exams/NOPE/recompute/").status_code == 404


def test_state_and_recompute_are_post_only(client_for, staff):
    ExamFactory(code="E1")
    client = client_for(staff)
    assert client.get("/exams/E1/state/").status_code == 405
    assert client.get("/exams/E1/recompute/").status_code == 405


# --- state buttons and recompute ------------------------------------------------------------


def test_state_buttons_walk_the_flow(client_for, staff):
    exam = ExamFactory(code="E1", state="draft")
    client = client_for(staff)
    html = client.get("/exams/E1/").content.decode()
    assert "开放上传" in html and 'value="open"' in html and "修改设置" in html
    assert 'value="published"' not in html
    for target, label, next_buttons in [
        ("open", "开放上传", ["截止上传", "退回草稿"]),
        ("closed", "已截止", ["发布结果", "重新开放"]),
        ("published", "已发布", ["撤回发布"]),
    ]:
        response = client.post("/exams/E1/state/", {"state": target}, follow=True)
        assert response.redirect_chain[-1][0] == "/exams/E1/"
        exam.refresh_from_db()
        assert exam.state == target
        assert any(f"考试状态已改为“{label}”" in m for m in messages_of(response))
        html = response.content.decode()
        for button in next_buttons:
            assert button in html
    assert "修改设置" not in html


def test_an_illegal_move_shows_the_message_and_keeps_the_state(client_for, staff):
    exam = ExamFactory(code="E1", state="draft")
    response = client_for(staff).post("/exams/E1/state/", {"state": "published"}, follow=True)
    assert any("考试状态不能从“草稿”改为“已发布”" in m for m in messages_of(response))
    exam.refresh_from_db()
    assert exam.state == "draft"
    response = client_for(staff).post("/exams/E1/state/", {"state": "bogus"}, follow=True)
    assert any("未知的考试状态" in m for m in messages_of(response))


def test_recompute_requests_the_statistics(client_for, staff, school):
    exam = ExamFactory(code="E1", subjects={"语文": 100})
    subject_id = exam.exam_subjects.get().subject_id
    student = StudentFactory(school_class__school=school)
    ExamEntry.objects.create(
        exam=exam,
        student=student,
        school=school,
        school_class=student.school_class,
        scores={str(subject_id): 80},
    )
    response = client_for(staff).post("/exams/E1/recompute/", follow=True)
    assert any("重新计算统计" in m for m in messages_of(response))
    exam.refresh_from_db()
    assert exam.stats_status in (StatsStatus.QUEUED, StatsStatus.FRESH)


def test_the_exam_code_new_is_reserved(client_for, staff):
    SchoolFactory()
    response = client_for(staff).post(
        "/exams/new/", form_data(subjects=[("语文", 100)], code="new")
    )
    assert "不能用作考试代码" in response.content.decode()
    assert not Exam.objects.exists()
