"""First run: the current academic year and its terms exist from the first migrate; the next
one appears on 1 September by the daily job; the roster's 任课 sheet imports straight away;
the administrator's edits are kept (SPEC §9)."""

import datetime
import importlib
import io
import json

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.utils import timezone

from bureau import services
from bureau.celery import app as celery_app
from bureau.models import AcademicYear, Term
from bureau.school_year import start_year_of, year_bounds
from bureau.tasks import ensure_academic_year
from schools.models import TeachingAssignment

from ..schools.test_roster import clean_roster, workbook

D = datetime.date
migration = importlib.import_module("bureau.migrations.0005_current_year_and_request_keys")


def _terms(year) -> list[tuple]:
    return list(year.terms.order_by("number").values_list("number", "start", "end"))


@pytest.fixture
def today_is(monkeypatch):
    def set_day(day: datetime.date):
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return set_day


@pytest.mark.parametrize(
    "day,start",
    [(D(2026, 12, 3), 2026), (D(2027, 8, 31), 2026), (D(2027, 9, 1), 2027), (D(2027, 1, 1), 2026)],
)
def test_start_year_of(day, start):
    assert start_year_of(day) == start


def test_year_bounds():
    bounds = year_bounds(2026)
    assert bounds.name == "2026-2027"
    assert (bounds.start, bounds.end) == (D(2026, 9, 1), D(2027, 8, 31))
    assert bounds.terms == {
        1: (D(2026, 9, 1), D(2027, 1, 31)),
        2: (D(2027, 2, 1), D(2027, 8, 31)),
    }


@pytest.mark.django_db
def test_the_test_database_was_migrated_with_the_year_of_today():
    # The test database is made by ``migrate``: exactly what a fresh install gets.
    today = timezone.localdate()
    year = AcademicYear.for_date(today)
    start = start_year_of(today)
    assert year is not None and year.name == f"{start}-{start + 1}"
    assert _terms(year) == [
        (1, D(start, 9, 1), D(start + 1, 1, 31)),
        (2, D(start + 1, 2, 1), D(start + 1, 8, 31)),
    ]
    assert Term.for_date(today).year == year


@pytest.mark.django_db
def test_the_migration_on_an_empty_database(today_is):
    AcademicYear.objects.all().delete()
    today_is(D(2028, 3, 15))  # second term of 2027-2028
    migration.create_current_year(django_apps, None)
    year = AcademicYear.objects.get()
    assert (year.name, year.start, year.end) == ("2027-2028", D(2027, 9, 1), D(2028, 8, 31))
    assert _terms(year) == [
        (1, D(2027, 9, 1), D(2028, 1, 31)),
        (2, D(2028, 2, 1), D(2028, 8, 31)),
    ]
    # Run again: nothing more.
    migration.create_current_year(django_apps, None)
    assert (AcademicYear.objects.count(), Term.objects.count()) == (1, 2)


@pytest.mark.django_db
def test_the_next_year_appears_on_the_first_of_september(today_is):
    AcademicYear.objects.all().delete()
    services.academic_year_ensure(day=D(2027, 8, 31))
    assert list(AcademicYear.objects.values_list("name", flat=True)) == ["2026-2027"]
    today_is(D(2027, 9, 1))
    # The beat job, through Celery's eager path.
    assert celery_app.conf.task_always_eager
    assert ensure_academic_year.delay().get() == "2027-2028"
    assert list(AcademicYear.objects.values_list("name", flat=True)) == ["2027-2028", "2026-2027"]
    assert _terms(AcademicYear.objects.get(name="2027-2028")) == [
        (1, D(2027, 9, 1), D(2028, 1, 31)),
        (2, D(2028, 2, 1), D(2028, 8, 31)),
    ]
    # Idempotent: the next days add nothing.
    today_is(D(2027, 9, 2))
    assert ensure_academic_year.delay().get() == "2027-2028"
    assert (AcademicYear.objects.count(), Term.objects.count()) == (2, 4)


def test_the_job_is_on_the_schedule():
    entry = celery_app.conf.beat_schedule["academic-year-daily"]
    assert entry["task"] == "bureau.tasks.ensure_academic_year"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({0}, {10})


@pytest.mark.django_db
def test_an_edited_year_is_kept(today_is):
    today_is(D(2026, 12, 3))
    year = services.academic_year_ensure()
    # The administrator renames the year and moves the first term's end.
    year.name = "2026—2027学年"
    year.save()
    Term.objects.filter(year=year, number=1).update(end=D(2027, 2, 10))
    again = services.academic_year_ensure()
    assert again.pk == year.pk and again.name == "2026—2027学年"
    assert Term.objects.get(year=year, number=1).end == D(2027, 2, 10)
    assert AcademicYear.objects.count() == 1


@pytest.mark.django_db
def test_a_fresh_install_imports_the_roster_with_its_teaching_sheet(tmp_path):
    # Nothing but the migrations: no demo, no year added by hand.
    path = tmp_path / "名册.xlsx"
    path.write_bytes(workbook(clean_roster()))
    out = io.StringIO()
    call_command("import_roster", str(path), stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["errors"] == [] and summary["committed"] is True
    assert "学年" not in json.dumps(summary, ensure_ascii=False)
    current = AcademicYear.for_date(timezone.localdate())
    assert TeachingAssignment.objects.filter(academic_year=current).count() == 4
