"""Checklists, versions, visits, validation and locking through inspections.services."""

import pytest

from bureau import access
from core.errors import DomainError, NotAllowed
from inspections import selectors, services
from inspections.models import ChecklistTemplate, VisitStatus

from ..factories import StudentFactory, UserFactory
from .conftest import DAY, ITEMS, full_scores


def _visit(user, school, checklist, **kwargs):
    args = {"date": DAY, "kind": "routine", "checklist": checklist, **kwargs}
    return services.visit_create(user=user, school=school, **args)


# --- checklists ----------------------------------------------------------------------------


def test_checklist_create(checklist, items, staff):
    assert checklist.version == 1
    assert checklist.frozen is False
    assert checklist.created_by == staff
    assert [(i.group, i.kind, i.max_points, i.weight, i.order) for i in items] == [
        ("备课", "points", 10, 1, 1),
        ("上课", "points", 20, 2, 2),
        ("作业", "level", 10, 1, 3),  # a level item's max is its highest level
    ]
    assert items[2].levels == {"好": 10, "中": 6, "差": 2}


@pytest.mark.parametrize("who", ["inspector", "principal", "leader"])
def test_only_managers_create_checklists(who, request):
    with pytest.raises(NotAllowed) as caught:
        services.checklist_create(
            name="x", pass_mark=0.6, items=ITEMS, user=request.getfixturevalue(who)
        )
    assert caught.value.status_code == 403
    assert caught.value.message == "只有局机关工作人员或管理员可以管理检查表"


@pytest.mark.parametrize(
    "pass_mark, items, message",
    [
        (1.5, ITEMS, "合格线是得分率的比例，须大于 0 且不超过 1（如 0.6）"),
        (0.6, [], "检查表至少要有一个检查项"),
        (
            0.6,
            [{"group": "备课", "text": "", "max_points": 10}],
            "第 1 项：类别和检查内容都不能为空",
        ),
        (0.6, [{"group": "备课", "text": "教案", "max_points": 0}], "第 1 项：满分必须大于 0"),
        (
            0.6,
            [{"group": "备课", "text": "教案", "max_points": 10, "weight": 0}],
            "第 1 项：权重必须大于 0",
        ),
        (
            0.6,
            [{"group": "作业", "text": "批改", "kind": "level"}],
            "第 1 项：等级评分项须列出等级及分值",
        ),
    ],
)
def test_checklist_validation(staff, pass_mark, items, message):
    with pytest.raises(DomainError) as caught:
        services.checklist_create(name="检查表", pass_mark=pass_mark, items=items, user=staff)
    assert caught.value.message == message


def test_revise_unused_checklist_in_place(checklist, staff):
    revised = services.checklist_revise(
        template=checklist, name="教学常规检查（修订）", pass_mark=0.7, items=ITEMS[:1], user=staff
    )
    assert revised.pk == checklist.pk
    assert (revised.version, revised.name, revised.pass_mark) == (1, "教学常规检查（修订）", 0.7)
    assert revised.items.count() == 1


def test_revise_used_checklist_makes_a_new_version(checklist, items, staff, inspector, school):
    visit = _visit(inspector, school, checklist, scores=full_scores(items))
    checklist.refresh_from_db()
    assert checklist.frozen is True

    revised = services.checklist_revise(
        template=checklist, name="教学常规检查", pass_mark=0.6, items=ITEMS[:2], user=staff
    )
    assert revised.pk != checklist.pk
    assert (revised.family, revised.version, revised.frozen) == (checklist.family, 2, False)
    assert revised.items.count() == 2
    # The old version and its visit keep their three items and scores.
    visit.refresh_from_db()
    assert visit.checklist_id == checklist.pk
    assert visit.checklist.version == 1
    assert [i.pk for i in visit.checklist.items.order_by("order")] == [i.pk for i in items]
    assert visit.scores.count() == 3
    assert selectors.visit_score(visit).total == 44  # 8 + 15×2 + 中 6

    # Revising the old version again makes version 3 of the family.
    third = services.checklist_revise(
        template=checklist, name="教学常规检查", pass_mark=0.6, items=ITEMS, user=staff
    )
    assert third.version == 3
    assert ChecklistTemplate.objects.filter(family=checklist.family).count() == 3

    with pytest.raises(DomainError) as caught:
        _visit(inspector, school, checklist)
    assert caught.value.message == "检查表“教学常规检查”已有新版本（第3版），请使用最新版本"


# --- visits --------------------------------------------------------------------------------


def test_visit_create_adds_the_inspector_and_freezes(draft, inspector, checklist):
    assert draft.status == VisitStatus.DRAFT
    assert list(draft.inspectors.all()) == [inspector]
    assert draft.created_by == inspector
    checklist.refresh_from_db()
    assert checklist.frozen is True
    result = selectors.visit_score(draft)
    assert result.total == 38  # 8 + 15×2; 作业 not scored
    assert result.possible == 60  # 10 + 20×2 + 10


def test_staff_records_a_visit_for_named_inspectors(staff, school, checklist):
    colleague = UserFactory(username="duxue2", role="inspector")
    visit = _visit(staff, school, checklist, inspectors=[colleague])
    assert list(visit.inspectors.all()) == [colleague]


def test_visit_needs_an_inspector_and_refuses_principals(staff, principal, school, checklist):
    with pytest.raises(DomainError) as caught:
        _visit(staff, school, checklist)
    assert caught.value.message == "至少要有一名督导人员"
    with pytest.raises(DomainError) as caught:
        _visit(staff, school, checklist, inspectors=[principal])
    assert caught.value.message == "以下用户不能作为督导人员：principal"


@pytest.mark.parametrize("who", ["principal", "leader"])
def test_principals_and_leaders_do_not_record_visits(who, request, school, checklist):
    with pytest.raises(NotAllowed) as caught:
        _visit(request.getfixturevalue(who), school, checklist)
    assert caught.value.status_code == 403
    assert caught.value.message == "只有督导员、局机关工作人员或管理员可以记录督导"


@pytest.mark.parametrize(
    "score, message",
    [
        ({"item": 0, "points": 21}, "检查项“上课·课堂教学规范”的得分须在 0 到 20 之间"),
        ({"item": 0, "points": -1}, "检查项“上课·课堂教学规范”的得分须在 0 到 20 之间"),
        ({"item": 0, "level": "好"}, "检查项“上课·课堂教学规范”按分数评分，请填写得分"),
        ({"item": 1, "level": "优"}, "检查项“作业·作业批改”没有等级“优”，只能是 好、中、差"),
        ({"item": 1, "points": 10}, "检查项“作业·作业批改”按等级评分，请选择等级：好、中、差"),
    ],
)
def test_score_validation(inspector, school, checklist, items, score, message):
    score = {**score, "item": items[score["item"] + 1].pk}
    with pytest.raises(DomainError) as caught:
        _visit(inspector, school, checklist, scores=[score])
    assert caught.value.message == message


def test_items_must_belong_to_the_checklist(inspector, school, checklist, staff):
    other = services.checklist_create(name="专项检查", pass_mark=0.6, items=ITEMS, user=staff)
    foreign = other.items.first()
    with pytest.raises(DomainError) as caught:
        _visit(inspector, school, checklist, scores=[{"item": foreign.pk, "points": 5}])
    assert caught.value.message == (f"评分项 {foreign.pk} 不属于检查表“教学常规检查（第1版）”")


def test_update_merges_scores(draft, inspector, items):
    services.visit_update(
        visit=draft,
        user=inspector,
        scores=[{"item": items[0].pk, "points": 9}, {"item": items[2].pk, "level": "好"}],
        findings="已整改",
    )
    draft.refresh_from_db()
    assert draft.findings == "已整改"
    assert selectors.visit_score(draft).total == 49  # 9 + 15×2 + 好 10


@pytest.mark.parametrize("who", ["principal", "leader", "other_inspector"])
def test_update_refused_to_others(draft, who, request):
    user = (
        UserFactory(username="duxue2", role="inspector")
        if who == "other_inspector"
        else request.getfixturevalue(who)
    )
    with pytest.raises(NotAllowed) as caught:
        services.visit_update(visit=draft, user=user, findings="x")
    assert caught.value.status_code == 403
    assert caught.value.message == "只有该次督导的督导人员、局机关工作人员或管理员可以修改督导记录"


def test_staff_may_update_any_draft(draft, staff, admin_user):
    services.visit_update(visit=draft, user=staff, kind="special")
    services.visit_update(visit=draft, user=admin_user, findings="无")
    draft.refresh_from_db()
    assert (draft.kind, draft.findings) == ("special", "无")


def test_checklist_cannot_be_changed(draft, inspector, staff):
    other = services.checklist_create(name="专项检查", pass_mark=0.6, items=ITEMS, user=staff)
    with pytest.raises(DomainError) as caught:
        services.visit_update(visit=draft, user=inspector, checklist=other)
    assert caught.value.message == "督导记录的检查表不能更换，请新建督导记录"


def test_submit_needs_every_item_then_locks(draft, inspector, items, staff):
    with pytest.raises(DomainError) as caught:
        services.visit_submit(visit=draft, user=inspector)
    assert caught.value.message == "以下检查项尚未评分，不能提交：作业·作业批改"
    assert caught.value.details == ["作业·作业批改"]

    services.visit_update(
        visit=draft, user=inspector, scores=[{"item": items[2].pk, "level": "差"}]
    )
    visit = services.visit_submit(visit=draft, user=inspector)
    assert visit.status == VisitStatus.SUBMITTED
    assert visit.submitted_at is not None

    for user in (inspector, staff):
        with pytest.raises(NotAllowed) as caught:
            services.visit_update(visit=visit, user=user, findings="改")
        assert caught.value.status_code == 403
        assert caught.value.message == "督导记录已提交，不能再修改"
        with pytest.raises(NotAllowed):
            services.visit_submit(visit=visit, user=user)


# --- selectors -----------------------------------------------------------------------------


def test_inspector_sees_students_of_visited_schools_only(
    inspector, school, other_school, checklist
):
    StudentFactory(school_class__school=school)
    StudentFactory(school_class__school=other_school)
    assert access.students_for(inspector).count() == 0
    visit = _visit(inspector, school, checklist)
    assert access.students_for(inspector).count() == 0  # a draft opens nothing
    items = list(checklist.items.order_by("order"))
    services.visit_update(visit=visit, user=inspector, scores=full_scores(items))
    services.visit_submit(visit=visit, user=inspector)
    assert {s.school.code for s in access.students_for(inspector)} == {"S001"}
    assert access.may_see_students_of(inspector, other_school.pk) is False


def test_visits_for_each_role(draft, inspector, staff, school, other_school, checklist, request):
    submitted_other = _visit(staff, other_school, checklist, inspectors=[inspector])
    services.visit_update(
        visit=submitted_other,
        user=staff,
        scores=full_scores(list(checklist.items.order_by("order"))),
    )
    services.visit_submit(visit=submitted_other, user=staff)
    everything = {draft.pk, submitted_other.pk}
    for who in ("admin_user", "leader", "staff", "inspector"):
        assert (
            set(selectors.visits_for(request.getfixturevalue(who)).values_list("pk", flat=True))
            == everything
        )
    # Principals: their own school's submitted visits only (S001 has a draft only).
    assert list(selectors.visits_for(request.getfixturevalue("principal"))) == []
    other = request.getfixturevalue("other_principal")
    assert [v.pk for v in selectors.visits_for(other)] == [submitted_other.pk]
