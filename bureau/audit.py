"""The audit trail (SPEC §9): who changed what, when, before → after.

django-auditlog records each save and delete of a registered model as a ``LogEntry`` (its
``changes`` are ``{field: [before, after]}``). This module adds what the portal needs on top:

- ``audit_register(model, name=…, code=…)``: one line per model; ``name`` is how the API names
  the model (``exam``), ``code`` the field that names a record (``code`` → ``exam:BARS-MID``;
  without one the id: ``visit:12``).
- the actor: a web request's user (session or API token, read when the entry is written, so
  DRF's token authentication is seen), a command's (``audit_actor(origin=…)``: the OS user),
  and a Celery task's (the user who queued it travels in a task header).
- ``audit_batch(…)``: one entry for a bulk write (a results commit, a roster import, a
  statistics run), which no model signal sees.

Every entry carries in ``additional_data``: ``model``, ``object`` and ``origin`` (``网页``,
``API``, ``命令行 (root)``, ``后台任务``), and for a batch ``action`` and ``batch`` (its summary).
"""

from __future__ import annotations

import contextlib
import getpass
import sys
from contextvars import ContextVar
from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import pre_log
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import pre_save
from django.dispatch import receiver

# model → (API name, field naming a record or None for the id)
_NAMES: dict[type, tuple[str, str | None]] = {}

_request: ContextVar = ContextVar("audit_request", default=None)
_actor: ContextVar = ContextVar("audit_actor", default=None)
_origin: ContextVar = ContextVar("audit_origin", default=None)
_instance: ContextVar = ContextVar("audit_instance", default=None)

CELERY_HEADER = "tizhi_actor"
ALWAYS_EXCLUDED = ("last_login",)
# A password change is recorded, its value never: auditlog stores a masked hash.
ALWAYS_MASKED = ("password",)


def audit_register(
    model,
    *,
    name: str,
    code: str | None = None,
    exclude: tuple[str, ...] = (),
    m2m: tuple[str, ...] = (),
) -> None:
    """Records every create, change and delete of ``model`` (but not bulk writes), and the
    many-to-many fields named in ``m2m``."""
    _NAMES[model] = (name, code)
    fields = {f.name for f in model._meta.get_fields()}
    auditlog.register(
        model,
        exclude_fields=[f for f in (*ALWAYS_EXCLUDED, *exclude) if f in fields],
        mask_fields=[f for f in ALWAYS_MASKED if f in fields],
        m2m_fields=set(m2m),
    )


def audit_models() -> dict[str, type]:
    """API name → model, for the registered models (the filters of the log)."""
    return {name: model for model, (name, _code) in _NAMES.items()}


def object_name(instance) -> str:
    """How the API names a record: ``exam:BARS-MID``, ``visit:12``."""
    name, code = _NAMES.get(type(instance), (type(instance)._meta.model_name, None))
    value = getattr(instance, code) if code else instance.pk
    return f"{name}:{value}"


# --- the actor -----------------------------------------------------------------------------


class AuditMiddleware:
    """Keeps the request at hand so that an entry written during it names its user; the user is
    read when the entry is written, after DRF has authenticated a token."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


@contextlib.contextmanager
def audit_actor(user=None, *, origin: str | None = None):
    """Entries written inside name ``user`` (may be None) and ``origin``; by default the
    command line and the OS user running it."""
    if origin is None:
        origin = f"命令行 ({_os_user()})"
    tokens = (_actor.set(user), _origin.set(origin))
    try:
        yield
    finally:
        _actor.reset(tokens[0])
        _origin.reset(tokens[1])


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "?"


def current_actor():
    """The user of the running request, command or task (None when unknown)."""
    user = _actor.get()
    if user is not None:
        return user
    request = _request.get()
    if request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
    return None


def current_origin() -> str:
    origin = _origin.get()
    if origin:
        return origin
    request = _request.get()
    if request is not None:
        return "API" if request.path.startswith("/api/") else "网页"
    if sys.argv and sys.argv[0].endswith("manage.py"):  # any other command (load_demo, shell…)
        return f"命令行 ({_os_user()})"
    return "系统"


@receiver(pre_log)
def _remember_instance(sender, instance, **kwargs):
    _instance.set(instance)


@receiver(pre_save, sender=LogEntry)
def _fill_entry(sender, instance: LogEntry, **kwargs):
    if instance.actor_id is None:
        actor = current_actor()
        if actor is not None:
            instance.actor = actor
    data = dict(instance.additional_data or {})
    data.setdefault("origin", current_origin())
    record = _instance.get()
    if record is not None and "object" not in data:
        data["object"] = object_name(record)
        data["model"] = data["object"].split(":", 1)[0]
    _instance.set(None)
    instance.additional_data = data


# --- bulk writes ---------------------------------------------------------------------------


def audit_batch(
    *,
    action: str,
    summary: dict[str, Any],
    instance=None,
    model=None,
    object: str | None = None,
    text: str = "",
    user=None,
) -> LogEntry:
    """One entry for a bulk write: ``action`` (``results_commit``, ``roster_import``,
    ``stats_run``), ``summary`` its numbers (file sha256, rows, students, school, exam…),
    about ``instance`` or, for a write about no one record, ``model`` and ``object``."""
    if instance is not None:
        model = type(instance)
        object = object or object_name(instance)
    name = object.split(":", 1)[0] if object else _NAMES.get(model, (model._meta.model_name,))[0]
    entry = LogEntry(
        content_type=ContentType.objects.get_for_model(model),
        object_pk=str(instance.pk) if instance is not None else "",
        object_id=instance.pk if instance is not None else None,
        object_repr=text or (str(instance) if instance is not None else object or ""),
        action=LogEntry.Action.UPDATE,
        changes={},
        additional_data={"model": name, "object": object, "action": action, "batch": summary},
    )
    if user is not None and getattr(user, "is_authenticated", False):
        entry.actor = user
    _instance.set(None)
    entry.save()
    return entry


# --- Celery: the user who queued a task ----------------------------------------------------


def _connect_celery() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun

    @before_task_publish.connect(weak=False)
    def _publish(headers=None, **kwargs):
        actor = current_actor()
        if headers is not None and actor is not None:
            headers[CELERY_HEADER] = actor.pk

    tokens: dict[str, tuple] = {}

    @task_prerun.connect(weak=False)
    def _prerun(task_id=None, task=None, **kwargs):
        from .models import User

        if getattr(task.request, "is_eager", False):
            return  # in-process: the caller's actor is already set
        actor_id = getattr(task.request, CELERY_HEADER, None)
        if actor_id is None:
            actor_id = (getattr(task.request, "headers", None) or {}).get(CELERY_HEADER)
        user = User.objects.filter(pk=actor_id).first() if actor_id else None
        tokens[task_id] = (_actor.set(user), _origin.set("后台任务"))

    @task_postrun.connect(weak=False)
    def _postrun(task_id=None, **kwargs):
        saved = tokens.pop(task_id, None)
        if saved:
            _actor.reset(saved[0])
            _origin.reset(saved[1])


_connect_celery()
