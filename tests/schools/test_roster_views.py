"""Roster import pages: upload → preview → confirm, the annotated workbook, permissions."""

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from schools.models import School, Teacher

from ..factories import AcademicYearFactory

IMPORT = "/roster/import/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def roster(stage_of_second_school="初中") -> bytes:
    return workbook(
        {
            "学校": [
                ["学校代码", "学校名称", "学段", "城乡"],
                ["S101", "青石镇初级中学", "初中", "镇区"],
                ["S102", "县实验中学", stage_of_second_school, "城区"],
            ],
            "教师": [
                ["工号", "姓名", "性别", "出生年份", "学校代码", "学历"],
                ["JS0001", "刘春梅", "女", 1980, "S101", "本科"],
            ],
        }
    )


def upload(client, data: bytes, name="名册.xlsx"):
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data, content_type=XLSX)})


def token_of(response) -> str:
    match = re.fullmatch(r"/roster/import/([0-9a-f]{32})/", response["Location"])
    assert match, response["Location"]
    return match.group(1)


@pytest.fixture(autouse=True)
def year(db):
    return AcademicYearFactory()


def test_staff_upload_preview_confirm(client_for, staff):
    client = client_for(staff)
    assert client.get(IMPORT).status_code == 200
    response = upload(client, roster())
    assert response.status_code == 302
    token = token_of(response)

    preview = client.get(f"/roster/import/{token}/")
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "名册.xlsx" in page
    assert "确认导入" in page
    assert School.objects.count() == 0  # the preview is a dry run

    confirmed = client.post(f"/roster/import/{token}/", follow=True)
    assert confirmed.redirect_chain == [(IMPORT, 302)]
    assert "名册已导入：新增 3 条，更新 0 条，未变 0 条" in confirmed.content.decode()
    assert sorted(School.objects.values_list("code", flat=True)) == ["S101", "S102"]
    assert Teacher.objects.get().name == "刘春梅"
    # the stored upload is gone once imported
    assert client.get(f"/roster/import/{token}/").status_code == 404


def stored_files(settings) -> list[str]:
    folder = settings.MEDIA_ROOT / "roster"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_refused_file_is_shown_with_every_problem_and_not_kept(client_for, staff, settings):
    client = client_for(staff)
    response = upload(client, roster(stage_of_second_school="大学"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "确认导入" not in page
    assert re.search(
        r"<td[^>]*>学校</td>\s*<td class=\"num\"[^>]*>3</td>\s*<td[^>]*>学段</td>\s*"
        r"<td[^>]*>大学</td>\s*<td class=\"msg\">不是有效的学段</td>",
        page,
    )
    assert "有错误的文件不会保存在系统中" in page
    assert stored_files(settings) == []
    assert School.objects.count() == 0


def test_a_forged_confirmation_is_revalidated_refused_and_the_file_removed(
    client_for, staff, settings
):
    client = client_for(staff)
    token = token_of(upload(client, roster()))
    assert stored_files(settings) == [f"{token}.bin", f"{token}.json"]
    # the stored file replaced behind the page's back: the confirmation checks it again
    (settings.MEDIA_ROOT / "roster" / f"{token}.bin").write_bytes(
        roster(stage_of_second_school="大学")
    )
    response = client.post(f"/roster/import/{token}/")
    assert response.status_code == 400
    assert "文件有 1 个错误，没有导入任何数据" in response.content.decode()
    assert School.objects.count() == 0
    assert stored_files(settings) == []


def test_annotated_workbook_of_a_refused_file_from_the_file_chosen_again(
    client_for, staff, settings
):
    client = client_for(staff)
    data = roster(stage_of_second_school="大学")
    response = client.post(
        "/roster/import/annotate/",
        {"file": SimpleUploadedFile("名册.xlsx", data, content_type=XLSX)},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%90%8D%E5%86%8C-" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["学校"]
    assert sheet["C3"].value == "大学"
    assert sheet["C3"].comment.text == "不是有效的学段"
    assert sheet["C3"].fill.fill_type == "solid"
    assert stored_files(settings) == []


def test_annotated_workbook_of_a_kept_upload(client_for, staff):
    client = client_for(staff)
    token = token_of(upload(client, roster()))
    response = client.get(f"/roster/import/{token}/annotated/")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX


def test_unreadable_upload_is_refused_with_a_message(client_for, staff, settings):
    client = client_for(staff)
    response = upload(client, b"just text", name="名册.xlsx")
    assert response.status_code == 400
    assert "文件内容与扩展名 .xlsx 不符" in response.content.decode()
    assert not (settings.MEDIA_ROOT / "roster").exists()


def test_template_download(client_for, staff):
    response = client_for(staff).get("/roster/template/")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["学校", "教师", "班级", "任课"]


@pytest.mark.parametrize("role", ["leader", "inspector", "principal"])
def test_non_managers_get_403(request, client_for, staff, role):
    token = token_of(upload(client_for(staff), roster()))
    client = client_for(request.getfixturevalue(role))
    assert client.get(IMPORT).status_code == 403
    assert upload(client, roster()).status_code == 403
    assert client.get(f"/roster/import/{token}/").status_code == 403
    assert client.post(f"/roster/import/{token}/").status_code == 403
    assert client.get(f"/roster/import/{token}/annotated/").status_code == 403
    assert client.post("/roster/import/annotate/").status_code == 403
    assert client.get("/roster/template/").status_code == 403
    assert not School.objects.filter(code__in=["S101", "S102"]).exists()


def test_principal_gets_403_on_the_annotated_download(client_for, staff, principal):
    token = token_of(upload(client_for(staff), roster()))
    response = client_for(principal).get(f"/roster/import/{token}/annotated/")
    assert response.status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(IMPORT)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_another_managers_upload_is_not_found(client_for, staff, admin_user):
    token = token_of(upload(client_for(staff), roster()))
    other = client_for(admin_user)
    assert other.get(f"/roster/import/{token}/").status_code == 404
    assert other.post(f"/roster/import/{token}/").status_code == 404
    assert School.objects.count() == 0


@pytest.mark.parametrize("token", ["..%2F..%2Fetc%2Fpasswd", "ABC", "0" * 31, "g" * 32])
def test_bad_tokens_are_not_found(client_for, staff, token):
    assert client_for(staff).get(f"/roster/import/{token}/").status_code == 404


def test_path_trick_file_name_stays_inside_media_root(client_for, staff, settings, tmp_path):
    client = client_for(staff)
    response = upload(client, roster(), name="../../../../evil/../passwd.xlsx")
    token = token_of(response)
    stored = sorted(p.name for p in (settings.MEDIA_ROOT / "roster").iterdir())
    assert stored == [f"{token}.bin", f"{token}.json"]
    everything = {p.resolve() for p in tmp_path.rglob("*") if p.is_file()}
    assert all(settings.MEDIA_ROOT.resolve() in p.parents for p in everything)
    assert not any("passwd" in p.name or "evil" in p.name for p in everything)
    page = client.get(f"/roster/import/{token}/").content.decode()
    assert "文件：passwd.xlsx" in page


def test_csrf_is_required(staff):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post(IMPORT, {"file": SimpleUploadedFile("名册.xlsx", roster())})
    assert response.status_code == 403
    page = client.get(IMPORT).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
