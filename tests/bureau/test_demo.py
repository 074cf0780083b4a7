"""The demo county (``manage.py load_demo``), at the small size."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F

import demo
from bureau.models import AcademicYear, Role, Term, User
from schools.models import (
    Locality,
    School,
    SchoolClass,
    Stage,
    Student,
    Subject,
    Teacher,
    TeacherExchange,
    TeachingAssignment,
)
from tests.factories import SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", "--size", "small", *args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple:
    return (
        sorted(School.objects.values_list("code", "name", "stage", "locality", "township")),
        sorted(Teacher.objects.values_list("staff_number", "name", "birth_year", "title")),
        sorted(Student.objects.values_list("student_number", "name", "school_class__number")),
        sorted(
            TeachingAssignment.objects.values_list(
                "academic_year__name",
                "school_class__school__code",
                "subject__name",
                "teacher__staff_number",
            )
        ),
        sorted(
            TeacherExchange.objects.values_list("teacher__staff_number", "to_school__code", "start")
        ),
    )


def test_same_seed_same_county_other_seed_another_and_reset_reloads():
    output = load("--seed", "7")
    first = snapshot()
    # Logins are printed at the end, with the demo password.
    assert "principal" in output
    assert settings.TIZHI_DEMO_PASSWORD in output
    assert "城关第一初级中学" in output

    load("--seed", "7", "--reset")
    assert snapshot() == first

    load("--seed", "8", "--reset")
    other = snapshot()
    assert other[1] != first[1]  # teachers' names differ
    assert other[2] != first[2]  # students' names differ
    # Reset replaced the county rather than adding a second one.
    assert School.objects.count() == len(other[0]) == len(first[0])
    assert User.objects.filter(username="principal").count() == 1


def test_small_county_shape():
    load("--seed", "3")
    stages = dict(School.objects.values_list("stage").annotate(n=Count("id")))
    assert stages[Stage.JUNIOR] >= 3
    assert stages[Stage.PRIMARY] >= 3
    assert stages[Stage.NINE_YEAR] >= 1
    assert School.objects.filter(stage=Stage.JUNIOR, locality=Locality.RURAL).exists()
    assert 6 <= School.objects.count() <= 10
    assert 1500 <= Student.objects.count() <= 2500
    assert 150 <= Teacher.objects.count() <= 250
    assert Subject.objects.get(name="语文").order < Subject.objects.get(name="信息技术").order
    assert Subject.objects.count() == 14
    current = AcademicYear.objects.get(name="2026-2027")
    assert (current.start.isoformat(), current.end.isoformat()) == ("2026-09-01", "2027-08-31")
    term = Term.objects.get(year=current, number=1)
    assert (term.start.isoformat(), term.end.isoformat()) == ("2026-09-01", "2027-01-31")
    assert Term.objects.filter(year__name="2025-2026").count() == 2
    # Every school has a liaison, the leader or staff.
    assert not School.objects.filter(liaison__isnull=True).exists()
    assert set(School.objects.values_list("liaison__role", flat=True)) == {Role.LEADER, Role.STAFF}


def test_demo_users_and_principal_school():
    load("--seed", "3")
    roles = dict(User.objects.values_list("username", "role"))
    assert roles == {
        "admin": Role.ADMIN,
        "leader": Role.LEADER,
        "staff": Role.STAFF,
        "inspector": Role.INSPECTOR,
        "principal": Role.PRINCIPAL,
    }
    principal = User.objects.get(username="principal")
    assert principal.check_password(settings.TIZHI_DEMO_PASSWORD)
    assert User.objects.get(username="admin").is_superuser
    first_junior = School.objects.filter(stage=Stage.JUNIOR).order_by("code").first()
    assert principal.school == first_junior
    assert first_junior.locality == Locality.URBAN
    assert first_junior.classes.count() >= 6


def test_registry_is_consistent():
    load("--seed", "3")
    assert not Student.objects.filter(school_class__isnull=True).exists()
    assert not Student.objects.exclude(school=F("school_class__school")).exists()
    assert not TeachingAssignment.objects.exclude(
        teacher__school=F("school_class__school")
    ).exists()
    assert (
        not SchoolClass.objects.exclude(head_teacher__school=F("school"))
        .filter(head_teacher__isnull=False)
        .exists()
    )
    assert not TeacherExchange.objects.filter(from_school=F("to_school")).exists()
    assert not TeacherExchange.objects.exclude(from_school=F("teacher__school")).exists()
    # Both years have assignments; grade 9 learns chemistry, grade 7 does not.
    for year in ("2025-2026", "2026-2027"):
        year_assignments = TeachingAssignment.objects.filter(academic_year__name=year)
        assert year_assignments.filter(school_class__grade=9, subject__name="化学").exists()
        assert not year_assignments.filter(school_class__grade=7, subject__name="化学").exists()
    # The first junior school has a 语文 and a 数学 teacher for every class.
    principal_school = User.objects.get(username="principal").school
    for subject in ("语文", "数学"):
        taught = TeachingAssignment.objects.filter(
            academic_year__name="2026-2027",
            school_class__school=principal_school,
            subject__name=subject,
        )
        assert taught.count() == principal_school.classes.count()


def test_big_classes_and_tiny_rural_schools():
    load("--seed", "3")
    sizes = SchoolClass.objects.annotate(n=Count("students"))
    big = sizes.filter(n__gt=55)
    assert big.exists()
    assert Locality.URBAN in set(big.values_list("school__locality", flat=True))
    assert sizes.filter(n__lt=20, school__locality=Locality.RURAL).exists()
    tiny = School.objects.annotate(n=Count("students")).filter(n__gt=0, n__lt=100)
    assert tiny.exists()
    assert set(tiny.values_list("locality", flat=True)) == {Locality.RURAL}


def test_if_empty_leaves_existing_data_alone():
    SchoolFactory(code="X001", name="已有学校")
    output = load("--if-empty")
    assert "已有学校数据" in output
    assert list(School.objects.values_list("code", flat=True)) == ["X001"]
    assert not Teacher.objects.exists()
    assert not User.objects.filter(username="principal").exists()


def test_if_empty_loads_into_an_empty_database():
    load("--if-empty")
    assert School.objects.filter(stage=Stage.JUNIOR).count() >= 3


def test_refuses_a_database_with_schools():
    SchoolFactory(code="X001", name="已有学校")
    with pytest.raises(CommandError, match="--reset"):
        load()
    assert School.objects.count() == 1


def test_reset_replaces_the_registry_but_keeps_other_accounts():
    old = SchoolFactory(code="X001", name="已有学校")
    UserFactory(username="principal", role=Role.PRINCIPAL, school=old)
    root = UserFactory(username="root", role=Role.ADMIN, is_superuser=True)
    other = UserFactory(username="zhangsan", role=Role.STAFF)
    load("--reset")
    assert not School.objects.filter(code="X001").exists()
    assert User.objects.filter(pk__in=[root.pk, other.pk]).count() == 2
    assert User.objects.get(username="principal").school.stage == Stage.JUNIOR


@pytest.fixture
def extra_step():
    """A step as an app would register it from its own demo module."""
    seen = []

    @demo.demo_step(order=150)
    def count_schools(ctx: demo.DemoContext) -> None:
        seen.append((len(ctx.schools), ctx.users["principal"].username, ctx.rng.random()))
        ctx.log("额外步骤")

    yield seen
    demo._STEPS.pop(demo._qualified(count_schools))


def test_registered_steps_run_in_order_with_their_own_randomness(extra_step):
    output = load("--seed", "5")
    assert "[150]" in output and "额外步骤" in output
    assert output.index("[40]") < output.index("[150]")
    ((schools, principal, draw),) = extra_step
    assert (schools, principal) == (School.objects.count(), "principal")
    # The step's randomness depends on the seed and its name only.
    load("--seed", "5", "--reset")
    assert extra_step[1][2] == draw
