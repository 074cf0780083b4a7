import os
import shutil

import pytest

from bureau.celery import app as celery_app
from bureau.models import Role

from .factories import SchoolFactory, UserFactory

PASSWORD = "pass-Word-123"


@pytest.fixture(autouse=True)
def _fast_and_eager(settings, tmp_path):
    """Fast hashing, files in a temp folder, tasks in-process unless a test asks for a worker."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.AXES_ENABLED = False
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def school(db):
    return SchoolFactory(code="S001", name="城关第一初级中学")


@pytest.fixture
def other_school(db):
    return SchoolFactory(code="S002", name="河口乡中心学校")


def _user(role, school=None, username=None):
    return UserFactory(username=username or role, role=role, school=school)


@pytest.fixture
def admin_user(db):
    return _user(Role.ADMIN)


@pytest.fixture
def leader(db):
    return _user(Role.LEADER)


@pytest.fixture
def staff(db):
    return _user(Role.STAFF)


@pytest.fixture
def inspector(db):
    return _user(Role.INSPECTOR)


@pytest.fixture
def principal(db, school):
    return _user(Role.PRINCIPAL, school=school)


@pytest.fixture
def other_principal(db, other_school):
    return _user(Role.PRINCIPAL, school=other_school, username="principal2")


@pytest.fixture
def users(admin_user, leader, staff, inspector, principal):
    """One user per role, keyed by role."""
    return {u.role: u for u in (admin_user, leader, staff, inspector, principal)}


@pytest.fixture
def client_for(client):
    """client_for(user) → a test client logged in as that user."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make


@pytest.fixture
def api_for():
    """api_for(user) → a DRF APIClient authenticated as that user."""
    from rest_framework.test import APIClient

    def make(user):
        c = APIClient()
        c.force_authenticate(user)
        return c

    return make


def require_service(name: str, env_var: str) -> str:
    """Skips loudly (reason shown in the summary) when a service's variable is unset."""
    value = os.environ.get(env_var, "")
    if not value:
        message = f"NEEDS SERVICE {name}: set {env_var} to run this test (CI does)"
        if os.environ.get("TIZHI_REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)
    return value


def require_binary(path_or_name: str) -> str:
    found = shutil.which(path_or_name)
    if not found:
        message = f"NEEDS PROGRAM {path_or_name}: install it (make setup does, as root)"
        if os.environ.get("TIZHI_REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)
    return found
