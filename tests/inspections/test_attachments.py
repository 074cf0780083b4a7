"""Visit attachments: who may add and delete them, the limits, the type by content, the names,
where the file is kept, and serving it per role (docs/inspections-records.md)."""

import io
import re
import struct
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string

from core.errors import DomainError, NotAllowed
from inspections import services
from inspections.models import VisitAttachment
from inspections.services import files as services_files

from ..factories import UserFactory
from .conftest import full_scores

ROLES_THAT_SEE = ["admin_user", "leader", "staff", "inspector", "principal"]
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- files built here ----------------------------------------------------------------------


def png_bytes(width=2, height=2) -> bytes:
    """A real PNG (red pixels), built by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 128, 255)).save(out, format="JPEG")
    return out.getvalue()


def heic_bytes() -> bytes:
    """The start of an iPhone photo: an ISO media ``ftyp`` box of brand heic."""
    brands = b"heic" + b"\x00\x00\x00\x00" + b"mif1heic"
    box = struct.pack(">I", 8 + len(brands)) + b"ftyp" + brands
    return box + b"\x00\x00\x00\x08meta" + b"\x00" * 64


def docx_bytes(*, main=True, extra: dict | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        if main:
            zf.writestr("word/document.xml", "<w:document><w:body>督导记录</w:body></w:document>")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["学校", "问题"])
    book.active.append(["S001", "作业批改记录不全"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(name: str, data: bytes, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files() -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "attachments"
    return sorted(folder.iterdir()) if folder.exists() else []


def add(visit, user, name="照片.png", data=None, content_type="image/png"):
    file = upload(name, png_bytes() if data is None else data, content_type)
    return services_files.attachment_add(visit=visit, file=file, user=user)


@pytest.fixture
def submitted(draft, inspector, items):
    """The draft with one PNG attachment, then every item scored and submitted."""
    add(draft, inspector, name="教室照片.png")
    services.visit_update(visit=draft, user=inspector, scores=full_scores(items))
    return services.visit_submit(visit=draft, user=inspector)


# --- adding: who, and the stored file ------------------------------------------------------


def test_png_is_kept_under_a_random_name_outside_static(draft, inspector):
    data = png_bytes()
    attachment = add(draft, inspector, name="教室照片.png", content_type="text/html")
    assert attachment.original_name == "教室照片.png"
    assert attachment.content_type == "image/png"  # by content, not the browser's word
    assert attachment.size == len(data)
    assert attachment.uploaded_by == inspector
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
    path = services_files.attachment_path(attachment)
    assert path.parent == Path(settings.MEDIA_ROOT) / "attachments"
    assert path.read_bytes() == data
    assert Path(settings.STATIC_ROOT).resolve() not in path.resolve().parents
    assert Path(settings.BASE_DIR / "static").resolve() not in path.resolve().parents
    assert stored_files() == [path]  # no leftover partial file


def test_two_uploads_of_the_same_name_get_different_stored_names(draft, inspector):
    first, second = add(draft, inspector), add(draft, inspector)
    assert first.original_name == second.original_name == "照片.png"
    assert first.stored_name != second.stored_name


@pytest.mark.parametrize("who", ["inspector", "staff", "admin_user"])
def test_who_may_add_to_a_draft(who, request, draft):
    assert add(draft, request.getfixturevalue(who)).visit == draft


@pytest.mark.parametrize("who", ["leader", "principal"])
def test_others_may_not_add(who, request, draft):
    with pytest.raises(NotAllowed) as caught:
        add(draft, request.getfixturevalue(who))
    assert caught.value.message == "只有该次督导的督导人员、局机关工作人员或管理员可以增删附件"
    assert stored_files() == []


def test_an_inspector_not_on_the_visit_may_not_add(draft):
    stranger = UserFactory(username="duxue9", role="inspector")
    with pytest.raises(NotAllowed):
        add(draft, stranger)


@pytest.mark.parametrize("who", ["inspector", "admin_user"])
def test_nobody_adds_after_submission(who, request, submitted):
    with pytest.raises(NotAllowed) as caught:
        add(submitted, request.getfixturevalue(who))
    assert caught.value.message == "督导记录已提交，附件不能再增删"
    assert VisitAttachment.objects.filter(visit=submitted).count() == 1


def test_a_failed_database_write_leaves_no_file(draft, inspector, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database is gone")

    monkeypatch.setattr(VisitAttachment.objects, "create", broken)
    with pytest.raises(RuntimeError):
        add(draft, inspector)
    assert stored_files() == []


# --- limits --------------------------------------------------------------------------------


def test_size_just_over_the_max_is_refused(settings, draft, inspector):
    settings.TIZHI_ATTACHMENT_MAX_BYTES = 1024 * 1024
    data = png_bytes()
    exact = data + b"\x00" * (1024 * 1024 - len(data))
    assert add(draft, inspector, name="刚好.png", data=exact).size == 1024 * 1024
    with pytest.raises(DomainError) as caught:
        add(draft, inspector, name="太大.png", data=exact + b"\x00")
    assert caught.value.message == "不能上传“太大.png”：文件太大，每个附件不能超过 1 MB"
    assert len(stored_files()) == 1


def test_size_is_checked_before_reading(settings, draft, inspector):
    settings.TIZHI_ATTACHMENT_MAX_BYTES = 100

    class Huge:
        name = "录像.png"
        size = 101

        def read(self, *args):
            raise AssertionError("read before the size was checked")

    with pytest.raises(DomainError) as caught:
        services_files.attachment_add(visit=draft, file=Huge(), user=inspector)
    assert "文件太大" in caught.value.message


def test_empty_file_is_refused(draft, inspector):
    with pytest.raises(DomainError) as caught:
        add(draft, inspector, name="空.jpg", data=b"")
    assert caught.value.message == "不能上传“空.jpg”：文件是空的"


def test_count_over_the_cap_is_refused(settings, draft, inspector):
    settings.TIZHI_ATTACHMENTS_PER_VISIT = 2
    add(draft, inspector)
    add(draft, inspector)
    with pytest.raises(DomainError) as caught:
        add(draft, inspector, name="第三张.png")
    assert caught.value.message == "每条督导记录最多 2 个附件，“第三张.png”未上传"
    assert VisitAttachment.objects.filter(visit=draft).count() == 2
    assert len(stored_files()) == 2


# --- types, by content ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("现场.jpg", jpeg_bytes(), "image/jpeg"),
        ("现场.JPEG", jpeg_bytes(), "image/jpeg"),
        ("现场.png", png_bytes(), "image/png"),
        ("现场.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32, "image/webp"),
        ("IMG_0001.HEIC", heic_bytes(), "image/heic"),
        (
            "整改报告.pdf",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
            "application/pdf",
        ),
        ("督导意见.docx", docx_bytes(), DOCX_TYPE),
        ("问题清单.xlsx", xlsx_bytes(), XLSX_TYPE),
    ],
)
def test_accepted_types(name, data, content_type, draft, inspector):
    attachment = add(draft, inspector, name=name, data=data, content_type="application/x-anything")
    assert attachment.content_type == content_type
    assert attachment.original_name == name


HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("照片.pdf", png_bytes(), "不能上传“照片.pdf”：文件内容是PNG 图片，与扩展名 .pdf 不符"),
        ("照片.jpg", HTML, "不能上传“照片.jpg”：文件内容是网页（HTML），与扩展名 .jpg 不符"),
        (
            "图标.svg",
            SVG,
            "不能上传“图标.svg”：不接受 SVG 图片（可能含有脚本），请另存为 JPG 或 PNG",
        ),
        (
            "图标.png",
            SVG,
            "不能上传“图标.png”：文件内容是SVG 图片（可能含有脚本），与扩展名 .png 不符",
        ),
        ("页面.html", HTML, "不能上传“页面.html”：不接受网页文件"),
        (
            "setup.jpg",
            b"MZ\x90\x00" + b"\x00" * 60,
            "不能上传“setup.jpg”：文件内容是可执行程序或脚本，与扩展名 .jpg 不符",
        ),  # noqa: E501
        (
            "setup.exe",
            b"MZ\x90\x00",
            "不能上传“setup.exe”：不接受 .exe 文件，只接受 .jpg、.jpeg、.png、.webp、.heic、"
            ".heif、.pdf、.docx、.xlsx",
        ),
        ("报告.docx", xlsx_bytes(), "不能上传“报告.docx”：内容不是有效的 Word 文档（.docx）"),
        (
            "报告.docx",
            docx_bytes(main=False),
            "不能上传“报告.docx”：内容不是有效的 Word 文档（.docx）",
        ),  # noqa: E501
        ("报告.docx", b"PK\x03\x04garbage", "不能上传“报告.docx”：文件已损坏，无法读取"),
        ("表格.xlsx", docx_bytes(), "不能上传“表格.xlsx”：不是有效的 Excel 文件（.xlsx）"),
        (
            "宏.docx",
            docx_bytes(extra={"word/vbaProject.bin": b"\x00" * 10}),
            "不能上传“宏.docx”：文件含有宏，请另存为不含宏的文件后再上传",
        ),
        ("报告.pdf", b"%PD", "不能上传“报告.pdf”：文件内容是无法识别的内容，与扩展名 .pdf 不符"),
    ],
)
def test_refused_types(name, data, message, draft, inspector):
    with pytest.raises(DomainError) as caught:
        add(draft, inspector, name=name, data=data, content_type="image/jpeg")
    assert caught.value.message == message
    assert stored_files() == []


def zip_bomb(main: str) -> bytes:
    """40 MB of zeros that compress to about 40 KB (a ratio of about 1000)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(main, "<x/>")
        zf.writestr("word/media/zeros.bin", b"\x00" * (40 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "main"), [("炸弹.docx", "word/document.xml"), ("炸弹.xlsx", "xl/workbook.xml")]
)  # noqa: E501
def test_zip_bomb_is_refused_quickly(name, main, draft, inspector):
    data = zip_bomb(main)
    assert len(data) < 200 * 1024
    started = time.monotonic()
    with pytest.raises(DomainError) as caught:
        add(draft, inspector, name=name, data=data)
    assert time.monotonic() - started < 1.0  # refused on the declared sizes, not inflated
    assert "压缩比过高" in caught.value.message
    assert caught.value.message.startswith(f"不能上传“{name}”：")


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\张老师\\Desktop\\现场.png", "现场.png"),
        ("/tmp/../../照片.png", "照片.png"),
        ("照\x00片\u202egnp.png", "照片gnp.png"),
        ("..\\..\\.hidden.png", "hidden.png"),
        ("一二三四五六七八九十" * 12 + ".png", "一二三四五六七八九十" * 9 + "一二三四五六.png"),
    ],
)
def test_names_are_sanitised(given, shown, draft, inspector):
    attachment = add(draft, inspector, name=given)
    assert attachment.original_name == shown
    assert len(attachment.original_name) <= 100
    assert attachment.stored_name not in given


def test_a_path_without_extension_is_refused(draft, inspector):
    with pytest.raises(DomainError) as caught:
        add(draft, inspector, name="../../etc/passwd", data=b"root:x:0:0")
    assert caught.value.message.startswith("不能上传“passwd”：文件没有扩展名")


# --- deleting ------------------------------------------------------------------------------


def test_delete_while_draft_removes_row_and_file(
    draft, inspector, django_capture_on_commit_callbacks
):
    attachment = add(draft, inspector)
    path = services_files.attachment_path(attachment)
    with django_capture_on_commit_callbacks(execute=True):
        services_files.attachment_delete(attachment=attachment, user=inspector)
    assert not VisitAttachment.objects.filter(pk=attachment.pk).exists()
    assert not path.exists()


def test_delete_after_submission_is_refused(submitted, admin_user):
    attachment = submitted.attachments.get()
    with pytest.raises(NotAllowed):
        services_files.attachment_delete(attachment=attachment, user=admin_user)
    assert services_files.attachment_path(attachment).exists()


# --- serving -------------------------------------------------------------------------------


def _url(visit, attachment):
    return f"/inspections/{visit.pk}/attachments/{attachment.pk}/"


@pytest.mark.parametrize("who", ROLES_THAT_SEE)
def test_each_role_that_sees_the_visit_gets_the_file(who, request, client_for, submitted):
    attachment = submitted.attachments.get()
    response = client_for(request.getfixturevalue(who)).get(_url(submitted, attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Content-Disposition"].startswith("inline;")
    assert (
        "filename*=utf-8''%E6%95%99%E5%AE%A4%E7%85%A7%E7%89%87.png"
        in response["Content-Disposition"]
    )


def test_other_principal_gets_404(client_for, other_principal, submitted):
    response = client_for(other_principal).get(_url(submitted, submitted.attachments.get()))
    assert response.status_code == 404


def test_principal_gets_404_for_a_draft(client_for, principal, draft, inspector):
    attachment = add(draft, inspector)
    assert client_for(principal).get(_url(draft, attachment)).status_code == 404


def test_anonymous_is_sent_to_login(client, submitted):
    response = client.get(_url(submitted, submitted.attachments.get()))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_attachment_of_another_visit_or_missing_is_404(
    client_for, admin_user, submitted, inspector, checklist
):
    draft = services.visit_create(
        user=inspector, school=submitted.school, date=submitted.date, kind="special",
        checklist=checklist,
    )  # fmt: skip
    other = add(draft, inspector)
    client = client_for(admin_user)
    assert client.get(_url(submitted, other)).status_code == 404  # wrong visit in the path
    assert client.get(f"/inspections/{submitted.pk}/attachments/999999/").status_code == 404
    services_files.attachment_path(other).unlink()
    assert client.get(_url(draft, other)).status_code == 404  # the file is gone


def test_documents_are_downloaded_with_their_chinese_name(client_for, staff, draft, inspector):
    attachment = add(draft, inspector, name="督导意见.docx", data=docx_bytes())
    response = client_for(staff).get(_url(draft, attachment))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=utf-8''%E7%9D%A3%E5%AF%BC%E6%84%8F%E8%A7%81.docx"
        in response["Content-Disposition"]
    )  # noqa: E501
    assert response["Content-Security-Policy"] == "sandbox"


def test_pdf_is_downloaded_because_of_the_sandbox(client_for, staff, draft, inspector):
    attachment = add(draft, inspector, name="report.pdf", data=b"%PDF-1.4\n%%EOF\n")
    response = client_for(staff).get(_url(draft, attachment))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'


# --- the upload form -----------------------------------------------------------------------


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_upload_form_adds_several_files_and_reports_refusals(client_for, inspector, draft):
    response = client_for(inspector).post(
        f"/inspections/{draft.pk}/attachments/",
        {
            "file": [upload("一.png", png_bytes()), upload("二.jpg", HTML, "image/jpeg")],
            "next": f"/inspections/{draft.pk}/#attachments",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/inspections/{draft.pk}/#attachments"
    assert [a.original_name for a in draft.attachments.all()] == ["一.png"]
    assert _messages(response) == [
        "不能上传“二.jpg”：文件内容是网页（HTML），与扩展名 .jpg 不符",
        "已上传 1 个附件",
    ]


def test_upload_form_ignores_a_next_to_another_site(client_for, inspector, draft):
    response = client_for(inspector).post(
        f"/inspections/{draft.pk}/attachments/",
        {"file": upload("一.png", png_bytes()), "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert "evil" not in response["Location"]


def test_upload_form_without_a_file(client_for, inspector, draft):
    response = client_for(inspector).post(f"/inspections/{draft.pk}/attachments/")
    assert response.status_code == 302
    assert _messages(response) == ["请选择要上传的文件"]


@pytest.mark.parametrize(
    ("who", "status"), [("leader", 403), ("principal", 404), ("other_principal", 404)]
)  # noqa: E501
def test_upload_form_refuses_others_on_a_draft(who, status, request, client_for, draft):
    response = client_for(request.getfixturevalue(who)).post(
        f"/inspections/{draft.pk}/attachments/", {"file": upload("一.png", png_bytes())}
    )
    assert response.status_code == status
    assert not draft.attachments.exists()


@pytest.mark.parametrize(
    ("who", "status"), [("admin_user", 403), ("principal", 403), ("other_principal", 404)]
)  # noqa: E501
def test_upload_form_refuses_a_submitted_visit(who, status, request, client_for, submitted):
    response = client_for(request.getfixturevalue(who)).post(
        f"/inspections/{submitted.pk}/attachments/", {"file": upload("一.png", png_bytes())}
    )
    assert response.status_code == status
    assert submitted.attachments.count() == 1


def test_anonymous_upload_is_sent_to_login(client, draft):
    response = client.post(f"/inspections/{draft.pk}/attachments/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_delete_form(client_for, inspector, staff, draft, django_capture_on_commit_callbacks):
    attachment = add(draft, inspector)
    url = f"/inspections/{draft.pk}/attachments/{attachment.pk}/delete/"
    assert client_for(UserFactory(username="duxue9", role="inspector")).post(url).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(url)
    assert response.status_code == 302
    assert _messages(response) == ["已删除附件“照片.png”"]
    assert not draft.attachments.exists()
    assert stored_files() == []


def test_delete_form_refuses_get_and_others(client_for, principal, other_principal, submitted):
    attachment = submitted.attachments.get()
    url = f"/inspections/{submitted.pk}/attachments/{attachment.pk}/delete/"
    assert client_for(principal).get(url).status_code == 405
    assert client_for(principal).post(url).status_code == 403
    assert client_for(other_principal).post(url).status_code == 404


# --- the partial ---------------------------------------------------------------------------


def test_partial_shows_form_and_delete_only_while_draft(draft, inspector):
    attachment = add(draft, inspector, name="<img src=x onerror=alert(1)>.png")
    html = render_to_string(
        "inspections/_visit_attachments.html",
        {"visit": draft, "user": inspector, "can_change": True},
    )
    assert f'action="/inspections/{draft.pk}/attachments/"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'accept="image/*,.pdf,.docx,.xlsx' in html
    assert 'capture="environment"' in html
    assert f"/inspections/{draft.pk}/attachments/{attachment.pk}/delete/" in html
    assert f'<img src="/inspections/{draft.pk}/attachments/{attachment.pk}/"' in html
    assert "&lt;img src=x onerror=alert(1)&gt;.png" in html
    assert "<img src=x" not in html
    assert "每个不超过 10 MB，每条督导记录最多 20 个" in html

    html = render_to_string(
        "inspections/_visit_attachments.html",
        {"visit": draft, "user": inspector, "can_change": False},
    )
    assert "multipart/form-data" not in html
    assert "/delete/" not in html


def test_partial_for_a_submitted_visit(submitted, admin_user):
    html = render_to_string(
        "inspections/_visit_attachments.html",
        {"visit": submitted, "user": admin_user, "can_change": True},
    )
    assert "教室照片.png" in html
    assert "multipart/form-data" not in html
    assert "/delete/" not in html


# --- the API -------------------------------------------------------------------------------


def test_api_upload_and_list(api_for, inspector, principal, draft):
    api = api_for(inspector)
    response = api.post(
        f"/api/v1/visits/{draft.pk}/attachments/",
        {"file": upload("现场.png", png_bytes())},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "现场.png"
    assert body["content_type"] == "image/png"
    assert body["size"] == len(png_bytes())
    assert body["uploaded_by"] == "inspector"
    assert body["url"] == f"/inspections/{draft.pk}/attachments/{body['id']}/"

    response = api.post(
        f"/api/v1/visits/{draft.pk}/attachments/",
        {"file": upload("现场.jpg", HTML)},
        format="multipart",
    )
    assert response.status_code == 400
    assert (
        response.json()["detail"]
        == "不能上传“现场.jpg”：文件内容是网页（HTML），与扩展名 .jpg 不符"
    )

    listed = api.get(f"/api/v1/visits/{draft.pk}/attachments/")
    assert listed.status_code == 200
    assert [a["name"] for a in listed.json()] == ["现场.png"]

    assert api_for(principal).get(f"/api/v1/visits/{draft.pk}/attachments/").status_code == 404


def test_api_upload_refused_after_submission_and_for_principals(
    api_for, admin_user, principal, submitted
):  # noqa: E501
    url = f"/api/v1/visits/{submitted.pk}/attachments/"
    file = {"file": upload("现场.png", png_bytes())}
    response = api_for(admin_user).post(url, file, format="multipart")
    assert response.status_code == 403
    assert response.json()["detail"] == "督导记录已提交，附件不能再增删"
    file = {"file": upload("现场.png", png_bytes())}
    assert api_for(principal).post(url, file, format="multipart").status_code == 403
    assert [a["name"] for a in api_for(principal).get(url).json()] == ["教室照片.png"]
