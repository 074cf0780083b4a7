"""Rectification pages (整改): who opens what, the whole workflow through the pages, overdue
flags, filters and counts, the form from a visit, escaping (docs/rectifications-observations.md)."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from inspections import services
from inspections.models import RectificationStatus, RectificationTask
from inspections.views.visits import rectifications_block

ROLES = ["admin_user", "leader", "staff", "inspector", "principal", "other_principal"]


def _today():
    return timezone.localdate()


def _make(user, school, *, days=30, title="问题", severity="low", visit=None):
    return services.rectification_create(
        user=user,
        school=school,
        visit=visit,
        title=title,
        severity=severity,
        deadline=_today() + datetime.timedelta(days=days),
    )


@pytest.fixture
def task(inspector, school, draft):
    return _make(inspector, school, title="作业批改记录不全", severity="high", visit=draft)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- access --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_list_page_for_every_role(request, client_for, role, task, other_school, inspector):
    _make(inspector, other_school, title="河口乡问题")
    response = client_for(request.getfixturevalue(role)).get("/rectifications/")
    assert response.status_code == 200
    titles = [t.title for t in response.context["page"]]
    expected = {
        "principal": ["作业批改记录不全"],
        "other_principal": ["河口乡问题"],
    }.get(role, ["作业批改记录不全", "河口乡问题"])
    assert titles == expected


@pytest.mark.parametrize(
    "role, code",
    [
        ("admin_user", 200),
        ("leader", 200),
        ("staff", 200),
        ("inspector", 200),
        ("principal", 200),
        ("other_principal", 404),
    ],
)
def test_detail_page_per_role(request, client_for, role, code, task):
    response = client_for(request.getfixturevalue(role)).get(f"/rectifications/{task.pk}/")
    assert response.status_code == code


@pytest.mark.parametrize(
    "role, code",
    [
        ("admin_user", 200),
        ("staff", 200),
        ("inspector", 200),
        ("leader", 403),
        ("principal", 403),
        ("other_principal", 403),
    ],
)
def test_new_page_per_role(request, client_for, role, code, draft):
    client = client_for(request.getfixturevalue(role))
    assert client.get(f"/rectifications/new/?visit={draft.pk}").status_code == code
    assert client.get("/rectifications/new/").status_code == code


@pytest.mark.parametrize("path", ["/rectifications/", "/rectifications/1/", "/rectifications/new/"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_absent_and_not_yours_look_the_same(client_for, other_principal, task):
    client = client_for(other_principal)
    not_yours = client.get(f"/rectifications/{task.pk}/")
    absent = client.get("/rectifications/9999/")
    assert not_yours.status_code == absent.status_code == 404
    assert not_yours.content == absent.content


def test_forms_shown_by_role_and_status(client_for, staff, leader, inspector, principal, task):
    def forms(user):
        context = client_for(user).get(f"/rectifications/{task.pk}/").context
        return (context["answer_form"] is not None, context["verify_form"] is not None)

    # open: the school's principal and staff may answer; nobody verifies yet
    assert forms(principal) == (True, False)
    assert forms(staff) == (True, False)
    assert forms(inspector) == (False, False)
    assert forms(leader) == (False, False)
    services.rectification_answer(task=task, user=principal, text="已改")
    assert forms(principal) == (False, False)
    assert forms(inspector) == (False, True)
    assert forms(staff) == (False, True)
    assert forms(leader) == (False, False)


# --- the workflow --------------------------------------------------------------------------


def test_whole_workflow_through_the_pages(client_for, inspector, principal, draft):
    insp, head = client_for(inspector), client_for(principal)

    # the inspector sets a task from the visit
    page = insp.get(f"/rectifications/new/?visit={draft.pk}")
    assert page.context["form"].initial["detail"] == "作业批改记录不全"
    assert "school" not in page.context["form"].fields  # fixed: the visit's school
    deadline = _today() + datetime.timedelta(days=14)
    response = insp.post(
        f"/rectifications/new/?visit={draft.pk}",
        {
            "title": "作业批改记录不全",
            "detail": "补齐本学期作业批改记录",
            "severity": "high",
            "deadline": deadline.isoformat(),
            "responsible": "教务处 王老师",
        },
    )
    task = RectificationTask.objects.get()
    assert response.status_code == 302
    assert response.url == f"/rectifications/{task.pk}/"
    assert (task.school.code, task.visit_id, task.status) == ("S001", draft.pk, "open")
    assert (task.severity, task.deadline, task.responsible) == ("high", deadline, "教务处 王老师")
    url = f"/rectifications/{task.pk}/"

    # the principal answers
    response = head.post(url + "answer/", {"text": "已补齐", "evidence": "作业检查登记表"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == RectificationStatus.ANSWERED

    # the inspector sends it back: a reason is required
    response = insp.post(url + "verify/", {"decision": "reopen", "reason": " "})
    assert response.status_code == 200
    assert _messages(response)[-1] == "退回重改须说明理由"
    response = insp.post(url + "verify/", {"decision": "reopen", "reason": "缺九月份"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == RectificationStatus.REOPENED
    events = list(task.events.order_by("at", "pk"))
    assert [(e.action, e.by.username, e.text) for e in events] == [
        ("created", "inspector", "补齐本学期作业批改记录"),
        ("answered", "principal", "已补齐\n佐证材料：作业检查登记表"),
        ("reopened", "inspector", "缺九月份"),
    ]

    # the principal answers again, the inspector accepts
    assert head.post(url + "answer/", {"text": "九月份已补"}).status_code == 302
    assert insp.post(url + "verify/", {"decision": "accept"}).status_code == 302
    task.refresh_from_db()
    assert task.status == RectificationStatus.CLOSED
    page = head.get(url)
    assert [e.action for e in page.context["history"]] == [
        "created",
        "answered",
        "reopened",
        "answered",
        "closed",
    ]
    html = page.content.decode()
    assert "已销号" in html and "九月份已补" in html and "缺九月份" in html
    assert page.context["answer_form"] is None and page.context["verify_form"] is None


def test_answer_needs_text(client_for, principal, task):
    response = client_for(principal).post(f"/rectifications/{task.pk}/answer/", {"text": ""})
    assert response.status_code == 200
    assert _messages(response) == ["请填写整改情况"]
    task.refresh_from_db()
    assert task.status == "open"


def test_answer_twice_is_refused_with_a_message(client_for, principal, task):
    client = client_for(principal)
    assert client.post(f"/rectifications/{task.pk}/answer/", {"text": "已改"}).status_code == 302
    response = client.post(f"/rectifications/{task.pk}/answer/", {"text": "再改"})
    assert response.status_code == 200
    assert _messages(response)[-1] == "整改事项已答复，不能答复"


def test_other_principal_cannot_see_or_answer(client_for, principal, other_principal, task):
    client = client_for(other_principal)
    assert client.get(f"/rectifications/{task.pk}/").status_code == 404
    assert client.post(f"/rectifications/{task.pk}/answer/", {"text": "x"}).status_code == 404
    services.rectification_answer(task=task, user=principal, text="已改")
    response = client.post(f"/rectifications/{task.pk}/verify/", {"decision": "accept"})
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == "answered"
    assert task.events.count() == 2


def test_principal_cannot_verify(client_for, principal, task):
    client = client_for(principal)
    client.post(f"/rectifications/{task.pk}/answer/", {"text": "已改"})
    response = client.post(f"/rectifications/{task.pk}/verify/", {"decision": "accept"})
    assert response.status_code == 403
    assert _messages(response)[-1] == "只有督导员、局机关工作人员或管理员可以验收整改"
    response = client.post(f"/rectifications/{task.pk}/verify/", {})
    assert response.status_code == 403
    task.refresh_from_db()
    assert task.status == "answered"


def test_inspector_cannot_answer(client_for, inspector, task):
    response = client_for(inspector).post(f"/rectifications/{task.pk}/answer/", {"text": "x"})
    assert response.status_code == 403
    assert _messages(response) == ["只有该校校长、局机关工作人员或管理员可以答复整改"]


def test_leader_is_read_only(client_for, leader, principal, task, draft):
    client = client_for(leader)
    assert client.post(f"/rectifications/{task.pk}/answer/", {"text": "x"}).status_code == 403
    services.rectification_answer(task=task, user=principal, text="已改")
    response = client.post(f"/rectifications/{task.pk}/verify/", {"decision": "accept"})
    assert response.status_code == 403
    body = {"title": "x", "severity": "low", "deadline": "2030-01-01"}
    assert client.post(f"/rectifications/new/?visit={draft.pk}", body).status_code == 403
    task.refresh_from_db()
    assert task.status == "answered"
    assert RectificationTask.objects.count() == 1


def test_get_on_post_urls_is_405(client_for, staff, task):
    assert client_for(staff).get(f"/rectifications/{task.pk}/answer/").status_code == 405


# --- new task ------------------------------------------------------------------------------


def test_new_without_a_visit_picks_the_school(client_for, staff, other_school):
    client = client_for(staff)
    body = {"school": "S002", "title": "校舍安全隐患", "severity": "medium"}
    response = client.post("/rectifications/new/", {**body, "deadline": "2030-06-30"})
    assert response.status_code == 302
    task = RectificationTask.objects.get()
    assert (task.school.code, task.visit, task.created_by.username) == ("S002", None, "staff")


def test_new_keeps_what_was_typed_on_errors(client_for, inspector, draft):
    response = client_for(inspector).post(
        f"/rectifications/new/?visit={draft.pk}", {"title": "", "severity": "low"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"title", "deadline"}
    assert RectificationTask.objects.count() == 0


def test_new_from_an_unknown_visit_is_404(client_for, inspector):
    assert client_for(inspector).get("/rectifications/new/?visit=999").status_code == 404
    assert client_for(inspector).get("/rectifications/new/?visit=x").status_code == 404


# --- overdue, counts, filters --------------------------------------------------------------


@pytest.fixture
def board(inspector, principal, school, other_school):
    """S001: late by 3 days (open), late by 1 day (answered), due today (open), closed though
    late (10 days); S002: late by 5 days (high)."""
    late3 = _make(inspector, school, days=-3, title="逾期三天")
    late1 = _make(inspector, school, days=-1, title="逾期一天")
    services.rectification_answer(task=late1, user=principal, text="已改")
    today = _make(inspector, school, days=0, title="今天到期")
    closed = _make(inspector, school, days=-10, title="已销号")
    services.rectification_answer(task=closed, user=principal, text="已改")
    services.rectification_verify(task=closed, user=inspector, accepted=True)
    elsewhere = _make(inspector, other_school, days=-5, title="河口乡逾期", severity="high")
    return {"late3": late3, "late1": late1, "today": today, "closed": closed, "S002": elsewhere}


def test_overdue_first_then_by_deadline(client_for, staff, board):
    response = client_for(staff).get("/rectifications/")
    rows = list(response.context["page"])
    assert [t.title for t in rows] == ["河口乡逾期", "逾期三天", "逾期一天", "已销号", "今天到期"]
    assert [t.days_overdue for t in rows] == [5, 3, 1, 0, 0]
    html = response.content.decode()
    assert "逾期 5 天" in html and "逾期 3 天" in html and "逾期 1 天" in html
    assert "逾期 10 天" not in html  # closed: never overdue
    assert response.context["overdue_count"] == 3
    counts = {c["value"]: c["n"] for c in response.context["counts"]}
    assert counts == {"open": 3, "answered": 1, "reopened": 0, "closed": 1}


def test_principal_counts_and_no_school_filter(client_for, principal, board):
    response = client_for(principal).get("/rectifications/")
    assert "school" not in response.context["form"].fields
    assert response.context["overdue_count"] == 2
    counts = {c["value"]: c["n"] for c in response.context["counts"]}
    assert counts == {"open": 2, "answered": 1, "reopened": 0, "closed": 1}
    # a school in the query is ignored for a principal: still only their own
    titles = [
        t.title for t in client_for(principal).get("/rectifications/?school=S002").context["page"]
    ]
    assert "河口乡逾期" not in titles and len(titles) == 4


def test_filters(client_for, inspector, board):
    client = client_for(inspector)

    def titles(query):
        response = client.get("/rectifications/" + query)
        assert response.status_code == 200
        return [t.title for t in response.context["page"]]

    assert titles("?school=S002") == ["河口乡逾期"]
    assert titles("?status=answered") == ["逾期一天"]
    assert titles("?overdue=yes") == ["河口乡逾期", "逾期三天", "逾期一天"]
    assert titles("?overdue=no") == ["已销号", "今天到期"]
    assert titles("?severity=high") == ["河口乡逾期"]
    assert titles("?school=S001&status=open") == ["逾期三天", "今天到期"]
    # counts follow the school chosen
    response = client.get("/rectifications/?school=S001")
    assert response.context["overdue_count"] == 2
    # a bad value is reported by the form and the page still answers
    assert client.get("/rectifications/?status=nonsense").status_code == 200


# --- escaping, the visit's block -----------------------------------------------------------


def test_user_text_is_escaped(client_for, inspector, principal, school):
    task = _make(inspector, school, title="<script>alert(1)</script>")
    services.rectification_answer(task=task, user=principal, text="<b>已改</b>")
    for url in ("/rectifications/", f"/rectifications/{task.pk}/"):
        html = client_for(inspector).get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    html = client_for(inspector).get(f"/rectifications/{task.pk}/").content.decode()
    assert "<b>已改</b>" not in html and "&lt;b&gt;已改&lt;/b&gt;" in html


def test_visit_block_lists_tasks_and_offers_a_new_one(inspector, principal, draft, task):
    _make(inspector, draft.school, days=-2, title="<i>逾期</i>", visit=draft)
    html = render_to_string(
        "inspections/_visit_rectifications.html",
        {"visit": draft, **rectifications_block(inspector, draft)},
    )
    assert "作业批改记录不全" in html and "&lt;i&gt;逾期&lt;/i&gt;" in html
    assert html.count('class="badge red"') == 1  # only the late one
    assert f"/rectifications/new/?visit={draft.pk}" in html
    html = render_to_string(
        "inspections/_visit_rectifications.html",
        {"visit": draft, **rectifications_block(principal, draft)},
    )
    assert "作业批改记录不全" in html
    assert "/rectifications/new/" not in html
