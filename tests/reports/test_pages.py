"""The bulletin pages (/bulletins/…) for every role: drafts for admins and staff only, the
unread badge, read receipts, the PDF, and the staff's edit, build and publish buttons.

Bulletins here are rows with a small stand-in PDF file; the real rendering is tested in
test_build.py / test_pdf.py."""

import datetime
import secrets
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from reports.models import BuildStatus, Bulletin, BulletinRead, BulletinStatus

pytestmark = pytest.mark.django_db

FAKE_PDF = b"%PDF-1.4\n% stand-in for a rendered bulletin\n%%EOF\n"
ROLES = ["admin_user", "leader", "staff", "inspector", "principal", "other_principal"]
MANAGERS = ["admin_user", "staff"]
READERS = ["leader", "inspector", "principal", "other_principal"]


def make_bulletin(
    period=datetime.date(2026, 10, 1),
    *,
    number=None,
    status=BulletinStatus.PUBLISHED,
    pdf=True,
    build_status=BuildStatus.DONE,
    **fields,
) -> Bulletin:
    """A bulletin row as a finished build leaves it, with a stand-in PDF under MEDIA_ROOT."""
    name = ""
    if pdf:
        name = f"{secrets.token_urlsafe(12)}.pdf"
        folder = Path(settings.MEDIA_ROOT) / "bulletins"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(FAKE_PDF)
    published = status == BulletinStatus.PUBLISHED
    return Bulletin.objects.create(
        period=period,
        year=period.year,
        number=number or period.month,
        title=fields.pop("title", "示范县聚力提质工作简报"),
        status=status,
        pdf_name=name,
        pages=4 if pdf else None,
        build_status=build_status,
        built_at=timezone.now() if build_status == BuildStatus.DONE else None,
        published_at=timezone.now() if published else None,
        **fields,
    )


@pytest.fixture
def published():
    return make_bulletin(
        datetime.date(2026, 9, 1),
        news="9月全县开展开学工作专项督导。",
        examples="城关第一初级中学李老师的作业分层做法值得推广。",
    )


@pytest.fixture
def draft():
    return make_bulletin(datetime.date(2026, 10, 1), status=BulletinStatus.DRAFT)


@pytest.fixture
def role_user(request):
    return request.getfixturevalue(request.param)


# --- the list ------------------------------------------------------------------------------


@pytest.mark.parametrize("role_user", ROLES, indirect=True)
def test_list_shows_published_to_everyone_and_drafts_to_managers(
    role_user, client_for, published, draft
):
    response = client_for(role_user).get("/bulletins/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2026年第9期" in html
    assert "2026-09" in html
    manager = role_user.role in ("admin", "staff")
    assert ("2026年第10期" in html) is manager
    assert ("生成该月简报" in html) is manager
    assert (f"/bulletins/{draft.pk}/publish/" in html) is manager
    assert (f"/bulletins/{draft.pk}/edit/" in html) is manager


def test_list_needs_login(client):
    response = client.get("/bulletins/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_unread_badge_disappears_after_reading(leader, client_for, published):
    make_bulletin(datetime.date(2026, 8, 1))
    c = client_for(leader)
    html = c.get("/bulletins/").content.decode()
    assert "2 期简报未读" in html
    assert html.count(">未读</span>") == 2
    assert c.get(f"/bulletins/{published.pk}/").status_code == 200
    html = c.get("/bulletins/").content.decode()
    assert "1 期简报未读" in html
    assert html.count(">未读</span>") == 1
    # The other bulletin is still unread; reading it clears the count.
    other = Bulletin.objects.get(period=datetime.date(2026, 8, 1))
    assert c.get(f"/bulletins/{other.pk}/pdf/").status_code == 200
    html = c.get("/bulletins/").content.decode()
    assert "简报都已读过" in html
    assert ">未读</span>" not in html


def test_a_draft_never_counts_as_unread(leader, staff, client_for, draft):
    for user in (leader, staff):
        html = client_for(user).get("/bulletins/").content.decode()
        assert "简报都已读过" in html


def test_staff_see_build_status_and_error(staff, client_for):
    make_bulletin(
        datetime.date(2026, 7, 1),
        status=BulletinStatus.DRAFT,
        pdf=False,
        build_status=BuildStatus.QUEUED,
    )
    make_bulletin(
        datetime.date(2026, 8, 1),
        status=BulletinStatus.DRAFT,
        pdf=False,
        build_status=BuildStatus.FAILED,
        build_error="字体缺失：Noto Sans CJK",
    )
    html = client_for(staff).get("/bulletins/").content.decode()
    assert "排队中" in html
    assert "生成失败" in html
    assert "字体缺失：Noto Sans CJK" in html


def test_list_escapes_the_title(staff, client_for):
    make_bulletin(title="<script>alert(1)</script>")
    html = client_for(staff).get("/bulletins/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


# --- one bulletin --------------------------------------------------------------------------


@pytest.mark.parametrize("role_user", ROLES, indirect=True)
def test_detail_of_a_published_bulletin_for_every_role(role_user, client_for, published):
    response = client_for(role_user).get(f"/bulletins/{published.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "示范县聚力提质工作简报" in html
    assert "下载 PDF" in html
    assert f"/bulletins/{published.pk}/pdf/" in html
    assert BulletinRead.objects.filter(bulletin=published, user=role_user).count() == 1


@pytest.mark.parametrize("role_user", ROLES, indirect=True)
def test_a_draft_is_404_to_readers_and_200_to_managers(role_user, client_for, draft):
    c = client_for(role_user)
    expected = 200 if role_user.role in ("admin", "staff") else 404
    assert c.get(f"/bulletins/{draft.pk}/").status_code == expected
    assert c.get(f"/bulletins/{draft.pk}/pdf/").status_code == expected
    # Drafts leave no read receipts, not even for staff.
    assert not BulletinRead.objects.exists()


@pytest.mark.parametrize("role_user", ROLES, indirect=True)
def test_an_absent_bulletin_is_404(role_user, client_for):
    c = client_for(role_user)
    assert c.get("/bulletins/999/").status_code == 404
    assert c.get("/bulletins/999/pdf/").status_code == 404


def test_read_receipt_is_made_once(leader, client_for, published):
    c = client_for(leader)
    c.get(f"/bulletins/{published.pk}/")
    first = BulletinRead.objects.get(bulletin=published, user=leader).read_at
    c.get(f"/bulletins/{published.pk}/")
    c.get(f"/bulletins/{published.pk}/pdf/")
    assert BulletinRead.objects.filter(bulletin=published).count() == 1
    assert BulletinRead.objects.get(bulletin=published, user=leader).read_at == first


@pytest.mark.parametrize("role_user", ROLES, indirect=True)
def test_pdf_inline_with_its_name(role_user, client_for, published):
    response = client_for(role_user).get(f"/bulletins/{published.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline")
    # 简报-2026年第9期.pdf, RFC 5987-encoded.
    assert "filename*=utf-8''%E7%AE%80%E6%8A%A5-2026%E5%B9%B4%E7%AC%AC9%E6%9C%9F.pdf" in disposition
    assert b"".join(response.streaming_content) == FAKE_PDF
    assert BulletinRead.objects.filter(bulletin=published, user=role_user).count() == 1


def test_pdf_missing_file_is_404(staff, client_for):
    bulletin = make_bulletin(status=BulletinStatus.DRAFT, pdf=False, build_status=BuildStatus.IDLE)
    c = client_for(staff)
    assert c.get(f"/bulletins/{bulletin.pk}/pdf/").status_code == 404
    html = c.get(f"/bulletins/{bulletin.pk}/").content.decode()
    assert "下载 PDF" not in html
    assert "简报尚未生成" in html


def test_detail_escapes_news(staff, client_for):
    bulletin = make_bulletin(news="<b>加粗</b>开学督导", examples="<img src=x onerror=alert(1)>")
    html = client_for(staff).get(f"/bulletins/{bulletin.pk}/").content.decode()
    assert "<b>加粗</b>" not in html
    assert "&lt;b&gt;加粗&lt;/b&gt;开学督导" in html
    assert "<img src=x" not in html


# --- read receipts for staff ---------------------------------------------------------------


def test_staff_see_who_has_read(staff, admin_user, leader, principal, client_for, published):
    from tests.factories import UserFactory

    other_leader = UserFactory(username="leader2", role="leader", full_name="赵副局长")
    client_for(leader).get(f"/bulletins/{published.pk}/")
    client_for(principal).get(f"/bulletins/{published.pk}/pdf/")
    html = client_for(staff).get(f"/bulletins/{published.pk}/").content.decode()
    assert "阅读情况" in html
    # leader, principal and staff themselves (opening the page is reading it).
    assert "已读 3 人" in html
    assert "未读的局领导：" in html
    assert "赵副局长" in html
    # admin_user and leader2's siblings: admin_user has not read it; leader2 is listed apart.
    assert "其他用户未读 1 人" in html
    receipts = html.split("阅读情况")[1]
    assert "局领导" in receipts and "校长" in receipts
    # Once leader2 reads it, every leader has.
    client_for(other_leader).get(f"/bulletins/{published.pk}/")
    html = client_for(staff).get(f"/bulletins/{published.pk}/").content.decode()
    assert "局领导都已阅读" in html
    assert "已读 4 人" in html


@pytest.mark.parametrize("role_user", READERS, indirect=True)
def test_readers_do_not_see_receipts(role_user, client_for, published):
    html = client_for(role_user).get(f"/bulletins/{published.pk}/").content.decode()
    assert "阅读情况" not in html
    assert "发布" in html  # 发布于 …
    assert f"/bulletins/{published.pk}/edit/" not in html


# --- staff actions -------------------------------------------------------------------------


@pytest.mark.parametrize("role_user", READERS, indirect=True)
def test_actions_are_403_to_readers(role_user, client_for, draft, published):
    c = client_for(role_user)
    for pk in (draft.pk, published.pk, 999):
        assert c.get(f"/bulletins/{pk}/edit/").status_code == 403
        assert c.post(f"/bulletins/{pk}/edit/", {"title": "x"}).status_code == 403
        assert c.post(f"/bulletins/{pk}/build/").status_code == 403
        assert c.post(f"/bulletins/{pk}/publish/").status_code == 403
    assert c.post("/bulletins/build/", {"period": "2026-10"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == BulletinStatus.DRAFT
    assert draft.build_status == BuildStatus.DONE


@pytest.mark.parametrize("role_user", MANAGERS, indirect=True)
def test_managers_edit_a_draft(role_user, client_for, draft, django_capture_on_commit_callbacks):
    c = client_for(role_user)
    page = c.get(f"/bulletins/{draft.pk}/edit/")
    assert page.status_code == 200
    assert "工作动态" in page.content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = c.post(
            f"/bulletins/{draft.pk}/edit/",
            {"title": "  十月简报  ", "news": " 召开质量分析会。 ", "examples": "王老师"},
        )
    assert response.status_code == 302
    assert response["Location"] == f"/bulletins/{draft.pk}/"
    draft.refresh_from_db()
    assert (draft.title, draft.news, draft.examples) == ("十月简报", "召开质量分析会。", "王老师")
    # The PDF must say what the page says: a rebuild is queued after the commit.
    assert draft.build_status == BuildStatus.QUEUED
    assert len(callbacks) == 1


def test_edit_keeps_form_errors(staff, client_for, draft):
    response = client_for(staff).post(f"/bulletins/{draft.pk}/edit/", {"title": ""})
    assert response.status_code == 200
    assert "该字段是必填项" in response.content.decode()
    draft.refresh_from_db()
    assert draft.title == "示范县聚力提质工作简报"


def test_editing_a_published_bulletin_is_refused(staff, client_for, published):
    c = client_for(staff)
    response = c.get(f"/bulletins/{published.pk}/edit/", follow=True)
    assert "已发布的简报不能修改" in response.content.decode()
    response = c.post(f"/bulletins/{published.pk}/edit/", {"title": "改了"})
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.title == "示范县聚力提质工作简报"


@pytest.mark.parametrize("role_user", MANAGERS, indirect=True)
def test_managers_publish_a_built_draft(role_user, client_for, draft):
    response = client_for(role_user).post(f"/bulletins/{draft.pk}/publish/")
    assert response.status_code == 302
    assert response["Location"] == f"/bulletins/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.status == BulletinStatus.PUBLISHED
    assert draft.published_by == role_user
    assert draft.published_at is not None


def test_publish_refuses_an_unbuilt_draft(staff, client_for):
    bulletin = make_bulletin(
        status=BulletinStatus.DRAFT, pdf=False, build_status=BuildStatus.RUNNING
    )
    response = client_for(staff).post(f"/bulletins/{bulletin.pk}/publish/", follow=True)
    assert "简报尚未生成完成（生成中），不能发布" in response.content.decode()
    bulletin.refresh_from_db()
    assert bulletin.status == BulletinStatus.DRAFT


@pytest.mark.parametrize("role_user", MANAGERS, indirect=True)
def test_managers_rebuild_a_draft(role_user, client_for, draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(role_user).post(f"/bulletins/{draft.pk}/build/")
    assert response.status_code == 302
    assert response["Location"] == "/bulletins/"
    draft.refresh_from_db()
    assert draft.build_status == BuildStatus.QUEUED
    assert len(callbacks) == 1


def test_rebuilding_a_published_bulletin_is_refused(staff, client_for, published):
    response = client_for(staff).post(f"/bulletins/{published.pk}/build/", follow=True)
    assert "已发布的简报不能重新生成" in response.content.decode()
    published.refresh_from_db()
    assert published.build_status == BuildStatus.DONE


def test_build_a_month(staff, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(staff).post("/bulletins/build/", {"period": "2026-10"}, follow=True)
    assert "已开始生成 2026-10 简报（2026年第1期）" in response.content.decode()
    bulletin = Bulletin.objects.get()
    assert bulletin.period == datetime.date(2026, 10, 1)
    assert (bulletin.year, bulletin.number) == (2026, 1)
    assert bulletin.status == BulletinStatus.DRAFT
    assert bulletin.build_status == BuildStatus.QUEUED
    assert bulletin.created_by == staff
    assert len(callbacks) == 1


def test_build_a_month_rejects_bad_months(staff, client_for):
    c = client_for(staff)
    response = c.post("/bulletins/build/", {"period": "十月"}, follow=True)
    assert "请选择月份，如 2026-10" in response.content.decode()
    future = (timezone.localdate().replace(day=1) + datetime.timedelta(days=40)).strftime("%Y-%m")
    response = c.post("/bulletins/build/", {"period": future}, follow=True)
    assert "不能生成未来月份的简报" in response.content.decode()
    assert not Bulletin.objects.exists()


def test_build_endpoints_need_post(staff, client_for, draft):
    c = client_for(staff)
    assert c.get(f"/bulletins/{draft.pk}/build/").status_code == 405
    assert c.get(f"/bulletins/{draft.pk}/publish/").status_code == 405
    assert c.get("/bulletins/build/").status_code == 405


# --- Django admin --------------------------------------------------------------------------


def test_admin_lists_and_shows_bulletins_read_only(client, published, leader):
    from tests.factories import UserFactory

    root = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    BulletinRead.objects.create(bulletin=published, user=leader)
    client.force_login(root)
    assert client.get("/admin/reports/bulletin/").status_code == 200
    page = client.get(f"/admin/reports/bulletin/{published.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    # The snapshot and the PDF name are shown, not editable.
    assert 'name="content"' not in html
    assert 'name="pdf_name"' not in html
    assert 'name="title"' in html
    assert client.get("/admin/reports/bulletinread/").status_code == 200
