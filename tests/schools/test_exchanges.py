"""Teacher exchanges: statistics against the targets, the create service and its form."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from core.errors import DomainError
from schools.exchanges import (
    MAX_AGE_FEMALE,
    MAX_AGE_MALE,
    MIN_YEARS_AT_SCHOOL,
    TARGET_BACKBONE_SHARE,
    TARGET_SHARE,
    exchange_stats,
    is_eligible,
)
from schools.models import TeacherExchange
from schools.services.exchanges import exchange_create
from tests.factories import AcademicYearFactory, ExchangeFactory, SchoolFactory, TeacherFactory

D = datetime.date
YEAR_START, YEAR_END = D(2026, 9, 1), D(2027, 8, 31)


def t(school, gender="F", birth_year=1990, school_since=2015, active=True):
    return {
        "school": school,
        "gender": gender,
        "birth_year": birth_year,
        "school_since": school_since,
        "active": active,
    }


def x(teacher, start, end=None, backbone=False, from_school="A"):
    return {
        "teacher": teacher,
        "from_school": from_school,
        "start": start,
        "end": end,
        "backbone": backbone,
    }


def test_thresholds_are_the_documented_policy():
    assert (MAX_AGE_MALE, MAX_AGE_FEMALE, MIN_YEARS_AT_SCHOOL) == (50, 45, 6)
    assert (TARGET_SHARE, TARGET_BACKBONE_SHARE) == (0.10, 0.20)


@pytest.mark.parametrize(
    ("teacher", "eligible"),
    [
        (t("A", "M", 1977), True),  # man of 2026 − 1977 = 49
        (t("A", "M", 1976), False),  # man of 50
        (t("A", "F", 1982), True),  # woman of 44
        (t("A", "F", 1981), False),  # woman of 45
        (t("A", school_since=2020), True),  # 2026 − 2020 = 6 years at the school
        (t("A", school_since=2021), False),  # 5 years
        (t("A", school_since=None), True),  # arrival unknown: counted
        (t("A", active=False), False),
    ],
)
def test_eligibility(teacher, eligible):
    assert is_eligible(teacher, year_start=YEAR_START) is eligible


def test_stats_per_school_and_county():
    teachers = (
        [t("A") for _ in range(8)]  # 8 women of 36, 11 years at the school
        + [t("A", "M", 1977, None), t("A", "F", 1982, 2020)]  # 2 more eligible → 10
        + [t("A", "M", 1976), t("A", "F", 1981), t("A", school_since=2021), t("A", active=False)]
        + [t("B") for _ in range(5)]
    )
    exchanges = [
        x(1, D(2026, 9, 1), D(2027, 7, 15), backbone=True),
        x(2, D(2025, 9, 1)),  # no end: still away during 2026-2027
        x(2, D(2027, 3, 1), D(2027, 6, 30)),  # the same teacher again: counted once
        x(3, D(2025, 9, 1), D(2026, 8, 31)),  # ended the day before the year began
        x(4, D(2027, 9, 1), D(2028, 8, 31)),  # begins after the year
    ]
    per_school, county = exchange_stats(
        teachers=teachers,
        exchanges=exchanges,
        year_start=YEAR_START,
        year_end=YEAR_END,
        schools=["A", "B", "C"],
    )
    a = per_school["A"]
    # 10 eligible, teachers 1 and 2 exchanged, 1 of them as backbone
    assert (a.eligible, a.exchanged, a.backbone) == (10, 2, 1)
    assert a.share == pytest.approx(0.2)  # 2 / 10
    assert a.backbone_share == pytest.approx(0.5)  # 1 / 2
    assert a.meets_share and a.meets_backbone
    b = per_school["B"]
    assert (b.eligible, b.exchanged, b.share, b.backbone_share) == (5, 0, 0.0, None)
    assert b.meets_share is False and b.meets_backbone is None
    c = per_school["C"]
    assert (c.eligible, c.share, c.meets_share) == (0, None, None)
    # county: eligible 10 + 5 = 15, exchanged 2 → 2 / 15 = 13.3 %, backbone 1 / 2
    assert (county.eligible, county.exchanged, county.backbone) == (15, 2, 1)
    assert county.share == pytest.approx(2 / 15)


def test_backbone_below_target_is_flagged():
    teachers = [t("A") for _ in range(10)]
    exchanges = [x(i, D(2026, 9, 1)) for i in range(6)] + [x(9, D(2026, 9, 1), backbone=True)]
    per_school, _county = exchange_stats(
        teachers=teachers, exchanges=exchanges, year_start=YEAR_START, year_end=YEAR_END
    )
    a = per_school["A"]
    # 7 of 10 exchanged (70 %), 1 of 7 backbone = 14.3 % < 20 %
    assert a.meets_share is True
    assert a.backbone_share == pytest.approx(1 / 7)
    assert a.meets_backbone is False


# --- the service ------------------------------------------------------------------------


@pytest.fixture
def teacher(school):
    return TeacherFactory(school=school, staff_number="T90001", name="王老师", backbone="expert")


START, END = D(2026, 9, 1), D(2027, 8, 31)


def create(teacher, to_school, user, start=START, end=END, **kw):
    return exchange_create(
        teacher=teacher, to_school=to_school, start=start, end=end, user=user, **kw
    )


def test_create_takes_from_school_and_backbone_from_teacher(teacher, other_school, staff):
    e = create(teacher, other_school, staff, note=" 支教 ")
    assert (e.from_school, e.to_school, e.backbone, e.note) == (
        teacher.school,
        other_school,
        True,
        "支教",
    )
    plain = TeacherFactory(school=teacher.school, backbone="")
    assert create(plain, other_school, staff).backbone is False
    overridden = TeacherFactory(school=teacher.school, backbone="")
    assert create(overridden, other_school, staff, backbone=True).backbone is True


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"to_self": True}, "接收学校不能是教师所在的派出学校。"),
        ({"start": D(2027, 1, 1), "end": D(2026, 12, 31)}, "结束日期不能早于开始日期。"),
    ],
)
def test_create_rejects(teacher, other_school, staff, kwargs, message):
    to_school = teacher.school if kwargs.pop("to_self", False) else other_school
    with pytest.raises(DomainError) as err:
        create(teacher, to_school, staff, **kwargs)
    assert err.value.message == message
    assert not TeacherExchange.objects.exists()


def test_create_rejects_overlap_but_allows_the_next_period(teacher, other_school, staff):
    ExchangeFactory(teacher=teacher, to_school=other_school, start=D(2025, 9, 1), end=None)
    with pytest.raises(DomainError) as err:
        create(teacher, other_school, staff, start=D(2030, 9, 1), end=None)
    assert err.value.message == (
        "该教师已有交流安排（河口乡中心学校，2025-09-01至未定），时间不能重叠。"
    )
    other = TeacherFactory(school=teacher.school)
    ExchangeFactory(teacher=other, to_school=other_school, start=D(2025, 9, 1), end=D(2026, 8, 31))
    with pytest.raises(DomainError):
        create(other, other_school, staff, start=D(2026, 8, 31), end=D(2027, 8, 31))
    assert create(other, other_school, staff, start=D(2026, 9, 1)).start == D(2026, 9, 1)


def test_create_rejects_inactive_teacher(teacher, other_school, staff):
    teacher.active = False
    teacher.save(update_fields=["active"])
    with pytest.raises(DomainError) as err:
        create(teacher, other_school, staff)
    assert err.value.message == "教师王老师（T90001）不在岗，不能安排交流。"


@pytest.mark.parametrize("role", ["leader", "inspector", "principal"])
def test_create_needs_a_manager(request, role, teacher, other_school):
    with pytest.raises(PermissionDenied):
        create(teacher, other_school, request.getfixturevalue(role))


# --- the pages --------------------------------------------------------------------------

FORM = "/exchanges/new/"


def post_data(to_school, **extra):
    return {
        "teacher": "T90001",
        "to_school": to_school.pk,
        "start": "2026-09-01",
        "end": "2027-08-31",
        "backbone": "",
        "note": "",
        **extra,
    }


@pytest.mark.parametrize("role", ["admin_user", "staff"])
def test_managers_create_through_the_form(request, client_for, role, teacher, other_school):
    client = client_for(request.getfixturevalue(role))
    assert client.get(FORM).status_code == 200
    response = client.post(FORM, post_data(other_school))
    assert response.status_code == 302 and response.url == "/exchanges/"
    e = TeacherExchange.objects.get()
    assert (e.teacher, e.from_school, e.to_school, e.backbone) == (
        teacher,
        teacher.school,
        other_school,
        True,
    )


@pytest.mark.parametrize("role", ["leader", "inspector", "principal", "other_principal"])
def test_others_get_403_on_the_form(request, client_for, role, teacher, other_school):
    client = client_for(request.getfixturevalue(role))
    assert client.get(FORM).status_code == 403
    assert client.post(FORM, post_data(other_school)).status_code == 403
    assert not TeacherExchange.objects.exists()


def test_form_shows_domain_errors_in_chinese(client_for, staff, teacher):
    response = client_for(staff).post(FORM, post_data(teacher.school))
    assert response.status_code == 200
    assert "接收学校不能是教师所在的派出学校。" in response.content.decode()
    assert not TeacherExchange.objects.exists()


def test_form_unknown_staff_number(client_for, staff, other_school):
    response = client_for(staff).post(FORM, post_data(other_school, teacher="T00000"))
    assert "没有工号为T00000的教师。" in response.content.decode()


def test_principal_sees_exchanges_of_own_school_only(client_for, principal, school, other_school):
    third = SchoolFactory(code="S003", name="第三中学")
    ExchangeFactory(teacher=TeacherFactory(school=school, name="外出老师"), to_school=third)
    ExchangeFactory(teacher=TeacherFactory(school=third, name="来校老师"), to_school=school)
    ExchangeFactory(teacher=TeacherFactory(school=other_school, name="无关老师"), to_school=third)
    body = client_for(principal).get("/exchanges/").content.decode()
    assert "外出老师" in body and "来校老师" in body
    assert "无关老师" not in body
    assert "登记交流" not in body  # no form for principals


def test_exchange_page_statistics(client_for, staff, school, other_school):
    AcademicYearFactory()  # 2026-2027
    teachers = [TeacherFactory(school=school, school_since=2010) for _ in range(10)]
    ExchangeFactory(teacher=teachers[0], to_school=other_school, backbone=True)
    ExchangeFactory(teacher=teachers[1], to_school=other_school, backbone=False)
    response = client_for(staff).get("/exchanges/")
    assert response.status_code == 200
    rows = {r.school.code: r.stats for r in response.context["rows"]}
    # 10 eligible women of 2026 − 1985 = 41, 2 exchanged (20 %), 1 backbone (50 %)
    assert (rows["S001"].eligible, rows["S001"].exchanged, rows["S001"].backbone) == (10, 2, 1)
    body = response.content.decode()
    assert '<span class="badge green">20.0%</span>' in body
    assert '<span class="badge green">50.0%</span>' in body
    assert response.context["overall"].exchanged == 2
