"""The demo county (``manage.py load_demo``): a registry of ordered steps.

A step is a function ``step(ctx)`` registered with ``@demo_step(order=N)``; ``demo_load`` runs
every registered step in ascending order inside one transaction. ``@demo_cleanup(order=N)``
registers what ``--reset`` deletes; cleanups run in descending order, so that an app's data
goes before the registry it points at. Each step gets its own ``random.Random`` derived from
the seed and the step's name, so adding a step never changes what the others create.

The demo is a development app (``demo``), installed when ``TIZHI_DEMO`` is on (the default;
the production image leaves this package out and sets it off). Its steps live in
``demo/steps/``, one module per app: basics (10 calendar and subjects), schools (20 zones,
groups and schools), users (30), staffing (40 teachers, classes, students and teaching
assignments), exchanges (50), and from 100 on exams, inspections, reports … (docs/demo.md).
"""

from __future__ import annotations

import importlib
import pkgutil
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

SIZES = ("small", "county")

DemoFunc = Callable[["DemoContext"], None]


@dataclass
class DemoContext:
    """What a step gets: the randomness, the size, and everything the earlier steps made."""

    seed: int
    size: str
    log: Callable[[str], None]
    rng: random.Random = field(default_factory=random.Random)
    # bureau.AcademicYear by name ("2025-2026", "2026-2027"); current = 2026-2027.
    years: dict[str, Any] = field(default_factory=dict)
    current_year: Any = None
    previous_year: Any = None
    # bureau.Term by (year name, number).
    terms: dict[tuple[str, int], Any] = field(default_factory=dict)
    # exams.Subject by name.
    subjects: dict[str, Any] = field(default_factory=dict)
    zones: list[Any] = field(default_factory=list)
    groups: list[Any] = field(default_factory=list)
    # schools.School in code order.
    schools: list[Any] = field(default_factory=list)
    principal_school: Any = None
    # bureau.User by username.
    users: dict[str, Any] = field(default_factory=dict)
    teachers: list[Any] = field(default_factory=list)
    classes: list[Any] = field(default_factory=list)
    students: list[Any] = field(default_factory=list)
    assignments: list[Any] = field(default_factory=list)
    exchanges: list[Any] = field(default_factory=list)
    # Anything else a step wants to hand to a later one, keyed by the app's name.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def county(self) -> bool:
        return self.size == "county"


@dataclass(frozen=True)
class _Registered:
    order: int
    name: str
    func: DemoFunc


_STEPS: dict[str, _Registered] = {}
_CLEANUPS: dict[str, _Registered] = {}


def _qualified(func: DemoFunc) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def demo_step(*, order: int) -> Callable[[DemoFunc], DemoFunc]:
    """Registers ``func(ctx)`` as a step of the demo load, run in ascending ``order``."""

    def register(func: DemoFunc) -> DemoFunc:
        name = _qualified(func)
        _STEPS[name] = _Registered(order, name, func)
        return func

    return register


def demo_cleanup(*, order: int) -> Callable[[DemoFunc], DemoFunc]:
    """Registers ``func(ctx)`` as part of ``--reset``, run in descending ``order``."""

    def register(func: DemoFunc) -> DemoFunc:
        name = _qualified(func)
        _CLEANUPS[name] = _Registered(order, name, func)
        return func

    return register


def demo_steps() -> list[_Registered]:
    return sorted(_STEPS.values(), key=lambda s: (s.order, s.name))


def demo_cleanups() -> list[_Registered]:
    return sorted(_CLEANUPS.values(), key=lambda s: (-s.order, s.name))


def demo_discover() -> None:
    """Imports every step module under ``demo/steps/``."""
    from . import steps

    for module in pkgutil.iter_modules(steps.__path__):
        importlib.import_module(f"{steps.__name__}.{module.name}")


def _run(registered: _Registered, ctx: DemoContext, mark: str) -> None:
    """Runs one step with its own randomness; logs its name and time, then what it said."""
    ctx.rng = random.Random(f"{ctx.seed}:{registered.name}")
    said: list[str] = []
    log, ctx.log = ctx.log, said.append
    started = time.perf_counter()
    try:
        registered.func(ctx)
    finally:
        ctx.log = log
    log(f"{mark} [{registered.order}] {registered.name}  {time.perf_counter() - started:.1f} s")
    for line in said:
        log(f"    {line}")


@transaction.atomic
def demo_reset(*, ctx: DemoContext) -> None:
    """Deletes what the demo steps create (the whole registry: see docs/demo.md)."""
    for registered in demo_cleanups():
        _run(registered, ctx, "✗")


@transaction.atomic
def demo_load(
    *, seed: int, size: str, reset: bool = False, log: Callable[[str], None] = print
) -> DemoContext:
    """Loads the demo county, after deleting the previous one when ``reset``."""
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}")
    demo_discover()
    ctx = DemoContext(seed=seed, size=size, log=log)
    if reset:
        demo_reset(ctx=ctx)
    for registered in demo_steps():
        _run(registered, ctx, "✓")
    return ctx
