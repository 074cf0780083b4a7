"""The demo county's inspections (``demo/steps/inspections.py``, steps 120-128), at the small size.

The bulletins (step 140) render PDFs and take seconds; these tests stop the load before them."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

import demo
from bureau.models import Role, Term, User
from inspections.models import (
    AccountabilityKind,
    AccountabilityRecord,
    ChecklistTemplate,
    ItemKind,
    Observation,
    RectificationAction,
    RectificationStatus,
    RectificationTask,
    Visit,
    VisitKind,
    VisitStatus,
)
from inspections.selectors import observation_compliance, visit_score
from schools.models import School, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _up_to_inspections(monkeypatch):
    steps = demo.demo_steps
    monkeypatch.setattr(demo, "demo_steps", lambda: [s for s in steps() if s.order < 130])


def load(seed: int, *args: str) -> str:
    out = StringIO()
    call_command("load_demo", "--size", "small", "--seed", str(seed), *args, stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {
        "templates": sorted(ChecklistTemplate.objects.values_list("name", "version")),
        "visits": sorted(
            Visit.objects.values_list("school__code", "date", "kind", "status", "checklist__name")
        ),
        "tasks": sorted(
            RectificationTask.objects.values_list("school__code", "title", "status", "deadline")
        ),
        "events": sorted(
            RectificationTask.objects.annotate(n=Count("events")).values_list("title", "n")
        ),
        "observations": sorted(
            Observation.objects.values_list("observer__username", "teacher__staff_number", "date")
        ),
        "accountability": sorted(
            AccountabilityRecord.objects.values_list("school__code", "kind", "date")
        ),
    }


def test_shapes():
    output = load(3)
    assert "principal" in output  # the logins are still printed at the end
    today = timezone.localdate()
    term = Term.current()
    staff = User.objects.get(username="staff")

    # Checklists: four, 教学常规 revised once; the September visits keep version 1.
    names = sorted(ChecklistTemplate.objects.values_list("name", "version"))
    assert names == [
        ("寄宿制学校管理检查", 1),
        ("教学常规检查", 1),
        ("教学常规检查", 2),
        ("校园安全专项检查", 1),
        ("课后服务专项检查", 1),
    ]
    v1 = ChecklistTemplate.objects.get(name="教学常规检查", version=1)
    assert v1.frozen and v1.visits.exists()
    teaching = ChecklistTemplate.objects.get(name="教学常规检查", version=2)
    assert set(teaching.items.values_list("group", flat=True)) == {
        "备课",
        "上课",
        "作业",
        "辅导",
        "评价",
    }
    assert set(teaching.items.values_list("kind", flat=True)) == {ItemKind.POINTS, ItemKind.LEVEL}

    # Visits: this term, most (not all) junior and nine-year schools, some unannounced, a draft.
    visits = list(Visit.objects.all())
    assert all(term.start <= v.date <= today for v in visits)
    assert {v.kind for v in visits} >= {VisitKind.UNANNOUNCED, VisitKind.TEACHING}
    statuses = [v.status for v in visits]
    assert statuses.count(VisitStatus.DRAFT) >= 1
    assert statuses.count(VisitStatus.SUBMITTED) > statuses.count(VisitStatus.DRAFT)
    eligible = School.objects.filter(stage__in=[Stage.JUNIOR, Stage.NINE_YEAR])
    covered = eligible.filter(visits__status=VisitStatus.SUBMITTED).distinct().count()
    assert eligible.count() / 2 < covered < eligible.count()
    submitted = [v for v in visits if v.status == VisitStatus.SUBMITTED]
    results = [visit_score(v) for v in submitted]
    assert all(r.unscored == 0 for r in results)
    assert {r.passed for r in results} == {True, False}  # some fail
    assert all(v.findings for v in submitted)

    # Rectifications: every state, with the history its state needs; some overdue.
    tasks = list(RectificationTask.objects.prefetch_related("events"))
    assert {t.status for t in tasks} == set(RectificationStatus.values)
    overdue = [t for t in tasks if t.is_overdue(today)]
    assert overdue and all(t.overdue_since for t in overdue)
    for task in tasks:
        actions = [e.action for e in task.events.all() if e.action != RectificationAction.OVERDUE]
        assert actions[0] == RectificationAction.CREATED
        times = [e.at for e in task.events.all()]
        assert times == sorted(times) and times[-1] <= timezone.now()
        last = {
            RectificationStatus.OPEN: RectificationAction.CREATED,
            RectificationStatus.ANSWERED: RectificationAction.ANSWERED,
            RectificationStatus.REOPENED: RectificationAction.REOPENED,
            RectificationStatus.CLOSED: RectificationAction.CLOSED,
        }[task.status]
        assert actions[-1] == last
        by = {e.action: e.by for e in task.events.all()}
        if RectificationAction.CLOSED in by:
            assert by[RectificationAction.CLOSED].role in (Role.INSPECTOR, Role.STAFF)

    # The demo principal's school: a submitted visit, an open task and an overdue one.
    principal = User.objects.get(username="principal")
    own_visits = Visit.objects.filter(school=principal.school, status=VisitStatus.SUBMITTED)
    assert own_visits.exists()
    own = [t for t in tasks if t.school_id == principal.school_id]
    assert any(t.status == RectificationStatus.OPEN and not t.is_overdue(today) for t in own)
    assert any(t.is_overdue(today) for t in own)

    # Observations: the principal is behind; every row counts something.
    rows = {r["user"]: r for r in observation_compliance(staff)}
    assert rows["principal"]["behind"] > 0 and rows["principal"]["done"] > 0
    assert rows["inspector"]["behind"] > 0
    assert not Observation.objects.filter(date__gt=today).exists()

    # Accountability: two or three records, a 亮红灯 linked to visits of its school.
    records = list(AccountabilityRecord.objects.prefetch_related("visits", "exams"))
    assert 2 <= len(records) <= 3
    warning = next(r for r in records if r.kind == AccountabilityKind.WARNING)
    assert warning.visits.exists()
    assert all(v.school_id == warning.school_id for v in warning.visits.all())
    assert any(r.exams.exists() for r in records)


def test_same_seed_same_data_and_reset_removes_it():
    """One more load than ``test_shapes`` needs: the loads take seconds each."""
    load(5)
    first = counts()
    assert first["tasks"] and first["observations"] and first["accountability"]
    load(5, "--reset")
    assert counts() == first  # the reset removed the first load's rows: nothing doubled

    ctx = demo.DemoContext(seed=5, size="small", log=lambda line: None)
    demo.demo_reset(ctx=ctx)
    assert not ChecklistTemplate.objects.exists()
    assert not Visit.objects.exists()
    assert not RectificationTask.objects.exists()
    assert not Observation.objects.exists()
    assert not AccountabilityRecord.objects.exists()
