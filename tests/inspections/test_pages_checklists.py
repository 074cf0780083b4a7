"""Checklist pages: who may open them, the list's families, the form with its rows and errors,
and revising a frozen checklist (a new version; old visits keep theirs)."""

import pytest

from inspections import services
from inspections.models import ChecklistTemplate, ItemKind

from .conftest import DAY

ROLES = ["admin_user", "leader", "staff", "inspector", "principal", "other_principal"]
MANAGERS = {"admin_user", "staff"}


def user_for(request, role):
    return request.getfixturevalue(role)


def management(total, prefix="items"):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "100",
    }


def row(n, **fields):
    defaults = {"group": "", "text": "", "guidance": "", "kind": "points", "max_points": ""}
    defaults.update({"weight": "", "levels": ""})
    defaults.update(fields)
    return {f"items-{n}-{key}": value for key, value in defaults.items()}


def body(name="寄宿制管理检查", mark="60", rows=()):
    data = {"name": name, "pass_mark": mark, **management(len(rows))}
    for n, fields in enumerate(rows):
        data.update(row(n, **fields))
    return data


GOOD_ROWS = [
    {"group": "宿舍", "text": "宿舍整洁，一人一床", "max_points": "10", "weight": "2"},
    {"group": "", "text": "", "kind": "points"},  # blank: ignored
    {"group": "餐饮", "text": "食堂卫生", "kind": "level", "levels": "好=10，中=6，差=2"},
]


@pytest.mark.parametrize("role", ROLES)
def test_pages_per_role(request, client_for, checklist, role):
    client = client_for(user_for(request, role))
    assert client.get("/inspections/checklists/").status_code == 200
    assert client.get(f"/inspections/checklists/{checklist.pk}/").status_code == 200
    expected = 200 if role in MANAGERS else 403
    assert client.get("/inspections/checklists/new/").status_code == expected
    assert client.get(f"/inspections/checklists/{checklist.pk}/revise/").status_code == expected
    posted = client.post("/inspections/checklists/new/", body(rows=GOOD_ROWS))
    assert posted.status_code == (302 if role in MANAGERS else 403)


def test_anonymous_is_sent_to_login(client, checklist):
    for path in ("/inspections/checklists/", f"/inspections/checklists/{checklist.pk}/"):
        response = client.get(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_unknown_checklist_is_404(client_for, staff):
    assert client_for(staff).get("/inspections/checklists/999/").status_code == 404
    assert client_for(staff).get("/inspections/checklists/999/revise/").status_code == 404


def test_list_shows_latest_version_and_older_ones_folded(client_for, staff, checklist, draft):
    v2 = services.checklist_revise(
        template=checklist,
        name="教学常规检查",
        pass_mark=0.7,
        items=[{"group": "备课", "text": "教案", "kind": "points", "max_points": 10}],
        user=staff,
    )
    response = client_for(staff).get("/inspections/checklists/")
    families = response.context["families"]
    assert len(families) == 1
    latest = families[0]["latest"]
    assert latest["template"] == v2 and latest["items"] == 1 and latest["possible"] == 10
    assert [o["template"].version for o in families[0]["older"]] == [1]
    # v1: 10×1 + 20×2 + 10×1 (作业's best level) = 60
    assert families[0]["older"][0]["possible"] == 60
    html = response.content.decode()
    assert "第2版" in html and "1 个旧版本" in html and "70%" in html and "可修改" in html


def test_detail_groups_items_with_guidance_and_levels(client_for, principal, staff):
    template = services.checklist_create(
        name="教学常规",
        pass_mark=0.6,
        items=[
            {
                "group": "备课",
                "text": "教案齐全",
                "kind": "points",
                "max_points": 10,
                "guidance": "缺一课时扣1分",
            },
            {"group": "上课", "text": "候课", "kind": "points", "max_points": 5},
            {"group": "备课", "text": "集体备课", "kind": "level", "levels": {"好": 5, "差": 1}},
        ],
        user=staff,
    )
    response = client_for(principal).get(f"/inspections/checklists/{template.pk}/")
    groups = response.context["groups"]
    assert [g["name"] for g in groups] == ["备课", "上课"]
    assert [r["item"].text for r in groups[0]["items"]] == ["教案齐全", "集体备课"]
    assert groups[0]["items"][1]["levels"] == [("好", 5.0), ("差", 1.0)]
    html = response.content.decode()
    assert "缺一课时扣1分" in html
    assert "修订" not in html  # a principal reads, cannot revise


def test_create_from_the_form(client_for, staff):
    response = client_for(staff).post("/inspections/checklists/new/", body(rows=GOOD_ROWS))
    template = ChecklistTemplate.objects.get(name="寄宿制管理检查")
    assert response.status_code == 302
    assert response.url == f"/inspections/checklists/{template.pk}/"
    assert template.pass_mark == 0.6 and template.version == 1 and not template.frozen
    items = list(template.items.order_by("order"))
    assert [(i.group, i.text, i.kind, i.max_points, i.weight) for i in items] == [
        ("宿舍", "宿舍整洁，一人一床", ItemKind.POINTS, 10.0, 2.0),
        ("餐饮", "食堂卫生", ItemKind.LEVEL, 10.0, 1.0),
    ]
    assert items[1].levels == {"好": 10.0, "中": 6.0, "差": 2.0}


def test_row_errors_are_shown_on_their_rows(client_for, staff):
    rows = [
        {"group": "宿舍", "text": "宿舍整洁", "max_points": "10"},
        {"group": "宿舍", "text": "", "max_points": "abc"},
        {"group": "餐饮", "text": "食堂卫生", "kind": "level", "levels": "好10"},
        {"group": "安全", "text": "消防通道", "kind": "points", "weight": "0"},
    ]
    response = client_for(staff).post("/inspections/checklists/new/", body(rows=rows))
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert forms[0].errors == {}
    assert forms[1].errors == {"max_points": ["满分必须是数字"], "text": ["请填写检查内容"]}
    assert forms[2].errors == {"levels": ["“好10”看不懂：等级请写成 好=10,中=6,差=2"]}
    assert forms[3].errors == {"weight": ["权重必须大于 0"], "max_points": ["计分项须填写满分"]}
    html = response.content.decode()
    assert "第 2 行：" in html and "第 3 行：" in html and "第 4 行：" in html
    assert "第 1 行：" not in html
    assert not ChecklistTemplate.objects.exists()


def test_form_level_errors(client_for, staff):
    client = client_for(staff)
    empty = client.post("/inspections/checklists/new/", body(rows=[{}, {}]))
    assert empty.context["formset"].non_form_errors() == ["检查表至少要有一个检查项"]
    bad_mark = client.post("/inspections/checklists/new/", body(mark="120", rows=GOOD_ROWS))
    assert bad_mark.context["form"].errors == {"pass_mark": ["合格线须在 0.1 到 100 之间"]}
    assert not ChecklistTemplate.objects.exists()


def test_add_row_keeps_what_was_typed(client_for, staff):
    data = body(rows=GOOD_ROWS[:1]) | {"add_row": "1"}
    response = client_for(staff).post("/inspections/checklists/new/", data)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert len(formset.forms) == 2
    assert formset.forms[0].initial["text"] == "宿舍整洁，一人一床"
    assert not ChecklistTemplate.objects.exists()


def test_revise_form_is_prefilled(client_for, staff, checklist):
    response = client_for(staff).get(f"/inspections/checklists/{checklist.pk}/revise/")
    assert response.context["form"].initial == {"name": "教学常规检查", "pass_mark": "60"}
    rows = [f.initial for f in response.context["formset"].forms]
    assert len(rows) == 3 + 3  # the items and three spare rows
    assert rows[1]["max_points"] == "20" and rows[1]["weight"] == "2"
    assert rows[2]["levels"] == "好=10,中=6,差=2" and rows[2]["kind"] == "level"


def test_revise_unused_edits_in_place(client_for, staff, checklist):
    rows = [{"group": "备课", "text": "教案齐全", "max_points": "10"}]
    response = client_for(staff).post(
        f"/inspections/checklists/{checklist.pk}/revise/", body("教学常规（修订）", "55", rows)
    )
    assert response.status_code == 302
    assert response.url == f"/inspections/checklists/{checklist.pk}/"
    checklist.refresh_from_db()
    assert (checklist.name, checklist.version, checklist.pass_mark) == ("教学常规（修订）", 1, 0.55)
    assert checklist.items.count() == 1


def test_revise_frozen_makes_version_2_and_the_visit_keeps_version_1(
    client_for, staff, checklist, draft
):
    client = client_for(staff)
    rows = [
        {"group": "备课", "text": "教案齐全", "max_points": "10"},
        {"group": "作业", "text": "作业量控制（双减）", "kind": "level", "levels": "达标=5,超标=0"},
    ]
    response = client.post(
        f"/inspections/checklists/{checklist.pk}/revise/",
        body("教学常规检查", "60", rows),
        follow=True,
    )
    v2 = ChecklistTemplate.objects.get(family=checklist.family, version=2)
    assert response.redirect_chain == [(f"/inspections/checklists/{v2.pk}/", 302)]
    assert "已生成第2版" in response.content.decode()
    assert v2.items.count() == 2 and not v2.frozen
    checklist.refresh_from_db()
    assert checklist.version == 1 and checklist.frozen and checklist.items.count() == 3
    draft.refresh_from_db()
    assert draft.checklist_id == checklist.pk
    # The old version's page points to the new one.
    old = client.get(f"/inspections/checklists/{checklist.pk}/").content.decode()
    assert "这是旧版本，已有第2版" in old
    assert (
        services.visit_create(
            user=staff,
            school=draft.school,
            date=DAY,
            kind="routine",
            checklist=v2,
            inspectors=[staff],
        ).checklist
        == v2
    )
