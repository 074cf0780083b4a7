"""manage.py add_user (SPEC §3): create or update a user with a role and, for a principal,
a school; the password comes from TIZHI_PASSWORD."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from bureau.models import Role, User

GOOD = "Qiang-Mima-2026"


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("TIZHI_PASSWORD", GOOD)
    return GOOD


def add_user(*args):
    out = StringIO()
    call_command("add_user", *args, stdout=out)
    return out.getvalue()


def test_creates_a_principal_of_a_school(school, password):
    output = add_user("wangxz", "--role", "principal", "--school", "S001", "--name", "王校长")
    assert output == "created wangxz (principal)\n"
    user = User.objects.get(username="wangxz")
    assert user.role == Role.PRINCIPAL
    assert user.school == school
    assert user.full_name == "王校长"
    assert not user.is_staff and not user.is_superuser
    assert user.check_password(GOOD)


def test_the_new_user_can_log_in(school, password):
    add_user("wangxz", "--role", "principal", "--school", "S001")
    client = Client()
    assert client.login(username="wangxz", password=GOOD)
    response = client.get("/")
    assert response.status_code == 200
    assert "城关第一初级中学" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["admin", "leader", "staff", "inspector"])
def test_creates_bureau_roles(role, password):
    assert add_user(f"u-{role}", "--role", role) == f"created u-{role} ({role})\n"
    user = User.objects.get(username=f"u-{role}")
    assert user.role == role and user.school is None
    # Only admins reach Django admin.
    assert user.is_staff is (role == "admin")
    assert user.is_superuser is (role == "admin")


def test_updates_an_existing_users_role(principal, password):
    output = add_user("principal", "--role", "staff")
    assert output == "updated principal (staff)\n"
    principal.refresh_from_db()
    assert principal.role == Role.STAFF
    assert principal.school is None  # a school belongs to principals only
    assert principal.check_password(GOOD)


def test_update_without_a_password_keeps_the_old_one(staff, monkeypatch):
    monkeypatch.delenv("TIZHI_PASSWORD", raising=False)
    assert add_user("staff", "--role", "inspector") == "updated staff (inspector)\n"
    staff.refresh_from_db()
    assert staff.role == Role.INSPECTOR
    assert staff.check_password("pass-Word-123")


@pytest.mark.django_db
def test_new_user_needs_a_password(monkeypatch):
    monkeypatch.delenv("TIZHI_PASSWORD", raising=False)
    with pytest.raises(CommandError) as caught:
        add_user("nopass", "--role", "staff")
    assert str(caught.value) == "新用户必须设置密码"
    assert not User.objects.filter(username="nopass").exists()


@pytest.mark.django_db
def test_principal_needs_a_school(password):
    with pytest.raises(CommandError) as caught:
        add_user("wangxz", "--role", "principal")
    assert str(caught.value) == "校长账户必须指定学校（--school）"
    assert not User.objects.filter(username="wangxz").exists()


def test_unknown_school_is_refused(school, password):
    with pytest.raises(CommandError) as caught:
        add_user("wangxz", "--role", "principal", "--school", "S999")
    assert str(caught.value) == "学校代码“S999”不存在"
    assert not User.objects.filter(username="wangxz").exists()


@pytest.mark.django_db
def test_unknown_role_is_refused(password):
    with pytest.raises(CommandError) as caught:
        add_user("x", "--role", "king")
    assert "invalid choice: 'king'" in str(caught.value)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "weak,problem",
    [
        ("123456", "这个密码太常见了。"),
        ("Zz-1", "密码长度太短。密码必须包含至少 8 个字符。"),
        ("98765432109", "密码只包含数字。"),
        ("wangxiaozhang", "太相似"),
    ],
)
def test_weak_password_is_refused(monkeypatch, weak, problem):
    monkeypatch.setenv("TIZHI_PASSWORD", weak)
    with pytest.raises(CommandError) as caught:
        add_user("wangxiaozhang", "--role", "staff")
    message = str(caught.value)
    assert message.startswith("密码不符合要求：")
    assert problem in message
    assert not User.objects.filter(username="wangxiaozhang").exists()


def test_weak_password_leaves_an_existing_user_unchanged(principal, monkeypatch):
    monkeypatch.setenv("TIZHI_PASSWORD", "123456")
    with pytest.raises(CommandError):
        add_user("principal", "--role", "admin")
    principal.refresh_from_db()
    assert principal.role == Role.PRINCIPAL
    assert not principal.is_superuser
    assert principal.check_password("pass-Word-123")
