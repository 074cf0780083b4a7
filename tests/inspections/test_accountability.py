"""Accountability records (亮红灯, 约谈): the service's rules, the API per role, the pages and
the school profile's block."""

import datetime

import pytest
from django.template.loader import render_to_string

from core.errors import DomainError, NotAllowed
from exams.models import ExamState
from inspections import services
from inspections.models import AccountabilityKind, AccountabilityRecord
from inspections.selectors.accountability import accountability_for
from inspections.services.accountability import accountability_create
from tests.factories import AcademicYearFactory, ExamFactory

from .conftest import DAY, full_scores

ROLES = ["admin_user", "leader", "staff", "inspector", "principal", "other_principal"]
SEE_ALL = {"admin_user", "leader", "staff", "inspector"}
MANAGERS = {"admin_user", "staff"}
WHEN = datetime.date(2026, 11, 2)


def user_for(request, role):
    return request.getfixturevalue(role)


def submitted_visit(user, school, checklist, items, date=DAY):
    visit = services.visit_create(
        user=user,
        school=school,
        date=date,
        kind="unannounced",
        checklist=checklist,
        scores=full_scores(items, a=3, b=5, level="差"),
        findings="安全台账缺失",
    )
    return services.visit_submit(visit=visit, user=user)


@pytest.fixture
def visit(inspector, school, checklist, items):
    return submitted_visit(inspector, school, checklist, items)


@pytest.fixture
def other_visit(inspector, other_school, checklist, items):
    return submitted_visit(inspector, other_school, checklist, items)


@pytest.fixture
def exam(db):
    return ExamFactory(code="2026-9-joint", name="九年级联考", state=ExamState.PUBLISHED)


@pytest.fixture
def record(staff, school, visit, exam):
    return accountability_create(
        kind=AccountabilityKind.WARNING,
        school=school,
        person="",
        date=WHEN,
        reason="督导得分率 35%，安全隐患未整改",
        visits=[visit],
        exams=[exam],
        user=staff,
    )


@pytest.fixture
def other_record(staff, other_school, other_visit):
    return accountability_create(
        kind=AccountabilityKind.INTERVIEW,
        school=other_school,
        person="校长 李四",
        date=WHEN,
        reason="整改逾期未完成",
        visits=[other_visit],
        user=staff,
    )


# --- the service ---------------------------------------------------------------------------


def test_create_links_visits_and_exams(record, staff, visit, exam):
    assert record.kind == "warning" and record.person == "" and record.created_by == staff
    assert list(record.visits.all()) == [visit]
    assert list(record.exams.all()) == [exam]
    assert str(record) == "2026-11-02 城关第一初级中学 亮红灯"


@pytest.mark.parametrize("role", ["leader", "inspector", "principal"])
def test_only_staff_and_admins_record(request, school, role):
    with pytest.raises(NotAllowed, match="只有局机关工作人员或管理员可以记录问责"):
        accountability_create(
            kind="warning", school=school, date=WHEN, reason="x", user=user_for(request, role)
        )
    assert not AccountabilityRecord.objects.exists()


def test_admin_records(admin_user, school):
    record = accountability_create(
        kind="interview",
        school=school,
        person=" 校长 张三 ",
        date=WHEN,
        reason="质量下滑",
        user=admin_user,
    )
    assert record.person == "校长 张三"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": "  "}, "请填写问责事由"),
        ({"kind": "fine"}, "问责类型只能是 warning、interview"),
        ({"date": datetime.date(2099, 1, 1)}, "问责日期不能晚于今天"),
    ],
)
def test_checks(staff, school, changes, message):
    args = {"kind": "warning", "school": school, "date": WHEN, "reason": "事由", "user": staff}
    with pytest.raises(DomainError, match=message):
        accountability_create(**(args | changes))


def test_visits_of_another_school_are_refused(staff, school, other_visit):
    with pytest.raises(DomainError, match=f"督导记录 {other_visit.pk} 不是城关第一初级中学的"):
        accountability_create(
            kind="warning", school=school, date=WHEN, reason="x", visits=[other_visit], user=staff
        )
    assert not AccountabilityRecord.objects.exists()


def test_draft_visits_are_refused(staff, school, draft):
    with pytest.raises(DomainError, match=f"督导记录 {draft.pk} 尚未提交"):
        accountability_create(
            kind="warning", school=school, date=WHEN, reason="x", visits=[draft], user=staff
        )


def test_exams_must_exist(staff, school, exam):
    exam_code, pk = exam.code, exam.pk
    exam.delete()
    exam.pk = pk  # a stale object, as a form or a caller could hold one
    with pytest.raises(DomainError, match=f"考试不存在：{exam_code}"):
        accountability_create(
            kind="warning", school=school, date=WHEN, reason="x", exams=[exam], user=staff
        )


@pytest.mark.parametrize("role", ROLES)
def test_selector_scope(request, record, other_record, role):
    seen = set(accountability_for(user_for(request, role)))
    expected = {
        "principal": {record},
        "other_principal": {other_record},
    }.get(role, {record, other_record})
    assert seen == expected


# --- the API -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_api_list_and_detail_per_role(request, api_for, record, other_record, role):
    api = api_for(user_for(request, role))
    listed = api.get("/api/v1/accountability/")
    assert listed.status_code == 200
    ids = {r["id"] for r in listed.json()["results"]}
    if role in SEE_ALL:
        assert ids == {record.pk, other_record.pk}
    elif role == "principal":
        assert ids == {record.pk}
    else:  # other_principal: nothing of S001
        assert ids == {other_record.pk}
    detail = api.get(f"/api/v1/accountability/{record.pk}/")
    if role == "other_principal":
        assert detail.status_code == 404
        assert detail.json()["detail"] == "问责记录不存在"
    else:
        assert detail.status_code == 200


def test_api_shape(api_for, leader, record, visit):
    row = api_for(leader).get(f"/api/v1/accountability/{record.pk}/").json()
    assert row == {
        "id": record.pk,
        "kind": "warning",
        "kind_display": "亮红灯",
        "school": "S001",
        "school_name": "城关第一初级中学",
        "person": "",
        "date": "2026-11-02",
        "reason": "督导得分率 35%，安全隐患未整改",
        "visits": [visit.pk],
        "exams": ["2026-9-joint"],
        "created_by": "staff",
        "created_at": row["created_at"],
    }


def test_api_filters(api_for, staff, record, other_record):
    AcademicYearFactory(name="2026-2027", start="2026-09-01", end="2027-08-31")
    AcademicYearFactory(name="2025-2026", start="2025-09-01", end="2026-08-31")
    api = api_for(staff)

    def ids(query):
        return {r["id"] for r in api.get("/api/v1/accountability/" + query).json()["results"]}

    assert ids("?kind=interview") == {other_record.pk}
    assert ids("?school=S001") == {record.pk}
    assert ids("?year=2026-2027") == {record.pk, other_record.pk}
    assert ids("?year=2025-2026") == set()


def body(**changes):
    data = {
        "kind": "interview",
        "school": "S001",
        "person": "校长 张三",
        "date": "2026-11-20",
        "reason": "连续两次督导不合格，约谈校长",
        "visits": [],
        "exams": [],
    }
    return data | changes


@pytest.mark.parametrize("role", ROLES)
def test_api_post_per_role(request, api_for, visit, exam, role):
    response = api_for(user_for(request, role)).post(
        "/api/v1/accountability/", body(visits=[visit.pk], exams=[exam.code]), format="json"
    )
    if role in MANAGERS:
        assert response.status_code == 201
        assert response.json()["visits"] == [visit.pk]
        assert response.json()["exams"] == ["2026-9-joint"]
        assert response.json()["kind_display"] == "约谈"
    else:
        assert response.status_code == 403
        assert response.json()["detail"] == "只有局机关工作人员或管理员可以记录问责。"
        assert not AccountabilityRecord.objects.exists()


def test_api_post_refuses_other_schools_visits_and_unknowns(api_for, staff, school, other_visit):
    api = api_for(staff)
    wrong = api.post("/api/v1/accountability/", body(visits=[other_visit.pk]), format="json")
    assert wrong.status_code == 400
    assert wrong.json()["detail"] == (
        f"督导记录 {other_visit.pk} 不是城关第一初级中学的，不能作为问责依据"
    )
    unknown = api.post("/api/v1/accountability/", body(visits=[9999]), format="json")
    assert unknown.json()["detail"] == "督导记录不存在：9999"
    no_exam = api.post("/api/v1/accountability/", body(exams=["nope"]), format="json")
    assert no_exam.json()["detail"] == "考试不存在：nope"
    no_school = api.post("/api/v1/accountability/", body(school="S999"), format="json")
    assert no_school.json()["detail"] == "学校不存在：S999"
    no_reason = api.post("/api/v1/accountability/", body(reason=""), format="json")
    assert no_reason.json()["detail"] == "请填写问责事由"
    bad_kind = api.post("/api/v1/accountability/", body(kind="fine"), format="json")
    assert bad_kind.status_code == 400 and "kind" in bad_kind.json()
    assert not AccountabilityRecord.objects.exists()


def test_schema_documents_the_endpoint(api_for, staff):
    schema = api_for(staff).get("/api/v1/schema/?format=json").json()
    assert "/api/v1/accountability/" in schema["paths"]
    # The kind is described in place, not as a shared KindEnum that would clash with the exams'.
    kind = schema["components"]["schemas"]["Accountability"]["properties"]["kind"]
    assert kind["allOf"][0]["enum"] == ["warning", "interview"]


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_pages_per_role(request, client_for, record, other_record, role):
    client = client_for(user_for(request, role))
    listed = client.get("/inspections/accountability/")
    assert listed.status_code == 200
    shown = set(listed.context["page"].object_list)
    if role in SEE_ALL:
        assert shown == {record, other_record}
    elif role == "principal":
        assert shown == {record}
    else:
        assert shown == {other_record}
        assert "督导得分率 35%" not in listed.content.decode()
    new = client.get("/inspections/accountability/new/")
    assert new.status_code == (200 if role in MANAGERS else 403)


def test_list_filters(client_for, staff, record, other_record):
    AcademicYearFactory(name="2026-2027", start="2026-09-01", end="2027-08-31")
    client = client_for(staff)

    def shown(query):
        return set(client.get("/inspections/accountability/" + query).context["page"].object_list)

    assert shown("?kind=warning") == {record}
    assert shown("?school=S002") == {other_record}
    assert shown("?year=2026-2027") == {record, other_record}
    assert shown("?kind=nonsense") == {record, other_record}  # a bad value is ignored
    html = client.get("/inspections/accountability/").content.decode()
    assert 'class="badge red">亮红灯' in html and 'class="badge amber">约谈' in html


def test_new_page_prefills_from_a_visit_and_records(client_for, staff, visit, exam):
    client = client_for(staff)
    page = client.get(f"/inspections/accountability/new/?visit={visit.pk}")
    form = page.context["form"]
    assert form.initial["school"] == visit.school and form.initial["visits"] == [visit.pk]
    assert list(form.fields["visits"].queryset) == [visit]
    response = client.post(
        "/inspections/accountability/new/",
        {
            "kind": "warning",
            "school": "S001",
            "person": "",
            "date": "2026-11-20",
            "reason": "督导不合格",
            "visits": [visit.pk],
            "exams": [exam.pk],
        },
    )
    assert response.status_code == 302
    assert response.url == "/inspections/accountability/?school=S001"
    record = AccountabilityRecord.objects.get()
    assert list(record.visits.all()) == [visit] and list(record.exams.all()) == [exam]


def test_new_page_shows_errors(client_for, staff, visit, other_visit):
    client = client_for(staff)
    response = client.post(
        "/inspections/accountability/new/",
        {"kind": "warning", "school": "S001", "date": "2026-11-20", "reason": ""},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["请填写问责事由"]
    # The visits offered are the chosen school's: another school's visit is not a choice.
    response = client.post(
        "/inspections/accountability/new/",
        {
            "kind": "warning",
            "school": "S001",
            "date": "2026-11-20",
            "reason": "x",
            "visits": [other_visit.pk],
        },
    )
    assert response.status_code == 200 and "visits" in response.context["form"].errors
    assert not AccountabilityRecord.objects.exists()


def test_new_page_prefill_of_a_visit_not_found_is_404(client_for, staff):
    assert client_for(staff).get("/inspections/accountability/new/?visit=999").status_code == 404


# --- the school profile's block ------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_school_block(request, rf, record, school, role):
    user = user_for(request, role)
    html = render_to_string(
        "inspections/_school_accountability.html", {"school": school, "user": user}
    )
    if role == "other_principal":
        assert html.strip() == ""
    else:
        assert "亮红灯" in html and "督导得分率 35%" in html and "badge red" in html
        assert f"/inspections/{record.visits.get().pk}/" in html
