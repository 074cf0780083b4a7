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


class RunningWorker:
    """A real Celery worker process listening on its own queue (see ``celery_worker``)."""

    def __init__(self, queue: str, process, log_path):
        self.queue = queue
        self.process = process
        self.log_path = log_path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait(self, result, timeout: float = 60):
        """The task's return value; fails at once, with the worker's output, if it died."""
        import time

        from celery.exceptions import TimeoutError as ResultTimeout

        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"the worker exited ({self.process.returncode}):\n{self.output()}")
            try:
                return result.get(timeout=1)
            except ResultTimeout:
                if time.monotonic() > deadline:
                    pytest.fail(f"no result after {timeout} s; worker output:\n{self.output()}")


@pytest.fixture
def celery_worker(transactional_db, tmp_path, request):
    """Starts ``celery -A bureau worker`` against the test database on a queue of its own,
    yields a RunningWorker (send with ``task.apply_async(..., queue=worker.queue)``), and
    stops it afterwards. Needs Redis and PostgreSQL: a worker is another process, so it must
    see committed rows in a database it can open (the SQLite test database is in memory).
    The pool is ``solo`` unless the test says otherwise with ``@pytest.mark.celery_pool("prefork")``
    (production's pool: tasks run in daemonic child processes)."""
    import signal
    import subprocess
    import sys
    import uuid
    from pathlib import Path
    from urllib.parse import quote

    from django.conf import settings as django_settings
    from django.db import connection

    redis_url = require_service("Redis", "REDIS_URL")
    require_service("PostgreSQL", "DATABASE_URL")
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        message = f"NEEDS SERVICE PostgreSQL: DATABASE_URL is {db['ENGINE']}, not PostgreSQL"
        if os.environ.get("TIZHI_REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    database_url = f"postgres://{credentials}@{host}:{db['PORT'] or 5432}/{db['NAME']}"

    queue = f"tizhi-test-{uuid.uuid4().hex[:12]}"
    celery = Path(sys.executable).with_name("celery")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bureau.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        # Tasks the worker queues itself (target progress after statistics) stay on its queue.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        # The test's own folder for files (set by _fast_and_eager), shared with the worker.
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
    }
    marker = request.node.get_closest_marker("celery_pool")
    pool = marker.args[0] if marker else "solo"
    log_path = tmp_path / "worker.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(celery), "-A", "bureau", "worker", f"--pool={pool}", "--concurrency=1"]
            + ["-Q", queue, "--without-heartbeat", "--without-gossip", "--without-mingle"]
            + ["-l", "warning"],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    celery_app.conf.task_always_eager = False
    try:
        yield RunningWorker(queue, process, log_path)
    finally:
        celery_app.conf.task_always_eager = True
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        # The queue and kombu's records of its bindings would otherwise stay in Redis.
        import redis

        with redis.Redis.from_url(redis_url) as client:
            client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
