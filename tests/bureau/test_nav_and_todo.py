"""The navigation per role (督导, 整改, 听课, 简报 with its unread count, 包联 for liaisons) and
the bulletin to-dos on the dashboard."""

import datetime

import pytest
from django.urls import reverse

from reports.models import BulletinRead, BulletinStatus
from tests.reports.test_pages import make_bulletin

pytestmark = pytest.mark.django_db

ROLES = ["admin_user", "leader", "staff", "inspector", "principal", "other_principal"]


def nav_of(response) -> dict:
    return {item["key"]: item for item in response.context["nav"]}


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_the_inspection_and_bulletin_pages(role, request, client_for):
    client = client_for(request.getfixturevalue(role))
    nav = nav_of(client.get(reverse("dashboard")))
    for key in ("inspections", "rectifications", "observations", "bulletins"):
        assert client.get(nav[key]["url"]).status_code == 200, key
    assert "liaison" not in nav


def test_liaison_entry_only_for_a_liaison(staff, leader, school, client_for):
    school.liaison = staff
    school.save(update_fields=["liaison"])
    nav = nav_of(client_for(staff).get(reverse("dashboard")))
    assert nav["liaison"]["url"] == reverse("inspections:liaison")
    assert "liaison" not in nav_of(client_for(leader).get(reverse("dashboard")))


def test_unread_bulletins_badge_and_todo_until_read(leader, client_for):
    first = make_bulletin(datetime.date(2026, 9, 1))
    make_bulletin(datetime.date(2026, 10, 1))
    make_bulletin(datetime.date(2026, 11, 1), status=BulletinStatus.DRAFT)  # drafts never count
    client = client_for(leader)
    response = client.get(reverse("dashboard"))
    assert nav_of(response)["bulletins"]["badge"] == 2
    assert '<span class="nav-badge"' in response.content.decode()
    assert [t["text"] for t in response.context["todo"]] == ["2 期简报未读"]

    BulletinRead.objects.create(bulletin=first, user=leader)
    response = client.get(reverse("dashboard"))
    assert nav_of(response)["bulletins"]["badge"] == 1
    assert [t["text"] for t in response.context["todo"]] == ["1 期简报未读"]


def test_staff_are_asked_to_publish_drafts(staff, leader, client_for):
    make_bulletin(datetime.date(2026, 11, 1), status=BulletinStatus.DRAFT)
    texts = [t["text"] for t in client_for(staff).get(reverse("dashboard")).context["todo"]]
    assert "1 期简报草稿待审核发布" in texts
    texts = [t["text"] for t in client_for(leader).get(reverse("dashboard")).context["todo"]]
    assert not any("草稿" in t for t in texts)
