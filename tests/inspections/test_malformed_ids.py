"""A malformed id in an inspections API path is "not found" (404), the same answer as an id
that does not exist, never a server error; so are sub-actions under it."""

import pytest

from bureau import access

pytestmark = pytest.mark.django_db

RESOURCES = ["visits", "rectifications", "observations", "accountability", "checklists"]
BAD_IDS = ["abc", "1x", "-1", "0", "1.5", "%20", "１", "99999999999999999999999"]


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("bad", BAD_IDS)
def test_a_malformed_id_is_not_found(api_for, admin_user, resource, bad):
    api = api_for(admin_user)
    response = api.get(f"/api/v1/{resource}/{bad}/")
    assert response.status_code == 404
    if "." not in bad:  # "1.5" is id 1 with a format suffix ".5": a 404 of its own
        # The same answer as a well-formed id of nothing.
        assert response.json() == api.get(f"/api/v1/{resource}/424242/").json()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", "visits/abc/"),
        ("post", "visits/abc/submit/"),
        ("get", "visits/abc/attachments/"),
        ("post", "visits/abc/attachments/"),
        ("post", "visits/abc/correct/"),
        ("post", "rectifications/abc/answer/"),
        ("post", "rectifications/abc/verify/"),
        ("post", "checklists/abc/revise/"),
    ],
)
@pytest.mark.parametrize("role", ["admin", "staff", "inspector", "principal"])
def test_sub_actions_with_a_malformed_id_are_not_found(api_for, users, method, path, role):
    response = getattr(api_for(users[role]), method)(f"/api/v1/{path}", {}, format="json")
    # Roles that may never do the action are refused before any lookup (403, as for any id);
    # everyone else is told "not found".
    writers_only = method != "get" and path.startswith(("visits", "checklists"))
    refused_outright = writers_only and (
        role == "principal" or (role == "inspector" and path.startswith("checklists"))
    )
    assert response.status_code == (403 if refused_outright else 404)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (12, 12),
        (" 7 ", 7),
        ("abc", None),
        ("0", None),
        ("-3", None),
        ("١٢", None),  # Arabic-Indic digits are digits to str.isdigit, not to a database
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),  # one past bigint
        (True, None),
        (None, None),
    ],
)
def test_id_from(value, expected):
    assert access.id_from(value) == expected
