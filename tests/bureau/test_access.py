"""bureau.access: who sees what, per role, and for the other school's principal."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from bureau import access
from bureau.models import Role, User
from schools.models import Student, Teacher

from ..factories import ClassFactory, StudentFactory, TeacherFactory, UserFactory

ROLES = ["admin_user", "leader", "staff", "inspector", "principal", "other_principal"]


@pytest.fixture
def county(school, other_school):
    """Two schools, each with two teachers and three students in one class."""
    for s in (school, other_school):
        TeacherFactory.create_batch(2, school=s)
        StudentFactory.create_batch(3, school_class=ClassFactory(school=s, grade=9, number=1))
    return school, other_school


@pytest.fixture
def who(request):
    return request.getfixturevalue(request.param)


def codes(qs):
    return sorted(set(qs.values_list("school__code", flat=True)))


# Expected answers per role: schools it may open, and whose teachers and students it sees.
SCHOOLS = {
    "admin_user": ["S001", "S002"],
    "leader": ["S001", "S002"],
    "staff": ["S001", "S002"],
    "inspector": ["S001", "S002"],
    "principal": ["S001"],
    "other_principal": ["S002"],
}
STUDENTS = {
    "admin_user": ["S001", "S002"],
    "leader": ["S001", "S002"],
    "staff": ["S001", "S002"],
    "inspector": [],  # no visits yet
    "principal": ["S001"],
    "other_principal": ["S002"],
}
MANAGERS = {"admin_user", "staff"}


@pytest.mark.parametrize("who", ROLES, indirect=True)
def test_schools_for(county, who, request):
    name = request.node.callspec.params["who"]
    assert sorted(access.schools_for(who).values_list("code", flat=True)) == SCHOOLS[name]


@pytest.mark.parametrize("who", ROLES, indirect=True)
def test_school_get_for(county, who, request):
    name = request.node.callspec.params["who"]
    for code in ("S001", "S002"):
        if code in SCHOOLS[name]:
            assert access.school_get_for(who, code).code == code
        else:
            with pytest.raises(Http404) as caught:
                access.school_get_for(who, code)
            assert str(caught.value) == "学校不存在"
    with pytest.raises(Http404) as absent:
        access.school_get_for(who, "S999")
    assert str(absent.value) == "学校不存在"


@pytest.mark.parametrize("who", ROLES, indirect=True)
def test_teachers_for(county, who, request):
    name = request.node.callspec.params["who"]
    teachers = access.teachers_for(who)
    assert codes(teachers) == SCHOOLS[name]
    assert teachers.count() == 2 * len(SCHOOLS[name])


@pytest.mark.parametrize("who", ROLES, indirect=True)
def test_teacher_get_for(county, who, request):
    name = request.node.callspec.params["who"]
    staff_number = Teacher.objects.filter(school__code="S002").first().staff_number
    if "S002" in SCHOOLS[name]:
        assert access.teacher_get_for(who, staff_number).school.code == "S002"
    else:
        with pytest.raises(Http404):
            access.teacher_get_for(who, staff_number)
    with pytest.raises(Http404):
        access.teacher_get_for(who, "T99999")


@pytest.mark.parametrize("who", ROLES, indirect=True)
def test_classes_for(county, who, request):
    name = request.node.callspec.params["who"]
    assert codes(access.classes_for(who)) == SCHOOLS[name]


@pytest.mark.parametrize("who", ROLES, indirect=True)
def test_students_for(county, who, request, school, other_school):
    name = request.node.callspec.params["who"]
    students = access.students_for(who)
    assert codes(students) == STUDENTS[name]
    assert students.count() == 3 * len(STUDENTS[name])
    assert codes(access.scope_by_school(who, Student.objects.all())) == STUDENTS[name]
    assert access.may_see_students_of(who, school.pk) is ("S001" in STUDENTS[name])
    assert access.may_see_students_of(who, other_school.pk) is ("S002" in STUDENTS[name])


@pytest.mark.parametrize("who", ROLES, indirect=True)
def test_can_upload_results(county, who, request, school, other_school):
    name = request.node.callspec.params["who"]
    expected = {
        "admin_user": (True, True),
        "leader": (False, False),
        "staff": (True, True),
        "inspector": (False, False),
        "principal": (True, False),
        "other_principal": (False, True),
    }[name]
    assert (
        access.can_upload_results(who, school),
        access.can_upload_results(who, other_school),
    ) == expected


@pytest.mark.parametrize("who", ROLES, indirect=True)
def test_role_predicates(who, request):
    name = request.node.callspec.params["who"]
    assert access.is_manager(who) is (name in MANAGERS)
    assert access.is_admin(who) is (name == "admin_user")
    assert access.sees_all_schools(who) is (name not in {"principal", "other_principal"})


def test_inspector_sees_no_student_rows_until_visits_exist(county, inspector, school):
    assert access.visited_school_ids(inspector) == set()
    assert access.student_school_ids(inspector) == set()
    assert not access.may_see_students_of(inspector, school.pk)
    # ... but every school's profile and teachers.
    assert access.schools_for(inspector).count() == 2
    assert access.teachers_for(inspector).count() == 4


def test_inspector_sees_student_rows_of_visited_schools(county, inspector, school, monkeypatch):
    monkeypatch.setattr(access.students, "visited_school_ids", lambda user: {school.pk})
    assert codes(access.students_for(inspector)) == ["S001"]
    assert access.may_see_students_of(inspector, school.pk)


def test_anonymous_sees_nothing(county, school):
    anonymous = AnonymousUser()
    assert access.role_of(anonymous) is None
    assert access.schools_for(anonymous).count() == 0
    assert access.teachers_for(anonymous).count() == 0
    assert access.classes_for(anonymous).count() == 0
    assert access.students_for(anonymous).count() == 0
    assert not access.may_see_students_of(anonymous, school.pk)
    assert not access.can_upload_results(anonymous, school)
    assert not access.is_manager(anonymous)
    with pytest.raises(Http404):
        access.school_get_for(anonymous, "S001")


def test_principal_without_a_school_sees_no_school(county):
    # The database refuses to store one (principal_has_school): an unsaved user stands in.
    orphan = User(username="orphan", role=Role.PRINCIPAL, school=None)
    assert access.schools_for(orphan).count() == 0
    assert access.teachers_for(orphan).count() == 0
    assert access.students_for(orphan).count() == 0


def test_superuser_with_principal_role_counts_as_admin(county, school):
    root = UserFactory(username="root", role=Role.PRINCIPAL, school=school, is_superuser=True)
    assert root.effective_role == Role.ADMIN
    assert access.role_of(root) == Role.ADMIN
    assert access.is_admin(root) and access.is_manager(root)
    assert access.schools_for(root).count() == 2
    assert access.students_for(root).count() == 6
    assert access.own_school_id(root) is None


def test_exchanges_for(county, principal, other_principal, staff, school, other_school):
    from ..factories import ExchangeFactory, SchoolFactory

    third = SchoolFactory(code="S003")
    ExchangeFactory(teacher=TeacherFactory(school=other_school), to_school=third)
    ExchangeFactory(teacher=TeacherFactory(school=school), to_school=other_school)
    assert access.exchanges_for(staff).count() == 2
    assert access.exchanges_for(principal).count() == 1
    assert access.exchanges_for(other_principal).count() == 2


def test_assert_can():
    from django.core.exceptions import PermissionDenied

    access.assert_can(True)
    with pytest.raises(PermissionDenied) as caught:
        access.assert_can(False)
    assert str(caught.value) == "没有权限执行此操作"
