"""Attachments of a visit (photos, documents): checked, stored, deleted.

Rules (docs/inspections-records.md):
- added and deleted by the people who may change the visit (its inspectors, staff, admins)
  while it is a draft; a submitted visit's attachments are fixed;
- at most ``TIZHI_ATTACHMENT_MAX_BYTES`` per file (the size is checked before a byte is read)
  and ``TIZHI_ATTACHMENTS_PER_VISIT`` per visit; an empty file is refused;
- the type is decided by the content (magic bytes), never by what the browser says, and must
  agree with the extension: JPEG, PNG, WebP, HEIC/HEIF, PDF, DOCX, XLSX. The zip-based Office
  formats must hold their main part, no macros, and pass the zip-bomb caps of
  ``core.spreadsheets``;
- the file is kept under ``MEDIA_ROOT/attachments/<random token>``, never under the user's
  name; the name shown is the sanitised base name.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from bureau import access
from core import spreadsheets
from core.errors import DomainError, NotAllowed
from core.storage import private_dir, write_private
from inspections.models import Visit, VisitAttachment

ATTACHMENTS_DIR = "attachments"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_PER_VISIT = 20
NAME_MAX = 100  # the model allows 120; spreadsheets.safe_display_name caps at 100


@dataclass(frozen=True)
class Kind:
    label: str  # as the message names it
    content_type: str
    extensions: tuple[str, ...]
    inline: bool  # shown in the browser (images) rather than downloaded


KINDS = {
    "jpeg": Kind("JPEG 图片", "image/jpeg", ("jpg", "jpeg"), True),
    "png": Kind("PNG 图片", "image/png", ("png",), True),
    "webp": Kind("WebP 图片", "image/webp", ("webp",), True),
    "heic": Kind("HEIC 图片", "image/heic", ("heic", "heif"), True),
    # Downloaded, not shown: every attachment is served with ``Content-Security-Policy:
    # sandbox``, and Chromium refuses to run its PDF viewer in a sandboxed document (a blank
    # page); the download opens in the system's viewer instead.
    "pdf": Kind("PDF 文档", "application/pdf", ("pdf",), False),
    "docx": Kind(
        "Word 文档",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ("docx",),
        False,
    ),
    "xlsx": Kind(
        "Excel 表格",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ("xlsx",),
        False,
    ),
}
KIND_BY_EXTENSION = {ext: key for key, kind in KINDS.items() for ext in kind.extensions}
INLINE_TYPES = {kind.content_type for kind in KINDS.values() if kind.inline}
# Brands of an ISO media file (ftyp box) that phones write for HEIC/HEIF photos.
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
ZIP_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


def max_bytes() -> int:
    return int(getattr(settings, "TIZHI_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


def per_visit() -> int:
    return int(getattr(settings, "TIZHI_ATTACHMENTS_PER_VISIT", DEFAULT_PER_VISIT))


def storage_dir() -> Path:
    return private_dir(ATTACHMENTS_DIR)


def attachment_path(attachment: VisitAttachment) -> Path:
    """Where the attachment's bytes are; the stored name is ours (hex), never the user's."""
    name = attachment.stored_name
    if not name or not all(c in "0123456789abcdef" for c in name):
        raise DomainError(_("附件不存在"))
    return storage_dir() / name


def is_inline(attachment: VisitAttachment) -> bool:
    return attachment.content_type in INLINE_TYPES


# --- the name and the content --------------------------------------------------------------


def clean_name(name: str) -> str:
    """The base name only (no folders, whichever slash), no control or direction characters,
    at most 100 characters with the extension kept; Chinese stays as it is."""
    name = unicodedata.normalize("NFC", str(name or ""))
    return spreadsheets.safe_display_name(name)[:NAME_MAX]


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def sniff(data: bytes) -> str | None:
    """What the bytes are, by their signature: a key of ``KINDS``, "zip" (an Office file is
    told apart by its parts), or None."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and (
        head[8:12] in HEIF_BRANDS or any(b in HEIF_BRANDS for b in _compatible_brands(data))
    ):
        return "heic"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(spreadsheets.ZIP_MAGIC):
        return "zip"
    return None


def _compatible_brands(data: bytes) -> list[bytes]:
    size = int.from_bytes(data[:4], "big")
    box = data[16 : min(size, 256)]
    return [box[i : i + 4] for i in range(0, len(box) - 3, 4)]


def _what_it_is(data: bytes) -> str:
    """A word on what a refused file really is, for the message."""
    found = sniff(data)
    if found in KINDS:
        return KINDS[found].label
    if found == "zip":
        return _("压缩包")
    start = data[:512].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower()
    if start.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return _("SVG 图片（可能含有脚本）")
    if start.startswith((b"<!doctype", b"<html", b"<script", b"<")):
        return _("网页（HTML）")
    if data.startswith((b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")):
        return _("可执行程序或脚本")
    if data.startswith(spreadsheets.OLE2_MAGIC):
        return _("旧版 Office 文件或加密文件")
    return _("无法识别的内容")


def _refuse(name: str, reason: str) -> DomainError:
    return DomainError(_("不能上传“%(name)s”：%(reason)s") % {"name": name, "reason": reason})


def _guard_office_zip(name: str, data: bytes, ext: str) -> None:
    """An Office file is a zip: its main part must be there, no macros, no zip bomb."""
    if ext == "xlsx":
        # The spreadsheet reader's own check: zip-bomb caps, the workbook part, encryption.
        try:
            spreadsheets.check_upload(name, data, max_bytes=max_bytes())
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
        except spreadsheets.SpreadsheetError as exc:
            raise _refuse(name, exc.message) from exc
        if any(n.lower().endswith("vbaproject.bin") for n in names):
            raise _refuse(name, _("文件含有宏，请另存为不含宏的文件后再上传"))
        return
    # The one zip guard (core.spreadsheets): caps, the main part, every member inflated.
    try:
        _total, names = spreadsheets.guard_zip(
            data,
            required=(ZIP_MAIN_PART[ext],),
            missing_message=_("内容不是有效的 %(label)s（.%(ext)s）")
            % {"label": KINDS[ext].label, "ext": ext},
        )
    except spreadsheets.SpreadsheetError as exc:
        raise _refuse(name, exc.message) from exc
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise _refuse(name, _("文件含有宏，请另存为不含宏的文件后再上传"))


def check_content(name: str, data: bytes) -> Kind:
    """The kind of an upload named ``name`` (already cleaned), or a DomainError naming the
    file and the reason. The extension says what is expected; the bytes must agree."""
    ext = _extension(name)
    expected = KIND_BY_EXTENSION.get(ext)
    if expected is None:
        allowed = "、".join(f".{e}" for e in KIND_BY_EXTENSION)
        if ext == "svg":
            reason = _("不接受 SVG 图片（可能含有脚本），请另存为 JPG 或 PNG")
        elif ext in ("htm", "html", "xhtml", "mht", "js"):
            reason = _("不接受网页文件")
        elif not ext:
            reason = _("文件没有扩展名，只接受 %(allowed)s") % {"allowed": allowed}
        else:
            reason = _("不接受 .%(ext)s 文件，只接受 %(allowed)s") % {
                "ext": ext,
                "allowed": allowed,
            }
        raise _refuse(name, reason)
    if data.startswith(spreadsheets.OLE2_MAGIC) and expected in ZIP_MAIN_PART:
        reason = _("文件设有密码（已加密）或是旧版 Office 格式，请另存为 .%(ext)s")
        raise _refuse(name, reason % {"ext": ext})
    found = sniff(data)
    if found == "zip" and expected in ZIP_MAIN_PART:
        _guard_office_zip(name, data, expected)
        return KINDS[expected]
    if found != expected:
        raise _refuse(
            name,
            _("文件内容是%(what)s，与扩展名 .%(ext)s 不符")
            % {"what": _what_it_is(data), "ext": ext},
        )
    return KINDS[expected]


# --- writes --------------------------------------------------------------------------------


def _check_may_change(user, visit: Visit) -> None:
    if visit.locked:
        raise NotAllowed(_("督导记录已提交，附件不能再增删"))
    access.require(
        access.can_change_visit(user, visit),
        _("只有该次督导的督导人员、局机关工作人员或管理员可以增删附件"),
    )


def _read(file, name: str) -> bytes:
    cap = max_bytes()
    size = getattr(file, "size", None)
    if size is not None and size > cap:  # before reading a byte of it
        raise _refuse(name, _too_big(cap))
    if size == 0:
        raise _refuse(name, _("文件是空的"))
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(cap + 1)
    if len(data) > cap:
        raise _refuse(name, _too_big(cap))
    if not data:
        raise _refuse(name, _("文件是空的"))
    return data


def _too_big(cap: int) -> str:
    return _("文件太大，每个附件不能超过 %(mb)s MB") % {"mb": f"{cap / 1024 / 1024:g}"}


def attachment_add(*, visit: Visit, file, user) -> VisitAttachment:
    """Checks and keeps one uploaded file of a draft visit.

    Not ``@transaction.atomic`` as a decorator: the file is written inside the transaction
    and removed again if anything fails, the commit included, so that no file is left
    without its row (and no row without its file)."""
    raw_name = getattr(file, "name", "") or ""
    name = clean_name(raw_name) or _("附件")
    path = None
    try:
        with transaction.atomic():
            locked = Visit.objects.select_for_update().get(pk=visit.pk)
            _check_may_change(user, locked)
            count = VisitAttachment.objects.filter(visit=locked).count()
            if count >= per_visit():
                raise DomainError(
                    _("每条督导记录最多 %(n)s 个附件，“%(name)s”未上传")
                    % {"n": per_visit(), "name": name}
                )
            data = _read(file, name)
            kind = check_content(name, data)
            path = write_private(ATTACHMENTS_DIR, data)
            attachment = VisitAttachment.objects.create(
                visit=locked,
                original_name=name,
                stored_name=path.name,
                content_type=kind.content_type,
                size=len(data),
                uploaded_by=user,
            )
    except BaseException:
        if path is not None:
            path.unlink(missing_ok=True)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, attachment: VisitAttachment, user) -> None:
    """Removes an attachment of a draft visit; the file goes once the row is gone for good."""
    visit = Visit.objects.select_for_update().get(pk=attachment.visit_id)
    _check_may_change(user, visit)
    path = attachment_path(attachment)
    attachment.delete()
    transaction.on_commit(lambda: path.unlink(missing_ok=True))
