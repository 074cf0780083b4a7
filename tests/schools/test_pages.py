"""Registry pages: who may open them, filters, counts and scoping."""

import pytest
from django.utils import timezone

from schools.models import Locality, Stage
from tests.factories import (
    ClassFactory,
    SchoolFactory,
    StudentFactory,
    SubjectFactory,
    TeacherFactory,
)

ROLES = ["admin_user", "leader", "staff", "inspector", "principal"]
SEE_ALL = {"admin_user", "leader", "staff", "inspector"}


def user_for(request, role):
    return request.getfixturevalue(role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/schools/", SEE_ALL),
        ("/schools/S001/", set(ROLES)),
        ("/schools/S002/", SEE_ALL),
        ("/teachers/", set(ROLES)),
        ("/exchanges/", set(ROLES)),
        ("/exchanges/new/", {"admin_user", "staff"}),
    ],
)
def test_page_access_per_role(request, client_for, school, other_school, path, allowed, role):
    response = client_for(user_for(request, role)).get(path)
    if role in allowed:
        expected = 200
    elif path.startswith("/schools/S"):
        expected = 404  # another school's profile is "not found", as if it did not exist
    else:
        expected = 403
    assert response.status_code == expected


@pytest.mark.parametrize("path", ["/schools/", "/schools/S001/", "/teachers/", "/exchanges/"])
def test_anonymous_is_sent_to_login(client, school, path):
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_absent_and_not_yours_look_the_same(client_for, principal, other_principal):
    client = client_for(principal)
    not_yours = client.get("/schools/S002/")
    absent = client.get("/schools/S999/")
    assert not_yours.status_code == absent.status_code == 404
    assert not_yours.content == absent.content
    assert client_for(other_principal).get("/schools/S001/").status_code == 404


def test_school_list_filters(client_for, staff):
    SchoolFactory(code="J1", name="甲初中", stage=Stage.JUNIOR, locality=Locality.RURAL)
    SchoolFactory(code="P1", name="乙小学", stage=Stage.PRIMARY, locality=Locality.RURAL)
    SchoolFactory(
        code="P2", name="丙小学", stage=Stage.PRIMARY, locality=Locality.URBAN, boarding=True
    )
    client = client_for(staff)

    def codes(query):
        return [s.code for s in client.get("/schools/" + query).context["page"]]

    assert codes("") == ["J1", "P1", "P2"]
    assert codes("?stage=junior") == ["J1"]
    assert codes("?locality=rural") == ["J1", "P1"]
    assert codes("?stage=primary&locality=rural") == ["P1"]
    assert codes("?boarding=yes") == ["P2"]
    assert codes("?q=小学") == ["P1", "P2"]
    assert codes("?q=j1") == ["J1"]
    response = client.get("/schools/?stage=nonsense&locality=rural")
    assert response.status_code == 200  # a bad value is reported and ignored
    assert [s.code for s in response.context["page"]] == ["J1", "P1"]
    assert "筛选条件有误" in response.content.decode()
    body = client.get("/schools/?stage=junior").content.decode()
    assert "甲初中" in body and "乙小学" not in body


def test_school_list_counts_and_summary(client_for, staff, school):
    a = ClassFactory(school=school, grade=9, number=1)
    b = ClassFactory(school=school, grade=9, number=2)
    for _ in range(3):
        StudentFactory(school_class=a)
    for _ in range(2):
        StudentFactory(school_class=b)
    TeacherFactory(school=school)
    TeacherFactory(school=school)
    TeacherFactory(school=school, active=False)
    SchoolFactory(code="S009")  # empty school: zeros, no ratio
    response = client_for(staff).get("/schools/")
    rows = {s.code: s for s in response.context["page"]}
    s = rows["S001"]
    # 2 classes with 3 + 2 = 5 students, 2 active teachers (the inactive one not counted)
    assert (s.n_classes, s.n_students, s.n_teachers) == (2, 5, 2)
    assert s.ratio == pytest.approx(2.5)  # 5 / 2
    assert (rows["S009"].n_students, rows["S009"].ratio) == (0, None)
    body = response.content.decode()
    assert "2.5:1" in body
    assert "共 2 所学校，在籍学生 5 人。" in body


@pytest.mark.parametrize("n_schools", [3, 30])
def test_school_list_queries_are_bounded(
    client_for, staff, django_assert_max_num_queries, n_schools
):
    for i in range(n_schools):
        s = SchoolFactory(code=f"Q{i:03d}")
        StudentFactory(school_class=ClassFactory(school=s))
        TeacherFactory(school=s)
    client = client_for(staff)
    # session, user, filter choices, page count and rows, summary: the same for 3 or 30 schools
    with django_assert_max_num_queries(15):
        response = client.get("/schools/?locality=town")
    assert len(response.context["page"]) == n_schools


def test_school_list_paginates_at_50(client_for, staff):
    for i in range(51):
        SchoolFactory(code=f"Z{i:03d}")
    client = client_for(staff)
    assert len(client.get("/schools/").context["page"]) == 50
    second = client.get("/schools/?page=2")
    assert [s.code for s in second.context["page"]] == ["Z050"]


def test_school_detail_profile(client_for, principal, school):
    head = TeacherFactory(school=school, name="李班主任", birth_year=1980)
    big = ClassFactory(school=school, grade=9, number=3, head_teacher=head)
    small = ClassFactory(school=school, grade=7, number=1)
    for _ in range(56):
        StudentFactory(school_class=big)
    StudentFactory(school_class=small)
    response = client_for(principal).get("/schools/S001/")
    assert response.status_code == 200
    # 56 + 1 = 57 students; one class over 55
    assert response.context["figures"] == {
        "classes": 2,
        "students": 57,
        "teachers": 1,
        "large_classes": 1,
    }
    body = response.content.decode()
    assert "九(3)班" in body and "七(1)班" in body and "李班主任" in body
    assert "考试成绩" in body and "督导记录" in body
    assert "学生1" not in body  # student rows are not listed on the profile
    assert f'<td class="num">{timezone.localdate().year - 1980}</td>' in body
    assert 'id="chart-age-data" type="application/json"' in body


def test_leader_and_inspector_see_a_schools_teachers(client_for, leader, inspector, school):
    TeacherFactory(school=school, name="赵老师")
    for user in (leader, inspector):
        assert "赵老师" in client_for(user).get("/schools/S001/").content.decode()


def test_principal_teachers_are_own_school_only(client_for, principal, school, other_school):
    TeacherFactory(school=school, name="本校老师")
    TeacherFactory(school=other_school, name="外校老师")
    response = client_for(principal).get("/teachers/")
    body = response.content.decode()
    assert "本校老师" in body
    assert "外校老师" not in body
    assert response.context["structure"].total == 1
    assert response.context["summary"].startswith("本校在岗教师1人")
    # asking for the other school by filter changes nothing
    response = client_for(principal).get(f"/teachers/?school={other_school.pk}")
    assert "外校老师" not in response.content.decode()


def test_teacher_filters_and_charts_follow_them(client_for, staff, school, other_school):
    year = timezone.localdate().year
    TeacherFactory(school=school, name="青年男教师", gender="M", birth_year=year - 28)
    TeacherFactory(school=school, name="骨干女教师", birth_year=year - 50, backbone="leader")
    TeacherFactory(school=other_school, name="未持证教师", certified=False, birth_year=year - 40)
    TeacherFactory(school=school, name="离岗教师", active=False)
    client = client_for(staff)

    def names(query):
        response = client.get("/teachers/" + query)
        return sorted(t.name for t in response.context["page"]), response

    assert names("")[0] == ["未持证教师", "青年男教师", "骨干女教师"]  # active by default
    assert names("?gender=M")[0] == ["青年男教师"]
    assert names("?age=le30")[0] == ["青年男教师"]  # 28
    assert names("?age=46_50")[0] == ["骨干女教师"]  # 50
    assert names("?backbone=any")[0] == ["骨干女教师"]
    assert names("?certified=no")[0] == ["未持证教师"]
    assert names(f"?school={other_school.pk}")[0] == ["未持证教师"]
    assert names("?active=no")[0] == ["离岗教师"]
    assert len(names("?active=")[0]) == 4
    listed, response = names("?gender=F")
    structure = response.context["structure"]
    # the charts describe the filtered set: 2 women, one of them backbone
    assert structure.total == 2 and structure.backbone_total == 1
    assert response.context["summary"].startswith("所选范围在岗教师2人")
    assert names("")[1].context["summary"].startswith("全县在岗教师3人")


def test_teacher_page_shows_subject_shortage(client_for, staff, school):
    math = SubjectFactory(name="数学")
    for number in range(1, 4):
        ClassFactory(school=school, grade=7, number=number)
    TeacherFactory(school=school, subject=math)
    response = client_for(staff).get("/teachers/")
    totals = {t.subject: (t.need, t.have, t.short) for t in response.context["shortage"].totals}
    # 数学: 3 classes × 5 = 15 periods, ⌈15/14⌉ = 2 needed, 1 teaching → short 1
    assert totals["数学"] == (2, 1, 1)
    # 语文 the same 15 periods → 2 needed, none → short 2
    assert totals["语文"] == (2, 0, 2)
    assert "学科缺员" in response.content.decode()
