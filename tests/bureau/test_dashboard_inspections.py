"""The 督导 part of the dashboards: overdue rectifications (bureau roles), tasks to answer
(principals), answers to verify (inspectors), own observation quota, the liaison link."""

import datetime

import pytest
from django.utils import timezone

from bureau.models import Role
from inspections import services
from tests.factories import TeacherFactory, TermFactory, UserFactory

ITEMS = [{"group": "备课", "text": "教案齐全", "kind": "points", "max_points": 10}]


def _days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def _task(user, school, days, title, visit=None):
    return services.rectification_create(
        user=user, school=school, visit=visit, title=title, severity="low", deadline=_days(days)
    )


@pytest.fixture
def visit(staff, inspector, school):
    checklist = services.checklist_create(name="检查", pass_mark=0.6, items=ITEMS, user=staff)
    return services.visit_create(
        user=inspector, school=school, date=_days(-20), kind="routine", checklist=checklist
    )


@pytest.fixture
def tasks(inspector, principal, school, other_school, visit):
    """S001: late 6 days (open), late 2 days (reopened), due in 5 days (open), answered (of
    the inspector's visit), closed though late; S002: late 4 days (open)."""
    late6 = _task(inspector, school, -6, "教案不全")
    reopened = _task(inspector, school, -2, "作业批改")
    services.rectification_answer(task=reopened, user=principal, text="已改")
    services.rectification_verify(task=reopened, user=inspector, accepted=False, reason="不够")
    soon = _task(inspector, school, 5, "<b>校园安全</b>")
    answered = _task(inspector, school, 3, "课表公示", visit=visit)
    services.rectification_answer(task=answered, user=principal, text="已公示")
    closed = _task(inspector, school, -30, "已销号的")
    services.rectification_answer(task=closed, user=principal, text="已改")
    services.rectification_verify(task=closed, user=inspector, accepted=True)
    elsewhere = _task(inspector, other_school, -4, "河口乡问题")
    return {"late6": late6, "reopened": reopened, "soon": soon, "answered": answered,
            "elsewhere": elsewhere}  # fmt: skip


@pytest.mark.parametrize("role", ["admin_user", "leader", "staff"])
def test_bureau_roles_see_overdue_count_and_top(request, client_for, role, tasks):
    response = client_for(request.getfixturevalue(role)).get("/")
    assert response.status_code == 200
    overdue = response.context["overdue"]
    # late: 6 (S001), 4 (S002), 2 (S001, reopened); the closed one never counts
    assert overdue["count"] == 3
    assert [(r["school"], r["task"].title, r["days"]) for r in overdue["top"]] == [
        ("城关第一初级中学", "教案不全", 6),
        ("河口乡中心学校", "河口乡问题", 4),
        ("城关第一初级中学", "作业批改", 2),
    ]
    html = response.content.decode()
    assert "逾期整改" in html and "逾期 6 天" in html
    assert "/rectifications/?overdue=yes" in html


def test_overdue_list_is_cut_to_five(client_for, staff, inspector, school):
    for n in range(7):
        _task(inspector, school, -1 - n, f"问题{n}")
    overdue = client_for(staff).get("/").context["overdue"]
    assert overdue["count"] == 7
    assert [r["days"] for r in overdue["top"]] == [7, 6, 5, 4, 3]


def test_principal_todo_lists_tasks_to_answer(client_for, principal, tasks):
    response = client_for(principal).get("/")
    assert response.context["overdue"] is None
    todo = [(t["text"], t["level"]) for t in response.context["todo"]]
    d = {k: t.deadline.isoformat() for k, t in tasks.items()}
    assert todo == [
        (f"答复整改“教案不全”（期限 {d['late6']}，已逾期 6 天）", "red"),
        (f"答复整改“作业批改”（期限 {d['reopened']}，已逾期 2 天）", "red"),
        (f"答复整改“<b>校园安全</b>”（期限 {d['soon']}）", "amber"),
    ]
    html = response.content.decode()
    assert f"/rectifications/{tasks['late6'].pk}/" in html
    assert "&lt;b&gt;校园安全&lt;/b&gt;" in html and "<b>校园安全</b>" not in html


def test_reopened_on_time_says_so(client_for, inspector, principal, school):
    task = _task(inspector, school, 8, "图书角")
    services.rectification_answer(task=task, user=principal, text="已改")
    services.rectification_verify(task=task, user=inspector, accepted=False, reason="不够")
    texts = [t["text"] for t in client_for(principal).get("/").context["todo"]]
    assert texts == [f"重新整改“图书角”（被退回，期限 {task.deadline.isoformat()}）"]


def test_other_principal_sees_only_their_school(client_for, other_principal, tasks):
    texts = [t["text"] for t in client_for(other_principal).get("/").context["todo"]]
    deadline = tasks["elsewhere"].deadline.isoformat()
    assert texts == [f"答复整改“河口乡问题”（期限 {deadline}，已逾期 4 天）"]


def test_inspector_is_asked_to_verify_answers_of_their_visits(
    client_for, inspector, principal, school, tasks
):
    # an answered task without a visit set by someone else is not this inspector's
    colleague = UserFactory(username="inspector2", role=Role.INSPECTOR)
    other = _task(colleague, school, 3, "别人的")
    services.rectification_answer(task=other, user=principal, text="已改")
    todo = client_for(inspector).get("/").context["todo"]
    assert [(t["text"], t["url"]) for t in todo] == [
        ("验收整改：城关第一初级中学“课表公示”", f"/rectifications/{tasks['answered'].pk}/")
    ]
    todo = client_for(colleague).get("/").context["todo"]
    assert [t["text"] for t in todo] == ["验收整改：城关第一初级中学“别人的”"]


def test_own_observation_quota(client_for, principal, inspector, school):
    TermFactory()  # 2026-09-01 … 2027-01-31
    teacher = TeacherFactory(school=school)
    for _ in range(3):
        services.observation_create(
            user=principal, teacher=teacher, date=datetime.date(2026, 10, 15), rating="良"
        )
    response = client_for(principal).get("/")
    quota = response.context["quota"]
    # 50 − 3 = 47
    assert (quota["done"], quota["quota"], quota["behind"]) == (3, 50, 47)
    assert "3 / 50" in response.content.decode()
    assert "还差 47 节" in response.content.decode()
    quota = client_for(inspector).get("/").context["quota"]
    assert (quota["done"], quota["quota"], quota["per"]) == (0, 80, "year")


def test_no_quota_without_a_term(client_for, principal):
    from bureau.models import Term

    Term.objects.all().delete()  # the first migrate makes the current year's terms
    response = client_for(principal).get("/")
    assert response.status_code == 200
    assert response.context["quota"] is None


@pytest.mark.parametrize("role", ["admin_user", "leader", "staff", "inspector", "principal"])
def test_liaison_link_only_for_liaisons(request, client_for, role, school):
    user = request.getfixturevalue(role)
    assert "/liaison/" not in client_for(user).get("/").content.decode()
    if role == "principal":
        return
    school.liaison = user
    school.save(update_fields=["liaison"])
    response = client_for(user).get("/")
    assert response.context["liaison"] is True
    assert "/liaison/" in response.content.decode()
