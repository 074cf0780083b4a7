"""The reward and evaluation pages: every role's exact answer, the finance export, the PDF."""

import copy
import io

import openpyxl
import pytest

from rewards.models import AwardLine, Scheme

from .data import SCHEME, build

pytestmark = pytest.mark.django_db
ROLES = ["admin", "leader", "staff", "inspector", "principal"]


@pytest.fixture
def scheme(school, other_school, api_for, staff, compute):
    build(school, other_school)
    body = copy.deepcopy(SCHEME)
    body["awards"].append(
        {
            "name": "综合表彰奖",
            "rule": "manual",
            "entries": [
                {
                    "recipient": '=HYPERLINK("http://x")',
                    "school": "S002",
                    "amount": 500,
                    "reason": "+1 教研成果突出",
                }
            ],
        }
    )
    api = api_for(staff)
    assert api.post("/api/v1/schemes/", body, format="json").status_code == 201
    compute(api)
    return Scheme.objects.get(code="2026-awards")


def statuses(client_for, users, other_principal, method, url, data=None):
    out = {}
    for role, user in [*users.items(), ("other_principal", other_principal)]:
        c = client_for(user)
        response = c.post(url, data or {}) if method == "post" else c.get(url)
        out[role] = response.status_code
    return out


def test_scheme_pages_by_role_while_computed(scheme, client_for, users, other_principal):
    line = AwardLine.objects.filter(award__scheme=scheme).first()
    expect = {
        "/rewards/": dict.fromkeys([*ROLES, "other_principal"], 200),
        "/rewards/new/": {
            "admin": 200,
            "leader": 403,
            "staff": 200,
            "inspector": 403,
            "principal": 403,
            "other_principal": 403,
        },
        "/rewards/2026-awards/": {
            "admin": 200,
            "leader": 200,
            "staff": 200,
            "inspector": 404,
            "principal": 404,
            "other_principal": 404,
        },
        f"/rewards/2026-awards/lines/{line.pk}/": {
            "admin": 200,
            "leader": 403,
            "staff": 200,
            "inspector": 404,
            "principal": 404,
            "other_principal": 404,
        },
        "/rewards/2026-awards/export.xlsx": {
            "admin": 200,
            "leader": 200,
            "staff": 200,
            "inspector": 404,
            "principal": 404,
            "other_principal": 404,
        },
    }
    for url, expected in expect.items():
        assert statuses(client_for, users, other_principal, "get", url) == expected, url
    # Only the writers may compute; a leader approves (the over-budget check passes: 13500)
    got = statuses(client_for, users, other_principal, "post", "/rewards/2026-awards/compute/")
    assert got == {
        "admin": 302,
        "leader": 403,
        "staff": 302,
        "inspector": 404,
        "principal": 404,
        "other_principal": 404,
    }


def test_published_scheme_pages(scheme, client_for, users, other_principal, api_for):
    assert api_for(users["leader"]).post("/api/v1/schemes/2026-awards/approve/").status_code == 200
    assert api_for(users["staff"]).post("/api/v1/schemes/2026-awards/publish/").status_code == 200
    got = statuses(client_for, users, other_principal, "get", "/rewards/2026-awards/")
    assert got == dict.fromkeys([*ROLES, "other_principal"], 200)
    got = statuses(client_for, users, other_principal, "get", "/rewards/2026-awards/export.xlsx")
    assert got == {
        "admin": 200,
        "leader": 200,
        "staff": 200,
        "inspector": 403,
        "principal": 403,
        "other_principal": 403,
    }
    # S002's principal sees the school-level lines but not S001's teachers: the page names
    # the manual line of S002 and the quality award of S001
    page = client_for(other_principal).get("/rewards/2026-awards/").content.decode()
    assert "城关第一初级中学" in page and "教研成果突出" in page


def test_finance_export_writes_text_as_text(scheme, client_for, users, api_for):
    api_for(users["leader"]).post("/api/v1/schemes/2026-awards/approve/")
    response = client_for(users["staff"]).get("/rewards/2026-awards/export.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == ["奖项", "获奖对象", "学校", "金额（元）", "事由", "批准人"]
    # 5000 + 3000 + 3000 (top 3), 2000 (S001 progress), 500 (manual)
    assert [r[3] for r in rows[1:]] == [5000, 3000, 3000, 2000, 500]
    manual = rows[-1]
    assert manual[1] == '=HYPERLINK("http://x")' and manual[4] == "+1 教研成果突出"
    for row in sheet.iter_rows(min_row=2):
        assert all(c.data_type != "f" for c in row)
    assert rows[1][5] == str(users["leader"])


def test_award_notice_pdf(scheme, client_for, users, other_principal):
    response = client_for(users["staff"]).get("/rewards/2026-awards/notice.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert client_for(users["leader"]).get("/rewards/2026-awards/notice.pdf").status_code == 200
    assert client_for(users["principal"]).get("/rewards/2026-awards/notice.pdf").status_code == 404


def test_evaluation_pages_by_role(scheme, client_for, users, other_principal, client):
    got = statuses(client_for, users, other_principal, "get", "/evaluations/?year=2026-2027")
    assert got == dict.fromkeys([*ROLES, "other_principal"], 200)
    got = statuses(client_for, users, other_principal, "get", "/evaluations/settings/")
    assert got == {
        "admin": 200,
        "leader": 403,
        "staff": 200,
        "inspector": 403,
        "principal": 403,
        "other_principal": 403,
    }
    got = statuses(
        client_for,
        users,
        other_principal,
        "post",
        "/evaluations/summon/",
        {"year": "2026-2027", "school": "S004", "exam": "E1"},
    )
    assert got == {
        "admin": 302,
        "leader": 403,
        "staff": 302,
        "inspector": 403,
        "principal": 403,
        "other_principal": 403,
    }
    assert client.get("/evaluations/").status_code == 302  # to the login page
    assert client.get("/rewards/").status_code == 302
    # A principal's export holds the own school's teachers only (T3 of S001, not T5)
    response = client_for(users["principal"]).get("/evaluations/export.xlsx?list=bottom_half")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [r[0].value for r in sheet.iter_rows(min_row=2)] == ["T3"]


def test_adding_an_award_and_adjusting_in_the_browser(scheme, client_for, users):
    c = client_for(users["staff"])
    response = c.post(
        "/rewards/2026-awards/",
        {
            "name": "优秀班主任奖",
            "rule": "top_k",
            "recipient": "school",
            "exam": "E1",
            "subject": "物理",
            "metric": "composite",
            "amounts": "1:800",
        },
    )
    assert response.status_code == 200
    assert "awards[3].subject: 考试“九年级期中”没有该学科：物理" in response.content.decode()
    assert scheme.awards.count() == 3
    line = AwardLine.objects.get(award__name="中考质量奖", school__code="S002")
    response = c.post(f"/rewards/2026-awards/lines/{line.pk}/", {"amount": 2500, "reason": ""})
    assert response.status_code == 200  # the reason is required
    response = c.post(
        f"/rewards/2026-awards/lines/{line.pk}/", {"amount": 2500, "reason": "经复核酌减"}
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.adjusted_amount, line.amount) == (2500, 2500)
    page = c.get("/rewards/2026-awards/").content.decode()
    assert "经复核酌减" in page


def test_the_home_page_shows_the_school_classes(scheme, client_for, users, other_principal):
    # Classes of tests/rewards/data.py: S002 A, S003 B, S001 C, S004 D (test_evaluations_api)
    page = client_for(users["staff"]).get("/").content.decode()
    assert "学校分类" in page
    assert client_for(users["principal"]).get("/").content.decode().count("本校为 C 类学校") == 1
    assert "本校为 A 类学校" in client_for(other_principal).get("/").content.decode()


def test_every_scheme_action_by_role(scheme, client_for, users, other_principal, api_for, compute):
    award = scheme.awards.get(name="综合表彰奖")
    line = AwardLine.objects.filter(award__scheme=scheme).first()
    # Pages that act: only the writers (admin, staff); leaders approve; the draft is not
    # visible to inspectors and principals at all (404)
    got = statuses(client_for, users, other_principal, "post", "/rewards/2026-awards/publish/")
    assert got == {
        "admin": 302,
        "leader": 403,
        "staff": 302,
        "inspector": 404,
        "principal": 404,
        "other_principal": 404,
    }  # 302: refused, not approved
    assert Scheme.objects.get(pk=scheme.pk).status == "computed"
    got = statuses(
        client_for,
        users,
        other_principal,
        "post",
        f"/rewards/2026-awards/awards/{award.pk}/delete/",
    )
    assert got == {
        "admin": 302,
        "leader": 403,
        "staff": 404,
        "inspector": 404,
        "principal": 404,
        "other_principal": 404,
    }  # admin deleted it: staff 404
    for role, expected in {"leader": 403, "inspector": 404, "principal": 404}.items():
        api = api_for(users[role])
        assert (
            api.post(
                "/api/v1/schemes/2026-awards/adjust/",
                {"line": line.pk, "amount": 1, "reason": "x"},
                format="json",
            ).status_code
            == expected
        ), role
        assert (
            api.patch("/api/v1/schemes/2026-awards/", {"budget": 1}, format="json").status_code
            == expected
        ), role
    compute(api_for(users["staff"]))  # deleting an award put the scheme back to draft
    got = statuses(client_for, users, other_principal, "post", "/rewards/2026-awards/approve/")
    assert got == {
        "admin": 302,
        "leader": 302,
        "staff": 403,
        "inspector": 404,
        "principal": 404,
        "other_principal": 404,
    }
    assert Scheme.objects.get(pk=scheme.pk).status == "approved"


def test_every_evaluation_action_by_role(scheme, client_for, users, other_principal):
    got = statuses(
        client_for, users, other_principal, "get", "/evaluations/export.xlsx?list=far_below"
    )
    assert got == dict.fromkeys([*ROLES, "other_principal"], 200)
    got = statuses(
        client_for,
        users,
        other_principal,
        "post",
        "/evaluations/decide/",
        {
            "year": "2026-2027",
            "teacher": "T3",
            "kind": "excellent",
            "keep": "0",
            "reason": "后二分之一",
        },
    )
    assert got == {
        "admin": 302,
        "leader": 403,
        "staff": 302,
        "inspector": 403,
        "principal": 403,
        "other_principal": 403,
    }
    from rewards.models import EvaluationDecision

    assert EvaluationDecision.objects.count() == 2  # admin's and staff's


def test_admin_pages(scheme, client_for, users):
    from tests.factories import UserFactory

    c = client_for(UserFactory(username="root", is_staff=True, is_superuser=True))
    for url in [
        "/admin/rewards/scheme/",
        f"/admin/rewards/scheme/{scheme.pk}/change/",
        "/admin/rewards/awardline/",
        "/admin/rewards/lineadjustment/",
        "/admin/rewards/evaluation/",
        "/admin/rewards/evaluationdecision/",
    ]:
        assert c.get(url).status_code == 200, url
    assert client_for(users["staff"]).get("/admin/rewards/scheme/").status_code == 302
