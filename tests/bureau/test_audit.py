"""The audit trail (SPEC §9): who changed what and when, before → after, for the web, the API
(session and token), the command line and Celery; one entry per bulk write; the 操作日志 page
and ``/api/v1/audit/`` for admins only."""

import datetime
import getpass
import hashlib
import io
import json
from types import SimpleNamespace

import openpyxl
import pytest
from auditlog.models import LogEntry
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bureau.audit import CELERY_HEADER, audit_actor
from bureau.models import Role, User
from exams.models import Exam

from ..factories import AcademicYearFactory, ClassFactory, ExamFactory, SubjectFactory
from ..schools.test_roster import clean_roster, workbook

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CLI = f"命令行 ({getpass.getuser()})"


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "成绩"
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SHEET = [
    ["学籍号", "姓名", "班级", "语文", "数学"],
    ["G001", "刘文静", "九(1)班", 102, 88],
    ["G002", "王磊", "九(1)班", 95, "缺考"],
]


@pytest.fixture
def exam(school):
    ClassFactory(school=school, grade=9, number=1)
    return ExamFactory(code="M1", subjects={"语文": 120, "数学": 120})


def rows_for(admin_user, **query):
    response = APIClient()
    response.force_authenticate(admin_user)
    answer = response.get("/api/v1/audit/", query)
    assert answer.status_code == 200, answer.content
    return answer.json()["results"]


# --- what is recorded, and by whom ---------------------------------------------------------


def test_exam_state_change_on_the_page_names_the_user_and_before_after(
    client_for, staff, admin_user, exam
):
    response = client_for(staff).post("/exams/M1/state/", {"state": "closed"})
    assert response.status_code == 302
    rows = rows_for(admin_user, object="exam:M1", action="update")
    update = [r for r in rows if r["action"] == "update"]
    assert len(update) == 1
    assert update[0]["user"] == "staff"
    assert update[0]["origin"] == "网页"
    assert update[0]["model"] == "exam"
    assert update[0]["changes"] == {"state": ["open", "closed"]}


def test_exam_created_over_the_api_with_a_token_names_the_token_user(staff, admin_user):
    AcademicYearFactory()
    SubjectFactory(name="语文")
    token = Token.objects.create(user=staff)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = {
        "code": "F1",
        "name": "期末",
        "kind": "final",
        "grade": 9,
        "date": "2026-12-20",
        "subjects": [{"subject": "语文", "full_marks": 120}],
    }
    assert client.post("/api/v1/exams/", body, format="json").status_code == 201
    created = [r for r in rows_for(admin_user, object="exam:F1") if r["action"] == "create"]
    assert len(created) == 1
    assert (created[0]["user"], created[0]["origin"]) == ("staff", "API")
    assert created[0]["changes"]["code"] == [None, "F1"]
    # the exam's subjects (written in bulk) are one entry, by the same user
    subjects = [r for r in rows_for(admin_user, object="exam:F1") if r["action"] == "exam_subjects"]
    assert [r["user"] for r in subjects] == ["staff"]
    assert subjects[0]["changes"]["subjects"] == [{"subject": "语文", "full_marks": 120.0}]


def test_results_commit_is_one_batch_entry_with_hash_rows_and_user(
    client_for, principal, admin_user, exam, django_capture_on_commit_callbacks
):
    data = xlsx(SHEET)
    client = client_for(principal)
    response = client.post(
        "/exams/M1/upload/", {"file": SimpleUploadedFile("九年级.xlsx", data, content_type=XLSX)}
    )
    assert response.status_code == 302
    token = response["Location"].rstrip("/").split("/")[-1]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/exams/M1/upload/{token}/").status_code == 302
    commits = rows_for(admin_user, object="exam:M1")
    batches = [r for r in commits if r["action"] == "results_commit"]
    assert len(batches) == 1
    batch = batches[0]
    assert batch["user"] == "principal"
    assert batch["changes"]["sha256"] == hashlib.sha256(data).hexdigest()
    # 2 rows, 2 students, 2 rows × 2 subjects = 4 scores
    assert (batch["changes"]["rows"], batch["changes"]["students"]) == (2, 2)
    assert batch["changes"]["scores"] == 4
    assert batch["changes"]["school"] == "S001"
    # the statistics run that followed is one entry too; no entry per student or score
    assert [r["action"] for r in commits].count("stats_run") == 1
    assert {r["model"] for r in rows_for(admin_user)} <= {"exam", "exam_subject", "user"}


def test_import_results_on_the_command_line_names_the_os_user(tmp_path, admin_user, exam):
    path = tmp_path / "成绩.xlsx"
    path.write_bytes(xlsx(SHEET))
    call_command("import_results", "M1", str(path), "--school", "S001", stdout=io.StringIO())
    batch = [r for r in rows_for(admin_user, object="exam:M1") if r["action"] == "results_commit"]
    assert len(batch) == 1
    assert (batch[0]["user"], batch[0]["origin"]) == (None, CLI)


def test_roster_import_is_one_batch_entry(tmp_path, admin_user, capsys):
    AcademicYearFactory()
    SubjectFactory(name="语文")
    SubjectFactory(name="数学")
    data = workbook(clean_roster())
    path = tmp_path / "名册.xlsx"
    path.write_bytes(data)
    call_command("import_roster", str(path))
    capsys.readouterr()
    rows = rows_for(admin_user, model="roster")
    assert len(rows) == 1
    assert rows[0]["object"] == "roster:名册.xlsx"
    assert rows[0]["origin"] == CLI
    assert rows[0]["changes"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert rows[0]["changes"]["sheets"]["教师"]["created"] == 3


def test_add_user_records_the_role_without_the_password(monkeypatch, school, admin_user):
    monkeypatch.setenv("TIZHI_PASSWORD", "Qiang-Mima-2026")
    call_command(
        "add_user", "wangxz", "--role", "principal", "--school", "S001", stdout=io.StringIO()
    )
    call_command("add_user", "wangxz", "--role", "inspector", stdout=io.StringIO())
    rows = rows_for(admin_user, object="user:wangxz")
    assert [r["action"] for r in rows] == ["update", "create"]  # newest first
    assert all(r["origin"] == CLI for r in rows)
    assert rows[0]["changes"]["role"] == ["principal", "inspector"]
    assert rows[0]["changes"]["school"] == ["城关第一初级中学", None]
    # the password is recorded as set, its hash never shown whole
    hashed = User.objects.get(username="wangxz").password
    shown = rows[1]["changes"]["password"][1]
    assert shown != hashed and "*" in shown
    assert rows[1]["changes"]["role"] == [None, "principal"]


def test_role_change_in_django_admin_names_the_admin(client_for, admin_user, staff):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = client_for(admin_user)
    page = client.get(f"/admin/bureau/user/{staff.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(role="inspector", school="", date_joined_0="2026-01-01", date_joined_1="08:00:00")
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = client.post(f"/admin/bureau/user/{staff.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    rows = rows_for(admin_user, object="user:staff", user="admin")
    assert rows[0]["changes"]["role"] == ["staff", "inspector"]


def test_a_celery_task_acts_for_the_user_who_queued_it(staff, admin_user):
    """The publishing side puts the user in a header; the worker side reads it back."""
    headers: dict = {}
    with audit_actor(staff, origin="网页"):
        before_task_publish.send(sender="exams.tasks.compute_exam_stats", headers=headers)
    assert headers == {CELERY_HEADER: staff.pk}
    task = type("Task", (), {"request": SimpleNamespace(is_eager=False, **headers)})
    task_prerun.send(sender=task, task_id="t1", task=task)
    try:
        AcademicYearFactory()
        ExamFactory(code="T1")
    finally:
        task_postrun.send(sender=task, task_id="t1", task=task)
    created = [r for r in rows_for(admin_user, object="exam:T1") if r["action"] == "create"]
    assert (created[0]["user"], created[0]["origin"]) == ("staff", "后台任务")


# --- the API: filters and who may read -----------------------------------------------------


def test_filters_by_model_user_and_days(staff, inspector, admin_user):
    AcademicYearFactory()
    with audit_actor(staff, origin="网页"):
        ExamFactory(code="A1", name="第一次月考", subjects={})
    with audit_actor(inspector, origin="网页"):
        exam = Exam.objects.get(code="A1")
        exam.name = "改名"
        exam.save()
    LogEntry.objects.filter(additional_data__object="exam:A1", action=0).update(
        timestamp=timezone.make_aware(datetime.datetime(2026, 9, 1, 10))
    )
    assert [r["action"] for r in rows_for(admin_user, model="exam")] == ["update", "create"]
    assert [r["action"] for r in rows_for(admin_user, user="inspector")] == ["update"]
    assert [r["action"] for r in rows_for(admin_user, to="2026-09-01")] == ["create"]
    today = timezone.localdate().isoformat()
    assert [r["action"] for r in rows_for(admin_user, model="exam", **{"from": today})] == [
        "update"
    ]
    update = rows_for(admin_user, user="inspector")[0]
    assert update["changes"] == {"name": ["第一次月考", "改名"]}


def test_bad_filters_are_400_in_chinese(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    answer = client.get("/api/v1/audit/", {"from": "2026-13-01"})
    assert answer.status_code == 400
    assert answer.json()["detail"] == "from 日期“2026-13-01”无法识别，请写成 YYYY-MM-DD"
    answer = client.get("/api/v1/audit/", {"model": "nothing"})
    assert answer.status_code == 400
    assert "未知的 model“nothing”" in answer.json()["detail"]


@pytest.mark.parametrize("path", ["/api/v1/audit/", "/api/v1/access-log/"])
def test_only_admins_read_the_logs_over_the_api(path, users, other_principal, api_for):
    assert api_for(users[Role.ADMIN]).get(path).status_code == 200
    for role in (Role.LEADER, Role.STAFF, Role.INSPECTOR, Role.PRINCIPAL):
        answer = api_for(users[role]).get(path)
        assert answer.status_code == 403, role
        assert answer.json()["detail"] == "只有系统管理员可以查看操作日志和访问日志"
    assert api_for(other_principal).get(path).status_code == 403
    assert APIClient().get(path).status_code == 403


def test_the_api_is_paginated(staff, admin_user):
    AcademicYearFactory()
    with audit_actor(staff, origin="网页"):
        for n in range(3):
            ExamFactory(code=f"P{n}", subjects={})
    client = APIClient()
    client.force_authenticate(admin_user)
    body = client.get("/api/v1/audit/", {"model": "exam"}).json()
    assert body["count"] == 3
    assert [r["object"] for r in body["results"]] == ["exam:P2", "exam:P1", "exam:P0"]


# --- the 操作日志 page ----------------------------------------------------------------------


def test_the_page_is_for_admins_and_reads_in_chinese(client_for, users, other_principal, exam):
    with audit_actor(users[Role.STAFF], origin="网页"):
        exam.state = "closed"
        exam.save()
    page = client_for(users[Role.ADMIN]).get("/audit/", {"model": "exam", "object": "exam:M1"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "操作日志" in html
    assert "状态：开放上传 → 已截止" in html
    row = page.context["rows"][0]
    assert (row["action_label"], row["who"]) == ("修改", "staff")
    assert [tuple(map(str, line)) for line in row["lines"]] == [("状态", "开放上传", "已截止")]
    for role in (Role.LEADER, Role.STAFF, Role.INSPECTOR, Role.PRINCIPAL):
        assert client_for(users[role]).get("/audit/").status_code == 403, role
    assert client_for(other_principal).get("/audit/").status_code == 403


def test_the_nav_shows_the_page_to_admins_only(client_for, users):
    assert 'href="/audit/"' in client_for(users[Role.ADMIN]).get("/").content.decode()
    assert 'href="/audit/"' not in client_for(users[Role.STAFF]).get("/").content.decode()


def test_json_changes_are_plain(admin_user, staff):
    AcademicYearFactory()
    with audit_actor(staff, origin="网页"):
        ExamFactory(code="J1", subjects={})
    row = rows_for(admin_user, object="exam:J1")[0]
    json.dumps(row)  # serialisable as is
    assert row["changes"]["grade"] == [None, "9"]


def test_the_django_admin_lists_the_entries(client_for, admin_user, exam, staff):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    with audit_actor(staff, origin="网页"):
        exam.state = "closed"
        exam.save()
    client = client_for(admin_user)
    page = client.get("/admin/auditlog/logentry/")
    assert page.status_code == 200
    entry = LogEntry.objects.filter(additional_data__object="exam:M1").latest("timestamp")
    assert client.get(f"/admin/auditlog/logentry/{entry.pk}/change/").status_code == 200


def test_the_page_shows_a_batch_summary(client_for, admin_user, exam, staff):
    from bureau.audit import audit_batch

    audit_batch(
        action="results_commit",
        instance=exam,
        user=staff,
        summary={"file_name": "九年级.xlsx", "sha256": "ab" * 32, "rows": 2},
    )
    page = client_for(admin_user).get("/audit/", {"object": "exam:M1"})
    row = page.context["rows"][0]
    assert (row["action_label"], row["who"]) == ("成绩导入", "staff")
    assert [(str(k), v) for k, _b, v in row["lines"]] == [
        ("文件", "九年级.xlsx"),
        ("SHA-256", "ab" * 32),
        ("行数", 2),
    ]
    assert "九年级.xlsx" in page.content.decode()
