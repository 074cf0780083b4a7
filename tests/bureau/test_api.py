"""/api/v1/: schools and teachers per role, writes, pagination, schema and docs (SPEC §4)."""

import pytest
from rest_framework.test import APIClient

from ..factories import SchoolFactory, TeacherFactory

ROLES = ["admin_user", "leader", "staff", "inspector", "principal", "other_principal"]
ALL = ["S001", "S002", "S003"]
SEES = {
    "admin_user": ALL,
    "leader": ALL,
    "staff": ALL,
    "inspector": ALL,
    "principal": ["S001"],
    "other_principal": ["S002"],
}
WRITERS = {"admin_user", "staff"}
WRITE_REFUSED = {"detail": "只有局机关工作人员或管理员可以修改名册。"}
SCHOOL_NOT_FOUND = {"detail": "学校不存在"}
TEACHER_NOT_FOUND = {"detail": "教师不存在"}


@pytest.fixture
def county(school, other_school):
    """Three schools with 2, 3 and 1 teachers."""
    third = SchoolFactory(code="S003", name="城关第二小学")
    TeacherFactory.create_batch(2, school=school)
    TeacherFactory.create_batch(3, school=other_school)
    TeacherFactory(school=third, staff_number="T-S003")
    return school, other_school, third


@pytest.fixture
def as_role(request, api_for):
    """The role's name and an API client logged in as that role's user."""
    name = request.param
    return name, api_for(request.getfixturevalue(name))


def _parametrize_roles(fn):
    return pytest.mark.parametrize("as_role", ROLES, indirect=True)(fn)


@_parametrize_roles
def test_school_list_is_scoped(county, as_role):
    name, api = as_role
    response = api.get("/api/v1/schools/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(SEES[name])
    assert [row["code"] for row in body["results"]] == SEES[name]


@_parametrize_roles
def test_school_retrieve_other_school_looks_absent(county, as_role):
    name, api = as_role
    for code in ALL:
        response = api.get(f"/api/v1/schools/{code}/")
        if code in SEES[name]:
            assert response.status_code == 200
            assert response.json()["code"] == code
        else:
            assert response.status_code == 404
            assert response.json() == SCHOOL_NOT_FOUND
    absent = api.get("/api/v1/schools/S999/")
    assert absent.status_code == 404
    assert absent.json() == SCHOOL_NOT_FOUND


def test_principal_cannot_tell_foreign_from_absent(county, api_for, principal):
    api = api_for(principal)
    foreign = api.get("/api/v1/schools/S002/")
    absent = api.get("/api/v1/schools/S999/")
    assert foreign.status_code == absent.status_code == 404
    assert foreign.content == absent.content


@_parametrize_roles
def test_teacher_list_is_scoped(county, as_role):
    name, api = as_role
    response = api.get("/api/v1/teachers/")
    assert response.status_code == 200
    body = response.json()
    per_school = {"S001": 2, "S002": 3, "S003": 1}
    assert body["count"] == sum(per_school[code] for code in SEES[name])
    assert {row["school"] for row in body["results"]} == set(SEES[name])
    # A filter cannot widen the scope.
    response = api.get("/api/v1/teachers/", {"school": "S003"})
    assert response.json()["count"] == (1 if "S003" in SEES[name] else 0)


@_parametrize_roles
def test_teacher_retrieve_is_scoped(county, as_role):
    name, api = as_role
    response = api.get("/api/v1/teachers/T-S003/")
    if "S003" in SEES[name]:
        assert response.status_code == 200
        assert response.json()["school"] == "S003"
    else:
        assert response.status_code == 404
        assert response.json() == TEACHER_NOT_FOUND


NEW_SCHOOL = {
    "code": "S100",
    "name": "新区实验学校",
    "stage": "nine_year",
    "locality": "urban",
    "township": "城关镇",
}


@_parametrize_roles
def test_create_school(county, as_role):
    name, api = as_role
    response = api.post("/api/v1/schools/", NEW_SCHOOL, format="json")
    if name in WRITERS:
        assert response.status_code == 201
        body = response.json()
        assert body["code"] == "S100"
        assert body["stage_display"] == "九年一贯制"
        assert body["locality_display"] == "城区"
    else:
        assert response.status_code == 403
        assert response.json() == WRITE_REFUSED


@_parametrize_roles
def test_change_school(county, as_role):
    name, api = as_role
    response = api.patch("/api/v1/schools/S001/", {"boarding": True}, format="json")
    if name in WRITERS:
        assert response.status_code == 200
        assert response.json()["boarding"] is True
    else:
        assert response.status_code == 403
        assert response.json() == WRITE_REFUSED


@_parametrize_roles
def test_delete_is_not_offered(county, as_role):
    name, api = as_role
    response = api.delete("/api/v1/schools/S001/")
    # Schools are closed (active = false), never deleted: writers hear that the method is not
    # offered, everyone else is refused as for any write.
    if name in WRITERS:
        assert response.status_code == 405
    else:
        assert response.status_code == 403
        assert response.json() == WRITE_REFUSED
    assert county[0].__class__.objects.filter(code="S001").exists()


@_parametrize_roles
def test_change_teacher(county, as_role):
    name, api = as_role
    staff_number = county[0].teachers.first().staff_number
    response = api.patch(f"/api/v1/teachers/{staff_number}/", {"title": "senior"}, format="json")
    if name in WRITERS:
        assert response.status_code == 200
        assert response.json()["title"] == "senior"
    else:
        assert response.status_code == 403
        assert response.json() == WRITE_REFUSED


def test_pagination(county, api_for, staff):
    for n in range(60):
        SchoolFactory(code=f"P{n:03d}")
    api = api_for(staff)
    first = api.get("/api/v1/schools/").json()
    assert first["count"] == 63
    assert len(first["results"]) == 50
    assert first["next"].endswith("/api/v1/schools/?page=2")
    second = api.get("/api/v1/schools/", {"page": 2}).json()
    assert len(second["results"]) == 13
    assert second["next"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/api/v1/schools/"),
        ("get", "/api/v1/schools/S001/"),
        ("post", "/api/v1/schools/"),
        ("get", "/api/v1/teachers/"),
        ("get", "/api/v1/schema/"),
        ("get", "/api/v1/"),
    ],
)
def test_anonymous_is_refused(school, method, path):
    response = getattr(APIClient(), method)(path)
    assert response.status_code == 403
    assert "身份认证信息未提供。" in response.content.decode()


@_parametrize_roles
def test_schema_for_every_logged_in_user(as_role):
    _, api = as_role
    response = api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Tizhi 提质 API"
    assert "/api/v1/schools/" in schema["paths"]
    assert "/api/v1/teachers/{staff_number}/" in schema["paths"]
    assert "/api/v1/auth/token/" in schema["paths"]


def test_schema_yaml(api_for, staff):
    response = api_for(staff).get("/api/v1/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert "/api/v1/schools/:" in response.content.decode()


def test_docs_page(client_for, staff):
    response = client_for(staff).get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "swagger-ui" in page
    # The start-up script is a URL of its own (CSP: no inline script); it names the schema.
    assert '<script src="/api/v1/docs/?script="></script>' in page
    script = client_for(staff).get("/api/v1/docs/?script=").content.decode()
    assert "/api/v1/schema/" in script


def test_docs_page_needs_no_cdn(client_for, staff):
    page = client_for(staff).get("/api/v1/docs/").content.decode()
    assert "cdn.jsdelivr.net" not in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
