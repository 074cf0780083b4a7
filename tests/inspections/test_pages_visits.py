"""Visit pages: who may open what, the scoring form (drafts, submit, errors), escaping and the
school profile's 督导记录 block (docs/inspections.md, "Pages")."""

import datetime

import pytest

from bureau.models import Role
from inspections import services
from inspections.models import Visit, VisitScore, VisitStatus
from tests.factories import UserFactory

from .conftest import DAY, full_scores

ROLES = ["admin_user", "leader", "staff", "inspector", "principal", "other_principal"]
RECORDERS = {"admin_user", "staff", "inspector"}
AJAX = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def user_for(request, role):
    return request.getfixturevalue(role)


@pytest.fixture
def submitted(inspector, school, checklist, items):
    """A submitted visit of S001: 备课 8, 上课 15, 作业 中 (6)."""
    visit = services.visit_create(
        user=inspector,
        school=school,
        date=datetime.date(2026, 10, 20),
        kind="unannounced",
        checklist=checklist,
        scores=full_scores(items),
        findings="课堂提问不足",
    )
    return services.visit_submit(visit=visit, user=inspector)


def post_form(items, *, a="", b="", level="", comments=("", "", ""), findings="", action="save"):
    return {
        f"points-{items[0].pk}": a,
        f"comment-{items[0].pk}": comments[0],
        f"points-{items[1].pk}": b,
        f"comment-{items[1].pk}": comments[1],
        f"level-{items[2].pk}": level,
        f"comment-{items[2].pk}": comments[2],
        "findings": findings,
        "action": action,
    }


# --- access, per role ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_list_and_coverage_per_role(request, client_for, role, school, other_school):
    client = client_for(user_for(request, role))
    assert client.get("/inspections/").status_code == 200
    principal = role in ("principal", "other_principal")
    assert client.get("/inspections/coverage/").status_code == (403 if principal else 200)
    assert client.get("/inspections/new/").status_code == (200 if role in RECORDERS else 403)


@pytest.mark.parametrize("path", ["/inspections/", "/inspections/new/", "/inspections/coverage/"])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.parametrize(
    ("role", "detail", "edit"),
    [
        ("admin_user", 200, 200),
        ("leader", 200, 403),
        ("staff", 200, 200),
        ("inspector", 200, 200),
        ("principal", 404, 404),  # a draft is not shown to the school yet
        ("other_principal", 404, 404),
    ],
)
def test_draft_pages_per_role(request, client_for, draft, role, detail, edit):
    client = client_for(user_for(request, role))
    assert client.get(f"/inspections/{draft.pk}/").status_code == detail
    assert client.get(f"/inspections/{draft.pk}/edit/").status_code == edit
    # An incomplete draft's submit goes back to the form with the message.
    submit = {200: 302, 403: 403, 404: 404}[edit]
    assert client.post(f"/inspections/{draft.pk}/submit/").status_code == submit


@pytest.mark.parametrize(
    ("role", "detail", "edit_get", "edit_post"),
    [
        ("admin_user", 200, 302, 403),  # locked: the form sends back to the visit
        ("leader", 200, 403, 403),
        ("staff", 200, 302, 403),
        ("inspector", 200, 302, 403),
        ("principal", 200, 403, 403),
        ("other_principal", 404, 404, 404),
    ],
)
def test_submitted_pages_per_role(
    request, client_for, submitted, items, role, detail, edit_get, edit_post
):
    client = client_for(user_for(request, role))
    assert client.get(f"/inspections/{submitted.pk}/").status_code == detail
    assert client.get(f"/inspections/{submitted.pk}/edit/").status_code == edit_get
    response = client.post(f"/inspections/{submitted.pk}/edit/", post_form(items, a="1"))
    assert response.status_code == edit_post
    assert client.post(f"/inspections/{submitted.pk}/submit/").status_code == edit_post
    assert VisitScore.objects.get(visit=submitted, item=items[0]).points == 8


def test_principal_of_s002_gets_404_for_s001_visit(client_for, other_principal, submitted):
    client = client_for(other_principal)
    not_yours = client.get(f"/inspections/{submitted.pk}/")
    absent = client.get("/inspections/999999/")
    assert not_yours.status_code == absent.status_code == 404
    assert not_yours.content == absent.content


def test_inspector_not_on_the_visit_may_read_but_not_change(client_for, draft, items):
    other = UserFactory(username="inspector2", role=Role.INSPECTOR)
    client = client_for(other)
    assert client.get(f"/inspections/{draft.pk}/").status_code == 200
    assert client.get(f"/inspections/{draft.pk}/edit/").status_code == 403
    response = client.post(f"/inspections/{draft.pk}/edit/", post_form(items, a="1", b="2"))
    assert response.status_code == 403
    assert client.post(f"/inspections/{draft.pk}/submit/").status_code == 403
    assert VisitScore.objects.get(visit=draft, item=items[0]).points == 8


def test_principal_cannot_change_an_inspectors_scores(client_for, principal, submitted, items):
    client = client_for(principal)
    response = client.post(
        f"/inspections/{submitted.pk}/edit/", post_form(items, a="0", b="0", level="差")
    )
    assert response.status_code == 403
    assert [s.points for s in submitted.scores.order_by("item__order")] == [8, 15, 6]


# --- list ----------------------------------------------------------------------------------


def test_list_rows_filters_and_scope(
    client_for, staff, principal, draft, submitted, other_school, checklist
):
    other = services.visit_create(
        user=staff,
        school=other_school,
        date=DAY,
        kind="special",
        checklist=checklist,
        inspectors=[staff],
    )

    def ids(client, query=""):
        return [r["visit"].pk for r in client.get("/inspections/" + query).context["rows"]]

    client = client_for(staff)
    assert ids(client) == [submitted.pk, other.pk, draft.pk]  # newest date first, then newest
    assert ids(client, "?school=S002") == [other.pk]
    assert ids(client, "?kind=unannounced") == [submitted.pk]
    assert ids(client, "?status=draft") == [other.pk, draft.pk]
    page = client.get("/inspections/").content.decode()
    assert "新建督导记录" in page and "73.3%" in page  # (8 + 15×2 + 6) / (10 + 20×2 + 10)
    # A principal sees only the own school's submitted visits, and no button to record.
    principal_page = client_for(principal).get("/inspections/")
    assert [r["visit"].pk for r in principal_page.context["rows"]] == [submitted.pk]
    assert "新建督导记录" not in principal_page.content.decode()


def test_list_filters_by_term(client_for, staff, submitted, draft):
    from tests.factories import AcademicYearFactory, TermFactory

    year = AcademicYearFactory()
    autumn = TermFactory(year=year, number=1)
    spring = TermFactory(
        year=year, number=2, start=datetime.date(2027, 2, 1), end=datetime.date(2027, 7, 15)
    )
    client = client_for(staff)
    rows = client.get(f"/inspections/?term={autumn.pk}").context["rows"]
    assert [r["visit"].pk for r in rows] == [submitted.pk, draft.pk]
    assert client.get(f"/inspections/?term={spring.pk}").context["rows"] == []


# --- new -----------------------------------------------------------------------------------


def test_new_visit_creates_a_draft_and_opens_the_form(
    client_for, inspector, staff, school, checklist
):
    client = client_for(inspector)
    page = client.get("/inspections/new/?school=S001")
    assert page.status_code == 200
    assert page.context["form"]["date"].value() is not None
    response = client.post(
        "/inspections/new/",
        {
            "school": "S001",
            "date": "2026-11-02",
            "kind": "unannounced",
            "checklist": checklist.pk,
            "inspectors": ["staff"],
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == f"/inspections/{visit.pk}/edit/"
    assert visit.status == VisitStatus.DRAFT and visit.kind == "unannounced"
    assert visit.date == datetime.date(2026, 11, 2) and visit.school == school
    assert sorted(u.username for u in visit.inspectors.all()) == ["inspector", "staff"]


def test_new_visit_offers_only_the_latest_checklist_version(client_for, staff, draft, checklist):
    from .conftest import ITEMS

    newer = services.checklist_revise(
        template=checklist, name="教学常规检查", pass_mark=0.6, items=ITEMS, user=staff
    )
    choices = list(
        client_for(staff).get("/inspections/new/").context["form"].fields["checklist"].queryset
    )
    assert choices == [newer]


@pytest.mark.parametrize("role", ["leader", "principal", "other_principal"])
def test_new_visit_post_refused(request, client_for, role, school, checklist):
    response = client_for(user_for(request, role)).post(
        "/inspections/new/",
        {"school": "S001", "date": "2026-11-02", "kind": "routine", "checklist": checklist.pk},
    )
    assert response.status_code == 403
    assert not Visit.objects.exists()


# --- the scoring form ----------------------------------------------------------------------


def test_form_shows_the_draft_for_a_phone(client_for, inspector, draft, items):
    page = client_for(inspector).get(f"/inspections/{draft.pk}/edit/").content.decode()
    assert f'name="points-{items[0].pk}" value="8"' in page
    assert 'step="0.5" inputmode="decimal"' in page
    assert f'name="level-{items[2].pk}" value="好"' in page  # big radio buttons 好/中/差
    assert "10 分" in page and "6 分" in page and "2 分" in page
    assert "保存草稿" in page and "提交" in page and "js/visit-draft.js" in page
    assert f'data-draft-key="{draft.pk}:{inspector.pk}"' in page


def test_saving_a_draft_with_partial_scores_stores_exactly_those(
    client_for, inspector, school, checklist, items
):
    visit = services.visit_create(
        user=inspector, school=school, date=DAY, kind="routine", checklist=checklist
    )
    response = client_for(inspector).post(
        f"/inspections/{visit.pk}/edit/",
        post_form(items, b="17.5", comments=("", "讲练结合", ""), findings="板书不规范"),
    )
    assert response.status_code == 302 and response.url == f"/inspections/{visit.pk}/edit/"
    scores = {s.item_id: (s.points, s.level, s.comment) for s in visit.scores.all()}
    assert scores == {items[1].pk: (17.5, "", "讲练结合")}
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DRAFT and visit.findings == "板书不规范"


def test_clearing_an_item_clears_it(client_for, inspector, draft, items):
    client_for(inspector).post(f"/inspections/{draft.pk}/edit/", post_form(items, b="15"))
    scores = {s.item_id: s.points for s in draft.scores.all()}
    assert scores == {items[0].pk: None, items[1].pk: 15}


def test_submit_computes_the_total(client_for, inspector, draft, items):
    response = client_for(inspector).post(
        f"/inspections/{draft.pk}/edit/",
        post_form(items, a="9", b="16.5", level="好", action="submit"),
    )
    assert response.status_code == 302 and response.url == f"/inspections/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == VisitStatus.SUBMITTED
    page = client_for(inspector).get(f"/inspections/{draft.pk}/")
    result = page.context["result"]
    # 9×1 + 16.5×2 + 10×1 = 52 of 10 + 40 + 10 = 60; 52 / 60 = 0.866667 ≥ 0.6
    assert result.total == 52 and result.possible == 60
    assert result.percentage == pytest.approx(0.866667)
    assert result.passed is True
    html = page.content.decode()
    assert "86.7%" in html and "合格" in html
    assert "data-visit-draft-clear" in html  # the page clears the phone's local copy


def test_submit_of_an_incomplete_visit_saves_and_names_the_missing_item(
    client_for, inspector, draft, items
):
    response = client_for(inspector).post(
        f"/inspections/{draft.pk}/edit/", post_form(items, a="7", b="15", action="submit")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "以下检查项尚未评分，不能提交：作业·作业批改" in html
    assert response.context["errors"] == {items[2].pk: "尚未评分"}
    draft.refresh_from_db()
    assert draft.status == VisitStatus.DRAFT
    assert VisitScore.objects.get(visit=draft, item=items[0]).points == 7  # the save went through


def test_out_of_range_points_are_shown_next_to_the_item_and_nothing_is_saved(
    client_for, inspector, draft, items
):
    response = client_for(inspector).post(
        f"/inspections/{draft.pk}/edit/", post_form(items, a="12", b="abc", level="中")
    )
    assert response.status_code == 200
    assert response.context["errors"] == {
        items[0].pk: "得分须在 0 到 10 之间",
        items[1].pk: "得分必须是数字",
    }
    html = response.content.decode()
    assert 'value="12"' in html and 'value="abc"' in html  # what was typed is kept
    assert "有 2 项填写有误" in html
    assert not VisitScore.objects.filter(visit=draft, item=items[2]).exists()


def test_background_save_answers_json(client_for, inspector, draft, items):
    client = client_for(inspector)
    response = client.post(
        f"/inspections/{draft.pk}/edit/", post_form(items, a="8", b="15", level="差"), **AJAX
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["status"] == "draft" and body["scored"] == 3
    assert body["total"] == 40 and body["possible"] == 60  # 8 + 30 + 2
    assert len(body["version"]) == 16
    page = client.get(f"/inspections/{draft.pk}/edit/")
    assert page.context["version"] == body["version"]

    bad = client.post(f"/inspections/{draft.pk}/edit/", post_form(items, a="-1"), **AJAX)
    assert bad.status_code == 400
    assert bad.json()["errors"] == {str(items[0].pk): "得分须在 0 到 10 之间"}


def test_submit_button_on_the_visit_page(client_for, inspector, draft, items):
    client = client_for(inspector)
    refused = client.post(f"/inspections/{draft.pk}/submit/", follow=True)
    assert "以下检查项尚未评分，不能提交：作业·作业批改" in refused.content.decode()
    services.visit_update(visit=draft, user=inspector, scores=full_scores(items)[2:])
    response = client.post(f"/inspections/{draft.pk}/submit/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == VisitStatus.SUBMITTED
    assert client.get(f"/inspections/{draft.pk}/submit/").status_code == 405


def test_free_text_is_escaped(client_for, inspector, principal, draft, items):
    evil = '<script>alert("x")</script>'
    client = client_for(inspector)
    client.post(
        f"/inspections/{draft.pk}/edit/",
        post_form(
            items,
            a="8",
            b="15",
            level="好",
            comments=(evil, "", ""),
            findings=evil,
            action="submit",
        ),
    )
    for who in (inspector, principal):
        html = client_for(who).get(f"/inspections/{draft.pk}/").content.decode()
        assert evil not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_free_text_is_escaped_in_the_form(client_for, inspector, draft, items):
    evil = "</textarea><b>x</b>"
    services.visit_update(visit=draft, user=inspector, findings=evil)
    html = client_for(inspector).get(f"/inspections/{draft.pk}/edit/").content.decode()
    assert evil not in html and "&lt;/textarea&gt;&lt;b&gt;x&lt;/b&gt;" in html


# --- school profile ------------------------------------------------------------------------


def test_school_profile_block(client_for, inspector, principal, staff, draft, submitted):
    staff_page = client_for(staff).get("/schools/S001/")
    block = staff_page.context["school_visits"]
    assert [r["visit"].pk for r in block["rows"]] == [submitted.pk, draft.pk]
    assert block["chart"]["values"] == [73.3]  # (8 + 30 + 6) / 60 = 0.7333
    assert block["chart"]["labels"] == ["2026-10-20"]
    assert "督导得分率" in staff_page.content.decode()
    principal_page = client_for(principal).get("/schools/S001/")
    assert [r["visit"].pk for r in principal_page.context["school_visits"]["rows"]] == [
        submitted.pk
    ]
    html = principal_page.content.decode()
    assert 'id="visits"' in html and "新建督导记录" not in html


def test_school_profile_without_visits(client_for, principal, school):
    html = client_for(principal).get("/schools/S001/").content.decode()
    assert "暂无督导记录" in html
