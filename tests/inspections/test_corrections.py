"""An admin's correction of a submitted visit, with its log (docs/inspections-records.md)."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string

from core.errors import DomainError, NotAllowed
from inspections import selectors, services
from inspections.models import Visit, VisitCorrection
from inspections.services.corrections import visit_correct

from .conftest import DAY, full_scores

REASON = "督导员誊写时把备课得分 9 记成了 8"


@pytest.fixture
def submitted(draft, inspector, items):
    """备课 8, 上课 15, 作业 中 (6): total 8 + 30 + 6 = 44 of 60."""
    services.visit_update(visit=draft, user=inspector, scores=full_scores(items))
    return services.visit_submit(visit=draft, user=inspector)


def _scores(visit) -> dict:
    return {s.item_id: (s.points, s.level, s.comment) for s in visit.scores.all()}


# --- the service ---------------------------------------------------------------------------


def test_admin_corrects_and_exactly_the_changes_are_recorded(submitted, admin_user, items):
    correction = visit_correct(
        visit=submitted,
        user=admin_user,
        reason=REASON,
        scores=[
            {"item": items[0].pk, "points": 9},
            {"item": items[1].pk, "points": 15},  # unchanged: not recorded
            {"item": items[2].pk, "level": "好", "comment": "批改认真"},
        ],
        findings="作业批改记录不全",  # unchanged
        date=DAY + datetime.timedelta(days=1),
        kind="special",
    )
    assert correction.by == admin_user
    assert correction.reason == REASON
    assert correction.changes == [
        {"field": "date", "item": None, "before": "2026-10-15", "after": "2026-10-16"},
        {"field": "kind", "item": None, "before": "routine", "after": "special"},
        {
            "field": "score",
            "item": items[0].pk,
            "before": {"points": 8.0, "level": "", "comment": ""},
            "after": {"points": 9.0, "level": "", "comment": ""},
        },
        {
            "field": "score",
            "item": items[2].pk,
            "before": {"points": 6.0, "level": "中", "comment": ""},
            "after": {"points": 10.0, "level": "好", "comment": "批改认真"},
        },
    ]
    visit = Visit.objects.get(pk=submitted.pk)
    assert (visit.date, visit.kind, visit.status) == (
        datetime.date(2026, 10, 16),
        "special",
        "submitted",
    )
    assert _scores(visit) == {
        items[0].pk: (9.0, "", ""),
        items[1].pk: (15.0, "", ""),
        items[2].pk: (10.0, "好", "批改认真"),
    }


def test_percentage_is_recomputed(submitted, admin_user, items):
    before = selectors.visit_score(Visit.objects.get(pk=submitted.pk))
    assert before.total == 44  # 8×1 + 15×2 + 6×1
    visit_correct(
        visit=submitted, user=admin_user, reason=REASON, scores=[{"item": items[1].pk, "points": 9}]
    )
    after = selectors.visit_score(Visit.objects.get(pk=submitted.pk))
    assert after.total == 32  # 8×1 + 9×2 + 6×1
    assert after.percentage == pytest.approx(32 / 60)
    assert after.passed is False  # 0.533 < 0.6


def test_findings_change(submitted, admin_user):
    correction = visit_correct(
        visit=submitted, user=admin_user, reason="补充", findings="  作业批改记录不全；教案缺页  "
    )
    assert correction.changes == [
        {
            "field": "findings",
            "item": None,
            "before": "作业批改记录不全",
            "after": "作业批改记录不全；教案缺页",
        }
    ]


def test_no_change_records_nothing(submitted, admin_user, items):
    result = visit_correct(
        visit=submitted,
        user=admin_user,
        reason=REASON,
        scores=full_scores(items),
        findings="作业批改记录不全",
        date=DAY,
        kind="routine",
    )
    assert result is None
    assert not VisitCorrection.objects.exists()


def test_a_comment_not_sent_is_kept(submitted, admin_user, items):
    visit_correct(
        visit=submitted,
        user=admin_user,
        reason="补评语",
        scores=[{"item": items[0].pk, "points": 8, "comment": "教案齐全"}],
    )
    correction = visit_correct(
        visit=submitted, user=admin_user, reason=REASON, scores=[{"item": items[0].pk, "points": 9}]
    )
    assert correction.changes[0]["after"] == {"points": 9.0, "level": "", "comment": "教案齐全"}


@pytest.mark.parametrize("who", ["staff", "inspector", "principal", "leader"])
def test_only_admins_correct(who, request, submitted, items):
    with pytest.raises(NotAllowed) as caught:
        visit_correct(
            visit=submitted,
            user=request.getfixturevalue(who),
            reason=REASON,
            scores=[{"item": items[0].pk, "points": 9}],
        )
    assert caught.value.status_code == 403
    assert caught.value.message == "只有系统管理员可以更正已提交的督导记录"
    assert not VisitCorrection.objects.exists()


def test_a_draft_is_refused(draft, admin_user, items):
    with pytest.raises(DomainError) as caught:
        visit_correct(
            visit=draft, user=admin_user, reason=REASON, scores=[{"item": items[0].pk, "points": 9}]
        )
    assert caught.value.status_code == 400
    assert caught.value.message == "督导记录尚未提交，请直接修改草稿"


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reason_is_required(reason, submitted, admin_user, items):
    with pytest.raises(DomainError) as caught:
        visit_correct(
            visit=submitted,
            user=admin_user,
            reason=reason,
            scores=[{"item": items[0].pk, "points": 9}],
        )
    assert caught.value.message == "请填写更正原因"
    assert _scores(Visit.objects.get(pk=submitted.pk))[items[0].pk] == (8.0, "", "")


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ({"points": 11}, "检查项“备课·教案齐全”的得分须在 0 到 10 之间"),
        ({"level": "好"}, "检查项“备课·教案齐全”按分数评分，请填写得分"),
        ({"points": None}, "更正后检查项“备课·教案齐全”不能没有评分"),
    ],
)
def test_scores_are_checked_like_visit_update(score, message, submitted, admin_user, items):
    with pytest.raises(DomainError) as caught:
        visit_correct(
            visit=submitted, user=admin_user, reason=REASON, scores=[{"item": items[0].pk, **score}]
        )
    assert caught.value.message == message
    assert not VisitCorrection.objects.exists()


def test_an_unknown_kind_is_refused(submitted, admin_user):
    with pytest.raises(DomainError):
        visit_correct(visit=submitted, user=admin_user, reason=REASON, kind="party")


# --- the page ------------------------------------------------------------------------------


def _url(visit):
    return f"/inspections/{visit.pk}/correct/"


def test_page_for_admin(client_for, admin_user, submitted, items):
    response = client_for(admin_user).get(_url(submitted))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="points_{items[0].pk}" id="score-{items[0].pk}" value="8"' in html
    assert f'name="level_{items[2].pk}"' in html
    assert '<option value="中" selected>' in html
    assert 'name="reason"' in html


def _post(items, **overrides):
    data = {
        "date": "2026-10-15",
        "kind": "routine",
        "findings": "作业批改记录不全",
        f"points_{items[0].pk}": "9",
        f"comment_{items[0].pk}": "",
        f"points_{items[1].pk}": "15",
        f"comment_{items[1].pk}": "",
        f"level_{items[2].pk}": "中",
        f"comment_{items[2].pk}": "",
        "reason": REASON,
    }
    data.update(overrides)
    return data


def test_page_post_records_the_correction(client_for, admin_user, submitted, items):
    response = client_for(admin_user).post(_url(submitted), _post(items))
    assert response.status_code == 302
    correction = VisitCorrection.objects.get()
    assert correction.changes == [
        {
            "field": "score",
            "item": items[0].pk,
            "before": {"points": 8.0, "level": "", "comment": ""},
            "after": {"points": 9.0, "level": "", "comment": ""},
        }
    ]
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "已更正督导记录（1 处改动），并记入更正记录"
    ]


def test_page_post_without_change(client_for, admin_user, submitted, items):
    response = client_for(admin_user).post(
        _url(submitted), _post(items, **{f"points_{items[0].pk}": "8"})
    )
    assert response.status_code == 302
    assert not VisitCorrection.objects.exists()
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["没有改动，未记录更正"]


def test_page_post_needs_a_reason(client_for, admin_user, submitted, items):
    response = client_for(admin_user).post(_url(submitted), _post(items, reason=""))
    assert response.status_code == 400
    assert "请填写更正原因" in response.content.decode()
    assert not VisitCorrection.objects.exists()


def test_page_post_with_a_bad_score(client_for, admin_user, submitted, items):
    response = client_for(admin_user).post(
        _url(submitted), _post(items, **{f"points_{items[1].pk}": "25"})
    )
    assert response.status_code == 400
    assert "检查项“上课·课堂教学规范”的得分须在 0 到 20 之间" in response.content.decode()
    assert 'value="25"' in response.content.decode()  # what was typed is kept


@pytest.mark.parametrize(
    ("who", "status"),
    [("leader", 403), ("staff", 403), ("inspector", 403), ("principal", 403)],
)
def test_page_forbidden_to_others(who, status, request, client_for, submitted, items):
    client = client_for(request.getfixturevalue(who))
    assert client.get(_url(submitted)).status_code == status
    assert client.post(_url(submitted), _post(items)).status_code == status
    assert not VisitCorrection.objects.exists()


def test_page_not_found_for_another_school_or_missing(
    client_for, other_principal, admin_user, submitted
):
    assert client_for(other_principal).get(_url(submitted)).status_code == 404
    assert client_for(admin_user).get("/inspections/999999/correct/").status_code == 404


def test_page_for_a_draft_redirects_with_a_message(client_for, admin_user, draft):
    response = client_for(admin_user).get(_url(draft))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "督导记录尚未提交，请直接修改草稿"
    ]


def test_page_anonymous_to_login(client, submitted):
    response = client.get(_url(submitted))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the log partial -----------------------------------------------------------------------


def test_log_is_shown_to_whoever_sees_the_visit(submitted, admin_user, principal, items):
    visit_correct(
        visit=submitted,
        user=admin_user,
        reason="<script>x</script>",
        scores=[{"item": items[2].pk, "level": "好"}],
        kind="special",
    )
    html = render_to_string(
        "inspections/_visit_corrections.html",
        {"visit": Visit.objects.get(pk=submitted.pk), "user": principal, "can_change": False},
    )
    assert "更正记录" in html
    assert "admin" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>x" not in html
    assert "<td>督导类型</td><td" in html
    assert "常规督导" in html and "专项督导" in html
    assert "评分：作业·作业批改" in html
    assert "中（6 分）" in html and "好（10 分）" in html
    assert "/correct/" not in html  # no button for a principal

    html = render_to_string(
        "inspections/_visit_corrections.html",
        {"visit": submitted, "user": admin_user, "can_change": True},
    )
    assert f'href="/inspections/{submitted.pk}/correct/"' in html


def test_log_is_empty_without_corrections(submitted, draft, principal, admin_user):
    html = render_to_string(
        "inspections/_visit_corrections.html", {"visit": submitted, "user": principal}
    )
    assert "更正记录" not in html
    html = render_to_string(
        "inspections/_visit_corrections.html", {"visit": draft, "user": admin_user}
    )
    assert "/correct/" not in html  # a draft is edited, not corrected


# --- the API -------------------------------------------------------------------------------


def test_api_correct_by_admin(api_for, admin_user, submitted, items):
    response = api_for(admin_user).post(
        f"/api/v1/visits/{submitted.pk}/correct/",
        {"reason": REASON, "scores": [{"item": items[0].pk, "points": 9}], "kind": "special"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["kind"] == "special"
    assert body["status"] == "submitted"
    assert body["total"] == 45  # 9×1 + 15×2 + 6×1
    assert body["percentage"] == pytest.approx(0.75)  # 45 / 60
    assert VisitCorrection.objects.get().changes[0]["field"] == "kind"


def test_api_correct_errors(api_for, admin_user, submitted, draft, items):
    api = api_for(admin_user)
    response = api.post(f"/api/v1/visits/{submitted.pk}/correct/", {"reason": ""}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "请填写更正原因"
    response = api.post(f"/api/v1/visits/{submitted.pk}/correct/", {}, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("staff", 403),
        ("inspector", 403),
        ("principal", 403),
        ("other_principal", 403),
        ("leader", 403),
    ],
)
def test_api_correct_forbidden(who, status, request, api_for, submitted, items):
    response = api_for(request.getfixturevalue(who)).post(
        f"/api/v1/visits/{submitted.pk}/correct/",
        {"reason": REASON, "scores": [{"item": items[0].pk, "points": 9}]},
        format="json",
    )
    assert response.status_code == status
    assert not VisitCorrection.objects.exists()
