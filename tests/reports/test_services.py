"""Bulletin services and selectors: numbering, editing, asking for a build, publishing, read
receipts, and who sees what."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from core.errors import DomainError, NotAllowed
from reports import selectors
from reports.models import BuildStatus, Bulletin, BulletinRead, BulletinStatus
from reports.services import bulletins as services

from ..factories import UserFactory
from .test_pages import make_bulletin

pytestmark = pytest.mark.django_db

READERS = ["leader", "inspector", "principal", "other_principal"]


@pytest.fixture
def role_user(request):
    return request.getfixturevalue(request.param)


@pytest.fixture
def draft():
    return make_bulletin(datetime.date(2026, 10, 1), status=BulletinStatus.DRAFT)


@pytest.fixture
def published():
    return make_bulletin(datetime.date(2026, 9, 1))


# --- numbering -----------------------------------------------------------------------------


def test_next_number_counts_within_the_year():
    assert services.next_number(2026) == 1
    make_bulletin(datetime.date(2026, 1, 1), number=1)
    make_bulletin(datetime.date(2026, 2, 1), number=2)
    make_bulletin(datetime.date(2025, 12, 1), number=5)
    # 1 + the highest number of that year.
    assert services.next_number(2026) == 3
    assert services.next_number(2025) == 6
    assert services.next_number(2027) == 1


# --- selectors -----------------------------------------------------------------------------


def test_bulletins_for_each_role(users, other_principal, draft, published):
    for role, user in users.items():
        seen = set(selectors.bulletins_for(user))
        if role in ("admin", "staff"):
            assert seen == {draft, published}
        else:
            assert seen == {published}
    assert set(selectors.bulletins_for(other_principal)) == {published}


def test_bulletins_newest_first(staff):
    make_bulletin(datetime.date(2026, 8, 1))
    make_bulletin(datetime.date(2026, 10, 1))
    make_bulletin(datetime.date(2026, 9, 1))
    periods = [b.period.month for b in selectors.bulletins_for(staff)]
    assert periods == [10, 9, 8]


def test_inactive_or_anonymous_see_nothing(published):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.bulletins_for(AnonymousUser()).exists()
    assert selectors.unread_count(AnonymousUser()) == 0


@pytest.mark.parametrize("role_user", READERS, indirect=True)
def test_a_draft_is_not_found_for_readers(role_user, draft, published):
    with pytest.raises(Http404):
        selectors.bulletin_get_for(role_user, draft.pk)
    assert selectors.bulletin_get_for(role_user, published.pk) == published


def test_unread_count_and_read_flag(leader, staff, draft, published):
    older = make_bulletin(datetime.date(2026, 8, 1))
    # Drafts never count, not even for staff.
    assert selectors.unread_count(leader) == 2
    assert selectors.unread_count(staff) == 2
    services.bulletin_mark_read(bulletin=older, user=leader)
    assert selectors.unread_count(leader) == 1
    assert selectors.unread_count(staff) == 2
    flags = {b.pk: b.is_read for b in selectors.with_read_flag(Bulletin.objects.all(), leader)}
    assert flags == {draft.pk: False, published.pk: False, older.pk: True}


def test_receipts(staff, leader, principal, admin_user, published):
    second = UserFactory(username="leader2", role="leader")
    UserFactory(username="gone", role="leader", is_active=False)
    services.bulletin_mark_read(bulletin=published, user=principal)
    services.bulletin_mark_read(bulletin=published, user=leader)
    receipts = selectors.bulletin_receipts(published)
    # Oldest first.
    assert [r.user for r in receipts.reads] == [principal, leader]
    assert receipts.unread_leaders == [second]
    # staff and admin_user; the inactive leader is nobody's business.
    assert receipts.unread_others == 2


# --- editing -------------------------------------------------------------------------------


def test_update_strips_and_queues_a_rebuild(staff, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.bulletin_update(
            bulletin=draft,
            user=staff,
            title="  2026年10月简报 ",
            news="\n 召开期中质量分析会。\r\n\r\n开展推门听课。 \n",
            examples="",
        )
    draft.refresh_from_db()
    assert draft.title == "2026年10月简报"
    assert draft.news == "召开期中质量分析会。\n\n开展推门听课。"
    assert draft.examples == ""
    assert draft.build_status == BuildStatus.QUEUED
    assert len(callbacks) == 1


def test_update_checks_lengths_and_title(staff, draft):
    with pytest.raises(DomainError, match="标题不能为空"):
        services.bulletin_update(bulletin=draft, user=staff, title="  ", news="", examples="")
    with pytest.raises(DomainError, match=r"工作动态不能超过 5000 字（现有 5001 字）"):
        services.bulletin_update(
            bulletin=draft, user=staff, title="简报", news="字" * 5001, examples=""
        )
    with pytest.raises(DomainError, match="标题不能超过 200 字"):
        services.bulletin_update(bulletin=draft, user=staff, title="题" * 201, news="", examples="")
    draft.refresh_from_db()
    assert draft.title == "示范县聚力提质工作简报"
    assert draft.build_status == BuildStatus.DONE


def test_update_refuses_a_published_bulletin(staff, published):
    with pytest.raises(DomainError, match="已发布的简报不能修改"):
        services.bulletin_update(bulletin=published, user=staff, title="新", news="", examples="")


@pytest.mark.parametrize("role_user", READERS, indirect=True)
def test_only_managers_write(role_user, draft):
    message = "只有局机关工作人员或管理员可以管理简报"
    with pytest.raises(NotAllowed, match=message):
        services.bulletin_update(bulletin=draft, user=role_user, title="新", news="", examples="")
    with pytest.raises(NotAllowed, match=message):
        services.bulletin_request_build(bulletin=draft, user=role_user)
    with pytest.raises(NotAllowed, match=message):
        services.bulletin_request_build(period=datetime.date(2026, 9, 1), user=role_user)
    with pytest.raises(NotAllowed, match=message):
        services.bulletin_publish(bulletin=draft, user=role_user)
    draft.refresh_from_db()
    assert draft.status == BulletinStatus.DRAFT
    assert Bulletin.objects.count() == 1


# --- asking for a build --------------------------------------------------------------------


def test_request_build_creates_the_month(admin_user, django_capture_on_commit_callbacks):
    make_bulletin(datetime.date(2026, 8, 1), number=8)
    with django_capture_on_commit_callbacks() as callbacks:
        bulletin = services.bulletin_request_build(
            period=datetime.date(2026, 9, 17), user=admin_user
        )
    assert bulletin.period == datetime.date(2026, 9, 1)
    # After 第8期 comes 第9期.
    assert (bulletin.year, bulletin.number) == (2026, 9)
    assert bulletin.build_status == BuildStatus.QUEUED
    assert bulletin.created_by == admin_user
    assert len(callbacks) == 1
    # Asking again for the same month reuses it.
    again = services.bulletin_request_build(period=datetime.date(2026, 9, 1), user=admin_user)
    assert again.pk == bulletin.pk
    assert Bulletin.objects.count() == 2


def test_request_build_refusals(staff, published):
    with pytest.raises(DomainError, match="已发布的简报不能重新生成"):
        services.bulletin_request_build(bulletin=published, user=staff)
    with pytest.raises(DomainError, match="已发布的简报不能重新生成"):
        services.bulletin_request_build(period=published.period, user=staff)
    next_month = timezone.localdate().replace(day=28) + datetime.timedelta(days=5)
    with pytest.raises(DomainError, match="不能生成未来月份的简报"):
        services.bulletin_request_build(period=next_month, user=staff)
    with pytest.raises(DomainError, match="请选择简报的月份"):
        services.bulletin_request_build(user=staff)
    assert Bulletin.objects.count() == 1


def test_failed_build_is_cleared_when_asked_again(staff, django_capture_on_commit_callbacks):
    failed = make_bulletin(
        status=BulletinStatus.DRAFT, build_status=BuildStatus.FAILED, build_error="超时"
    )
    with django_capture_on_commit_callbacks():
        services.bulletin_request_build(bulletin=failed, user=staff)
    failed.refresh_from_db()
    assert (failed.build_status, failed.build_error) == (BuildStatus.QUEUED, "")


# --- publishing ----------------------------------------------------------------------------


def test_publish_is_idempotent(staff, admin_user, draft):
    first = services.bulletin_publish(bulletin=draft, user=staff)
    assert first.status == BulletinStatus.PUBLISHED
    assert first.published_by == staff
    again = services.bulletin_publish(bulletin=draft, user=admin_user)
    assert again.published_at == first.published_at
    assert again.published_by == staff


def test_publish_from_the_command_line(draft):
    bulletin = services.bulletin_publish(bulletin=draft, user=None)
    assert bulletin.status == BulletinStatus.PUBLISHED
    assert bulletin.published_by is None
    assert bulletin.published_at is not None


@pytest.mark.parametrize(
    "build_status, label",
    [
        (BuildStatus.IDLE, "未生成"),
        (BuildStatus.QUEUED, "排队中"),
        (BuildStatus.RUNNING, "生成中"),
        (BuildStatus.FAILED, "生成失败"),
    ],
)
def test_publish_needs_a_finished_build(staff, build_status, label):
    bulletin = make_bulletin(status=BulletinStatus.DRAFT, build_status=build_status)
    with pytest.raises(DomainError, match=f"简报尚未生成完成（{label}），不能发布"):
        services.bulletin_publish(bulletin=bulletin, user=staff)


def test_publish_needs_the_pdf_file(staff):
    bulletin = make_bulletin(status=BulletinStatus.DRAFT, pdf=False)
    with pytest.raises(DomainError, match="简报的 PDF 文件不存在，请重新生成后再发布"):
        services.bulletin_publish(bulletin=bulletin, user=staff)
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.DRAFT


# --- read receipts -------------------------------------------------------------------------


def test_mark_read_once(leader, published):
    first = services.bulletin_mark_read(bulletin=published, user=leader)
    second = services.bulletin_mark_read(bulletin=published, user=leader)
    assert first.pk == second.pk
    assert BulletinRead.objects.count() == 1


def test_no_receipt_for_a_draft(staff, draft):
    assert services.bulletin_mark_read(bulletin=draft, user=staff) is None
    assert not BulletinRead.objects.exists()


# --- with the real engine ------------------------------------------------------------------


def test_build_then_publish_with_the_engine(staff, django_capture_on_commit_callbacks):
    """The month's draft is built in the background (in-process here) and can then be
    published; its PDF is served by the page."""
    with django_capture_on_commit_callbacks(execute=True):
        bulletin = services.bulletin_request_build(period=datetime.date(2026, 10, 1), user=staff)
    bulletin.refresh_from_db()
    assert bulletin.build_status == BuildStatus.DONE, bulletin.build_error
    assert bulletin.pages >= 1
    services.bulletin_publish(bulletin=bulletin, user=staff)
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.PUBLISHED
