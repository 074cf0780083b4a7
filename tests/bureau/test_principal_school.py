"""A principal always has a school: the model, Django admin and add_user all refuse one
without, with the same Chinese message, and the database refuses it underneath."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from bureau.models import Role, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MESSAGE = "校长账户必须指定学校"


def test_model_clean_refuses_a_principal_without_a_school():
    user = User(username="wang", role=Role.PRINCIPAL)
    user.set_password("Qiang-Mima-2026")
    with pytest.raises(ValidationError) as caught:
        user.full_clean()
    assert caught.value.message_dict == {"school": [MESSAGE]}


def test_model_clean_accepts_a_principal_with_a_school_and_bureau_roles_without(school):
    for role, with_school in [(Role.PRINCIPAL, school), (Role.STAFF, None), (Role.ADMIN, None)]:
        user = User(username=f"u-{role}", role=role, school=with_school)
        user.set_password("Qiang-Mima-2026")
        user.full_clean()  # no error


def test_the_database_refuses_it_whatever_the_path(principal):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="wang", role=Role.PRINCIPAL)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=principal.pk).update(school=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="li", role=Role.STAFF)
        User.objects.filter(username="li").update(role=Role.PRINCIPAL)
    principal.refresh_from_db()
    assert principal.school is not None
    assert not User.objects.filter(username="wang").exists()


# --- Django admin ------------------------------------------------------------------------


def _admin_client(client_for):
    root = UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True)
    return client_for(root)


def test_admin_add_form_refuses_a_principal_without_a_school(client_for, school):
    admin = _admin_client(client_for)
    form = {
        "username": "wang",
        "usable_password": "true",
        "password1": "Qiang-Mima-2026",
        "password2": "Qiang-Mima-2026",
        "role": "principal",
        "school": "",
        "full_name": "王校长",
    }
    response = admin.post("/admin/bureau/user/add/", form)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not User.objects.filter(username="wang").exists()
    # With the school it is saved.
    response = admin.post("/admin/bureau/user/add/", {**form, "school": school.pk})
    assert response.status_code == 302
    assert User.objects.get(username="wang").school == school


def test_admin_change_form_refuses_removing_a_principals_school(client_for, principal):
    admin = _admin_client(client_for)
    url = f"/admin/bureau/user/{principal.pk}/change/"
    form = {
        "username": principal.username,
        "is_active": "on",
        "role": "principal",
        "school": "",
        "full_name": "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-09-01",
        "date_joined_1": "08:00:00",
    }
    response = admin.post(url, form)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    principal.refresh_from_db()
    assert principal.school is not None
    # Turning a staff member into a principal without naming the school: refused too.
    staff = UserFactory(username="li", role=Role.STAFF)
    response = admin.post(f"/admin/bureau/user/{staff.pk}/change/", {**form, "username": "li"})
    assert response.status_code == 200 and MESSAGE in response.content.decode()
    staff.refresh_from_db()
    assert staff.role == Role.STAFF


# --- the command line --------------------------------------------------------------------


def test_add_user_refuses_a_principal_without_a_school(monkeypatch):
    monkeypatch.setenv("TIZHI_PASSWORD", "Qiang-Mima-2026")
    with pytest.raises(CommandError, match="校长账户必须指定学校（--school）"):
        call_command("add_user", "wang", "--role", "principal", stdout=StringIO())
    assert not User.objects.filter(username="wang").exists()
    UserFactory(username="li", role=Role.STAFF)
    with pytest.raises(CommandError, match="校长账户必须指定学校（--school）"):
        call_command("add_user", "li", "--role", "principal", stdout=StringIO())
    assert User.objects.get(username="li").role == Role.STAFF
