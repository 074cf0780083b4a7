"""GET /api/v1/bulletins/ (SPEC §4): rows per role, the ``read`` flag of the requesting user,
no writes."""

import datetime

import pytest

from reports.models import BulletinRead, BulletinStatus
from reports.services import bulletins as services

from .test_pages import make_bulletin

pytestmark = pytest.mark.django_db

ROLES = ["admin_user", "leader", "staff", "inspector", "principal", "other_principal"]
FIELDS = {"id", "year", "number", "period", "title", "status", "pdf_url", "published_at", "read"}


@pytest.fixture
def role_user(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def published():
    return make_bulletin(datetime.date(2026, 9, 1))


@pytest.fixture
def draft():
    return make_bulletin(datetime.date(2026, 10, 1), status=BulletinStatus.DRAFT, number=10)


@pytest.mark.parametrize("role_user", ROLES, indirect=True)
def test_list_per_role(role_user, api_for, published, draft):
    response = api_for(role_user).get("/api/v1/bulletins/")
    assert response.status_code == 200
    body = response.json()
    manager = role_user.role in ("admin", "staff")
    assert body["count"] == (2 if manager else 1)
    periods = [row["period"] for row in body["results"]]
    assert periods == (["2026-10", "2026-09"] if manager else ["2026-09"])
    row = body["results"][-1]
    assert set(row) == FIELDS
    assert row["id"] == published.pk
    assert (row["year"], row["number"], row["status"]) == (2026, 9, "published")
    assert row["title"] == "示范县聚力提质工作简报"
    assert row["pdf_url"] == f"http://testserver/bulletins/{published.pk}/pdf/"
    assert row["published_at"] is not None
    assert row["read"] is False


@pytest.mark.parametrize("role_user", ROLES, indirect=True)
def test_retrieve_a_draft_only_as_manager(role_user, api_for, draft):
    response = api_for(role_user).get(f"/api/v1/bulletins/{draft.pk}/")
    if role_user.role in ("admin", "staff"):
        assert response.status_code == 200
        assert response.json()["status"] == "draft"
        assert response.json()["published_at"] is None
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role_user", ROLES, indirect=True)
def test_retrieve_published_and_absent(role_user, api_for, published):
    api = api_for(role_user)
    assert api.get(f"/api/v1/bulletins/{published.pk}/").status_code == 200
    assert api.get("/api/v1/bulletins/999/").status_code == 404


def test_read_flag_is_per_user(leader, principal, api_for, client_for, published):
    older = make_bulletin(datetime.date(2026, 8, 1))
    services.bulletin_mark_read(bulletin=older, user=leader)
    # Reading the PDF in the browser counts too.
    client_for(leader).get(f"/bulletins/{published.pk}/pdf/")
    flags = {
        r["period"]: r["read"] for r in api_for(leader).get("/api/v1/bulletins/").json()["results"]
    }
    assert flags == {"2026-09": True, "2026-08": True}
    flags = {
        r["period"]: r["read"]
        for r in api_for(principal).get("/api/v1/bulletins/").json()["results"]
    }
    assert flags == {"2026-09": False, "2026-08": False}


def test_the_api_leaves_no_receipt(leader, api_for, published):
    api_for(leader).get("/api/v1/bulletins/")
    api_for(leader).get(f"/api/v1/bulletins/{published.pk}/")
    assert not BulletinRead.objects.exists()


def test_no_pdf_no_url(staff, api_for):
    make_bulletin(status=BulletinStatus.DRAFT, pdf=False)
    (row,) = api_for(staff).get("/api/v1/bulletins/").json()["results"]
    assert row["pdf_url"] is None


@pytest.mark.parametrize("role_user", ROLES, indirect=True)
def test_read_only(role_user, api_for, published):
    api = api_for(role_user)
    assert api.post("/api/v1/bulletins/", {"title": "x"}, format="json").status_code == 405
    url = f"/api/v1/bulletins/{published.pk}/"
    assert api.patch(url, {"title": "x"}, format="json").status_code == 405
    assert api.delete(url).status_code == 405
    published.refresh_from_db()
    assert published.title == "示范县聚力提质工作简报"


def test_anonymous_is_refused(client, published):
    response = client.get("/api/v1/bulletins/")
    # Session authentication comes first, so DRF answers 403 (not 401) without credentials.
    assert response.status_code == 403


def test_token_auth(leader, published):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token = Token.objects.create(user=leader)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get("/api/v1/bulletins/")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_schema_documents_bulletins(api_for, staff):
    schema = api_for(staff).get("/api/v1/schema/", {"format": "json"}).json()
    assert "/api/v1/bulletins/" in schema["paths"]
    assert "/api/v1/bulletins/{id}/" in schema["paths"]
    props = schema["components"]["schemas"]["Bulletin"]["properties"]
    assert set(props) == FIELDS
    assert props["status"]["allOf"][0]["enum"] == ["draft", "published"]
    assert "StatusEnum" not in schema["components"]["schemas"]
