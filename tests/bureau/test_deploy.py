"""The production configuration: `check --deploy`, the compose stack, the image, .env.example.

Docker does not run here; the files are parsed and held to what docs/operations.md says."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
ENV_CALL = re.compile(
    r"""\benv(?:\.(?:bool|int|float|str|list|db|path|json))?\(\s*["']([A-Z][A-Z0-9_]*)["']"""
)


def settings_variables() -> set[str]:
    """Every environment variable bureau/settings.py reads."""
    return set(ENV_CALL.findall((ROOT / "bureau" / "settings.py").read_text()))


def manage(*args, **env):
    # A clean environment: the test run's own variables (DEBUG, DJANGO_ALLOW_ASYNC_UNSAFE
    # from the browser tests, ...) must not leak into a production check.
    clean = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- settings -----------------------------------------------------------------------------


def test_the_scan_finds_the_variables():
    found = settings_variables()
    assert {"SECRET_KEY", "DEBUG", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"} <= found
    assert {"AXES_PROXY_COUNT", "MEDIA_ROOT", "CELERY_TASK_TIME_LIMIT"} <= found


def test_check_deploy_passes_in_production_mode():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="tizhi.example.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_without_secret_key_fails_loudly():
    result = manage("check", DEBUG="0", ALLOWED_HOSTS="tizhi.example.cn")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_security_settings():
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_SECONDS",
        "SECURE_REDIRECT_EXEMPT",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "X_FRAME_OPTIONS",
        "STORAGES",
    ]
    code = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}}))"
    )
    result = manage(
        "shell",
        "-c",
        code,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="tizhi.example.cn",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    # The container's health check speaks plain HTTP from inside.
    assert values["SECURE_REDIRECT_EXEMPT"] == ["^health/$"]
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["STORAGES"]["staticfiles"]["BACKEND"] == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


@pytest.mark.parametrize("key", ["", "short-key"])
def test_production_refuses_an_empty_or_short_secret_key(key):
    result = manage("check", DEBUG="0", SECRET_KEY=key, ALLOWED_HOSTS="tizhi.example.cn")
    assert result.returncode != 0
    assert "SECRET_KEY must be a random string of at least 50 characters" in result.stderr


# --- docker-compose.yml -------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def command_of(service) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_compose_services(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat", "nginx"}
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    for name in ("web", "worker", "beat"):
        assert services[name]["build"] == "."
        assert services[name]["image"] == "tizhi:latest"


def test_web_migrates_then_runs_gunicorn(compose):
    command = command_of(compose["services"]["web"])
    migrate = command.index("python manage.py migrate --noinput")
    gunicorn = command.index("gunicorn bureau.wsgi:application")
    assert migrate < gunicorn
    assert "&&" in command[migrate:gunicorn]  # a failed migration stops the start
    assert "-b 0.0.0.0:8000" in command
    # gunicorn is not published: only nginx reaches it (docs/operations.md).
    assert "ports" not in compose["services"]["web"]


def test_only_the_proxy_is_published(compose):
    published = {name for name, service in compose["services"].items() if service.get("ports")}
    assert published == {"nginx"}
    nginx = compose["services"]["nginx"]
    assert nginx["ports"] == ["8000:80"]
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]
    assert nginx["depends_on"] == {"web": {"condition": "service_healthy"}}
    # One proxy that appends to X-Forwarded-For: the portal counts it.
    assert compose["services"]["web"]["environment"]["AXES_PROXY_COUNT"] == (
        "${AXES_PROXY_COUNT:-1}"
    )
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_pass http://tizhi_web;" in conf and "server web:8000;" in conf
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in conf


def test_worker_and_beat(compose):
    assert command_of(compose["services"]["worker"]).startswith("celery -A bureau worker")
    beat = command_of(compose["services"]["beat"])
    assert beat.startswith("celery -A bureau beat")
    scheduler = "django_celery_beat.schedulers:DatabaseScheduler"
    assert scheduler == settings.CELERY_BEAT_SCHEDULER
    if "--scheduler" in beat or " -S " in beat:
        assert scheduler in beat
    for name in ("worker", "beat"):
        assert compose["services"][name]["depends_on"]["web"] == {"condition": "service_healthy"}


def test_compose_environment_is_what_settings_read(compose):
    known = settings_variables()
    for name, service in compose["services"].items():
        environment = service.get("environment") or {}
        keys = (
            set(environment)
            if isinstance(environment, dict)
            else {item.split("=", 1)[0] for item in environment}
        )
        unknown = {key for key in keys if not key.startswith("POSTGRES_")} - known
        assert not unknown, f"{name} sets variables settings never read: {sorted(unknown)}"


def test_compose_production_values(compose):
    environment = compose["services"]["web"]["environment"]
    assert environment["DEBUG"] == "0"
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert environment["ALLOWED_HOSTS"].startswith("${ALLOWED_HOSTS:?")
    assert environment["DATABASE_URL"].startswith("postgres://tizhi:${POSTGRES_PASSWORD:?")
    assert environment["DATABASE_URL"].endswith("@postgres:5432/tizhi")
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert environment["MEDIA_ROOT"] == "/data/files"
    for name in ("web", "worker"):
        assert compose["services"][name]["environment"] == environment
        assert "files:/data/files" in compose["services"][name]["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]
    assert set(compose["volumes"]) == {"pgdata", "redisdata", "files"}


def test_compose_waits_for_healthy_services(compose):
    services = compose["services"]
    assert services["web"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    for name in ("postgres", "redis", "web"):
        assert services[name]["healthcheck"]["test"]
    assert "/health/" in " ".join(services["web"]["healthcheck"]["test"])


# --- Dockerfile ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dockerfile():
    text = (ROOT / "Dockerfile").read_text()
    # Join continued lines, drop comments: one instruction per line.
    text = re.sub(r"\\\n", " ", text)
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_dockerfile_base_image(dockerfile):
    assert dockerfile[0] in ("FROM python:3.11-slim-bookworm", "FROM python:3.11-slim")


def test_dockerfile_system_packages(dockerfile):
    apt = next(line for line in dockerfile if "apt-get install" in line)
    for package in (
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
        "fonts-noto-cjk",
        "poppler-utils",
    ):
        assert re.search(rf"(?<![\w.-]){re.escape(package)}(?![\w.-])", apt), package
    assert "--no-install-recommends" in apt
    assert "rm -rf /var/lib/apt/lists/*" in apt


def test_dockerfile_installs_the_project_then_collects_static(dockerfile):
    copy_pyproject = dockerfile.index("COPY pyproject.toml ./")
    install = dockerfile.index("RUN pip install .")
    collect = next(i for i, line in enumerate(dockerfile) if "collectstatic" in line)
    assert copy_pyproject < install < collect
    line = dockerfile[collect]
    assert "DEBUG=0" in line
    key = re.search(r"SECRET_KEY=(\S+)", line).group(1)
    assert len(key) >= 50  # settings refuse shorter keys with DEBUG=0
    assert "--noinput" in line


def test_dockerfile_runs_as_non_root_with_gunicorn(dockerfile):
    users = [line for line in dockerfile if line.startswith("USER ")]
    assert users and users[-1] not in ("USER root", "USER 0")
    assert dockerfile.index(users[-1]) > next(
        i for i, line in enumerate(dockerfile) if "collectstatic" in line
    )
    assert dockerfile[-1].startswith("CMD ")
    assert "gunicorn" in dockerfile[-1] and "bureau.wsgi:application" in dockerfile[-1]


def test_dockerignore_keeps_secrets_and_state_out():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", "db.sqlite3", ".git/", ".venv/", "var/"):
        assert entry in ignored


# --- .env.example and the operations guide ------------------------------------------------


def env_example_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_env_example_lists_every_variable():
    listed = env_example_variables()
    # POSTGRES_PASSWORD is for docker-compose.yml, which builds DATABASE_URL from it.
    assert {name for name in listed if not name.startswith("POSTGRES_")} == settings_variables()
    assert "POSTGRES_PASSWORD" in listed


def test_env_example_comments_every_variable():
    lines = (ROOT / ".env.example").read_text().splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^#? ?[A-Z][A-Z0-9_]*=", line):
            above = lines[number - 1]
            assert above.startswith("#"), f"line {number + 1} has no comment: {line}"


def test_env_example_has_no_real_secret():
    text = (ROOT / ".env.example").read_text()
    assert re.search(r"^SECRET_KEY=$", text, flags=re.MULTILINE)
    assert re.search(r"^POSTGRES_PASSWORD=$", text, flags=re.MULTILINE)


def test_operations_guide_documents_every_variable():
    guide = (ROOT / "docs" / "operations.md").read_text()
    rows = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", guide, flags=re.MULTILINE))
    assert rows == settings_variables()
