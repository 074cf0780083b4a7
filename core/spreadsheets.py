"""The one safe way to read an uploaded spreadsheet (.xlsx, .xls, .csv).

Every importer (roster, exam results) goes through here:

1. ``check_upload(name, data)`` decides the kind from the extension and checks that the
   content matches it, that the size is under the cap and, for .xlsx, that the zip container
   is no bomb (``guard_zip``, the one zip guard) and that its sheets hold at most
   ``MAX_CELLS`` cells, counted while the XML streams — before any parser sees a byte;
2. ``read_sheets(data, kind)`` reads every sheet as plain rows (``rows[i]`` is Excel row
   ``i + 1``), cells as Python values, blanks as ``None``;
3. ``find_header_row`` / ``map_columns`` locate the header by its content, the ``clean_*``
   functions turn cells into typed values or a Chinese message;
4. problems are ``Problem`` records (sheet, Excel row, column header, value, message), and
   ``annotate_workbook`` returns the workbook with each problem cell highlighted;
5. ``personal_column_problems`` refuses a header holding personal data (ID card, phone,
   address, parents), and every text cleaner refuses formula-like text (``is_formula_like``:
   = + - @, also behind invisible characters);
6. every workbook the portal writes sets its cells through ``write_cell``/``append_row``, so
   that text is always written as text, never as a formula.

A formula cell of an .xlsx reads as its cached value. One saved without a cached value
(as scripts that write workbooks do) would read as blank, i.e. as an absent student: the
reader finds those cells in the sheet XML (``uncomputed_formulas``) and puts an
``UncomputedFormula`` (the formula text) in their place, which every ``clean_*`` refuses with
its own message.

Pure: no ORM. Django is only used for translations and for the upload cap setting.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import math
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.errors import DomainError

# --- caps ----------------------------------------------------------------------------------
# Module constants; every function that applies one takes a keyword argument to override it.
MAX_ZIP_MEMBERS = 1_000
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_BYTES = 1024 * 1024
MAX_ROWS = 200_000
# Formula cells without a cached value that are located one by one; more refuse the file.
MAX_UNCOMPUTED_FORMULAS = 100_000
MAX_COLUMNS = 200
# Cells of all the sheets read, counted in the sheet XML before any parser builds them: a
# county results file holds about 60,000 rows × 13–16 columns (up to 960,000 cells).
# Reading costs some 200 bytes and 7 µs per cell, so a file at the cap reads in under 300 MB
# and about 8 s; a larger one is refused while its XML streams past (docs/results-import.md).
MAX_CELLS = 1_200_000
DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Above this uncompressed size the annotated copy is rebuilt in streaming mode rather than
# loaded whole by openpyxl, whose memory grows to many times the XML size.
ANNOTATE_IN_PLACE_MAX_BYTES = 30 * 1024 * 1024

KINDS = ("xlsx", "xls", "csv")
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
# An Office file encrypted with a password is an OLE2 container holding this stream.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
CSV_SHEET_NAME = "Sheet1"

ERROR = "error"
WARNING = "warning"


class SpreadsheetError(DomainError):
    """The file cannot be read at all: wrong type, too big, a zip bomb, encrypted, corrupt."""

    def __init__(self, message: str):
        super().__init__(message, code="unreadable_file")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload, located the way the user sees the sheet."""

    level: str  # ERROR or WARNING
    sheet: str
    row: int | None  # as Excel shows it (1-based)
    column: str | None  # the header text as written
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = self.sheet
        if self.row is not None:
            where += _(" 第%(row)d行") % {"row": self.row}
        if self.column:
            where += f"「{self.column}」" + _("列")
        text = f"“{self.value}” {self.message}" if self.value != "" else self.message
        return f"{where}：{text}"

    @property
    def is_error(self) -> bool:
        return self.level == ERROR


def error(sheet: str, row: int | None, column: str | None, value: Any, message: str) -> Problem:
    return Problem(ERROR, sheet, row, column, display_value(value), str(message))


def warning(sheet: str, row: int | None, column: str | None, value: Any, message: str) -> Problem:
    return Problem(WARNING, sheet, row, column, display_value(value), str(message))


def display_value(value: Any) -> str:
    """A cell as the user would recognise it, for messages ("" for a blank)."""
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    text = str(value)
    return text if len(text) <= 100 else text[:99] + "…"


# --- the upload ----------------------------------------------------------------------------


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def safe_display_name(name: str) -> str:
    """The base name of an uploaded file, for display only (never a path): no directories,
    no control characters, at most 100 characters (the extension kept)."""
    name = _CONTROL.sub("", str(name or ""))
    name = re.split(r"[\\/]", name)[-1].strip().lstrip(".")
    if len(name) > 100:
        stem, dot, ext = name.rpartition(".")
        ext = f".{ext}" if dot and len(ext) <= 10 else ""
        name = (stem if ext else name)[: 100 - len(ext)] + ext
    return name


def max_upload_bytes() -> int:
    try:
        from django.conf import settings

        return int(getattr(settings, "TIZHI_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))
    except Exception:  # Django not configured: the module default
        return DEFAULT_MAX_UPLOAD_BYTES


def read_upload(file, *, max_bytes: int | None = None) -> bytes:
    """Reads an uploaded file object into memory, refusing more than the cap."""
    cap = max_upload_bytes() if max_bytes is None else max_bytes
    data = file.read(cap + 1)
    if len(data) > cap:
        raise SpreadsheetError(_too_big_message(cap))
    return data


def _too_big_message(cap: int) -> str:
    return _("文件太大：不能超过 %(mb)s MB") % {"mb": f"{cap / 1024 / 1024:g}"}


def check_upload(name: str, data, *, max_bytes: int | None = None, **zip_caps: int) -> str:
    """The kind of an upload ("xlsx", "xls" or "csv"), or ``SpreadsheetError``.

    ``data`` is bytes or a binary file object (read up to the cap, then rewound). The
    extension decides what is expected and the content must match it.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        start = data.tell() if hasattr(data, "tell") else None
        cap = max_upload_bytes() if max_bytes is None else max_bytes
        content = data.read(cap + 1)
        if start is not None:
            data.seek(start)
        data = content
    data = bytes(data)
    cap = max_upload_bytes() if max_bytes is None else max_bytes
    if len(data) > cap:
        raise SpreadsheetError(_too_big_message(cap))
    display = safe_display_name(name)
    ext = display.rpartition(".")[2].lower() if "." in display else ""
    if ext not in KINDS:
        raise SpreadsheetError(_("只能上传 .xlsx、.xls 或 .csv 文件"))
    if not data:
        raise SpreadsheetError(_("文件是空的"))
    if data.startswith(OLE2_MAGIC) and _ENCRYPTED_STREAM in data:
        raise SpreadsheetError(_("文件设有密码（已加密），请在 Excel 中取消密码后再上传"))
    if ext == "xlsx":
        if not data.startswith(ZIP_MAGIC):
            raise SpreadsheetError(_mismatch_message(ext))
        guard_xlsx(data, **zip_caps)
    elif ext == "xls":
        if not data.startswith(OLE2_MAGIC):
            raise SpreadsheetError(_mismatch_message(ext))
    else:
        if data.startswith(ZIP_MAGIC) or data.startswith(OLE2_MAGIC):
            raise SpreadsheetError(_mismatch_message(ext))
        decode_csv(data)
    return ext


def _mismatch_message(ext: str) -> str:
    return _("文件内容与扩展名 .%(ext)s 不符，请上传 Excel 另存的原始文件") % {"ext": ext}


def decode_csv(data: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM) or GB18030, never containing NUL."""
    if b"\x00" in data:
        raise SpreadsheetError(_("CSV 文件含有二进制内容，无法读取"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(_("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码"))


_BOMB_MESSAGE = gettext_noop("文件结构异常（压缩比过高或内容过多），已拒绝读取")


def guard_zip(
    data: bytes,
    *,
    max_members: int = MAX_ZIP_MEMBERS,
    max_uncompressed: int = MAX_UNCOMPRESSED_BYTES,
    max_ratio: int = MAX_COMPRESSION_RATIO,
    ratio_min_bytes: int = RATIO_CHECK_MIN_BYTES,
    required: Iterable[str] = (),
    missing_message: str | None = None,
    visit=None,
) -> tuple[int, list[str]]:
    """The one zip-bomb guard (spreadsheets here, Office attachments of visits): checks a zip
    container before any parser opens it and answers (total uncompressed size, member names).

    First the declared sizes (member count, total, ratio: instant), then that one of the
    ``required`` members is there (else ``missing_message``), then each member is streamed to
    check that it inflates to exactly its declared size, so that a container lying about its
    sizes is caught too, with at most the cap inflated. ``visit(name, chunks)`` may look at
    a member's inflated chunks as they pass (and raise to stop)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = zf.infolist()
            if len(members) > max_members:
                raise SpreadsheetError(_(_BOMB_MESSAGE))
            total = sum(m.file_size for m in members)
            if total > max_uncompressed:
                raise SpreadsheetError(_(_BOMB_MESSAGE))
            for m in members:
                if m.file_size > ratio_min_bytes and (
                    m.compress_size == 0 or m.file_size / m.compress_size > max_ratio
                ):
                    raise SpreadsheetError(_(_BOMB_MESSAGE))
            names = [m.filename for m in members]
            required = list(required)
            if required and not set(required) & set(names):
                raise SpreadsheetError(missing_message or _("文件已损坏，无法读取"))
            for m in members:
                if m.is_dir():
                    continue
                with zf.open(m) as stream:
                    chunks = iter(lambda stream=stream: stream.read(1024 * 1024), b"")
                    if visit is not None:
                        visit(m.filename, chunks)
                    for _chunk in chunks:
                        pass
    except SpreadsheetError:
        raise
    except RuntimeError as exc:  # zipfile: an encrypted member
        raise SpreadsheetError(_("文件设有密码（已加密），请在 Excel 中取消密码后再上传")) from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise SpreadsheetError(_("文件已损坏，无法读取")) from exc
    except NotImplementedError as exc:  # an unsupported compression method
        raise SpreadsheetError(_("文件已损坏，无法读取")) from exc
    return total, names


# A cell element of the sheet XML, with or without a namespace prefix: <c …>, <c/>, <x:c …>.
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
# As Excel, WPS and openpyxl write cells: reference first, no prefix; gives (letters, row).
# A formatted empty cell counts too (a reader would skip it): generous, never less.
_PLAIN_REF_CELL = b'<c r="'
_PLAIN_REF = re.compile(rb'<c r="([A-Za-z]{1,3})([0-9]+)"')
_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row(?=[\s>/])([^>]*)>")
_ATTR_ROW = re.compile(rb"\br\s*=\s*[\"']([0-9]{1,9})[\"']")
_ANY_REF = re.compile(rb"\sr\s*=\s*[\"']([A-Za-z]{1,3})([0-9]+)[\"']")
_WORKSHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml")


class _SheetExtent:
    """The cells of a worksheet part as its XML streams past: how many cell elements, and
    the corner (last row, last column) a reader's sheet reaches. A reader builds the sheet as
    a dense range up to that corner, so two cells at A1 and XFD1048576 would cost 17 billion
    cells: the area, not only the count, is bounded. Cells written the usual way (reference
    first) are read with one C-level pass per chunk; others (no reference, a namespace
    prefix) are bounded row by row, generously (never less than a reader's corner)."""

    def __init__(self) -> None:
        self.cells = 0
        self.max_row = 0
        self.max_col = 0
        self._row = 0  # the current row number, for rows and cells without a reference
        self._row_cells = 0  # cells seen so far in the current row

    @property
    def area(self) -> int:
        return self.max_row * self.max_col

    def count(self, buf: bytes, end: int) -> tuple[int, bool]:
        """Counts the cell elements of ``buf[:end]`` (complete tags only): (how many, whether
        all are written the usual way)."""
        view = buf[:end]
        if b":c" in view:  # a namespace prefix somewhere: the general pattern
            tags = len(_CELL_TAG.findall(buf, 0, end))
            plain = False
        else:
            # Every "<c…" tag counts (a <cols> or <cfRule> too: counting more is safe), and
            # the chunk is plain when each of them is a cell with its reference first.
            tags = view.count(b"<c")
            plain = view.count(_PLAIN_REF_CELL) == tags
        self.cells += tags
        return tags, plain

    def place(self, buf: bytes, end: int, plain: bool) -> None:
        """Moves the corner to the cells of ``buf[:end]``."""
        if plain:
            refs = _PLAIN_REF.findall(buf, 0, end)
            if refs:
                letters, rows = zip(*refs, strict=True)
                self.max_row = max(self.max_row, max(map(int, rows)))
                self.max_col = max(
                    self.max_col, max(_column_index(c.decode().upper()) for c in set(letters))
                )
            return
        refs = _ANY_REF.findall(buf, 0, end)
        ref_col = 0
        if refs:
            letters, rows = zip(*refs, strict=True)
            self.max_row = max(self.max_row, max(map(int, rows)))
            ref_col = max(_column_index(c.decode().upper()) for c in set(letters))
        widest = self._row_cells
        position = 0
        for match in _ROW_TAG.finditer(buf, 0, end):
            self._row_cells += len(_CELL_TAG.findall(buf, position, match.start()))
            widest = max(widest, self._row_cells)
            number = _ATTR_ROW.search(match.group(1))
            self._row = int(number.group(1)) if number else self._row + 1
            self.max_row = max(self.max_row, self._row)
            self._row_cells = 0
            position = match.end()
        self._row_cells += len(_CELL_TAG.findall(buf, position, end))
        widest = max(widest, self._row_cells)
        # A cell without a reference follows the one before it: at most the widest row's
        # count of cells past the last referenced column.
        self.max_col = max(self.max_col, ref_col + widest)


def too_many_cells_message(cap: int = MAX_CELLS) -> str:
    return _("文件中的单元格太多（超过 %(n)s 个），请只保留需要的工作表和列，或拆分后上传") % {
        "n": f"{cap:,}"
    }


def guard_xlsx(
    data: bytes,
    *,
    max_members: int = MAX_ZIP_MEMBERS,
    max_uncompressed: int = MAX_UNCOMPRESSED_BYTES,
    max_ratio: int = MAX_COMPRESSION_RATIO,
    ratio_min_bytes: int = RATIO_CHECK_MIN_BYTES,
    max_cells: int = MAX_CELLS,
) -> int:
    """Checks an .xlsx container (``guard_zip``) and, while its worksheets inflate, counts
    their cells and the area up to each sheet's last cell holding a value: more than
    ``max_cells`` of either in all refuses the file before any parser builds a single cell
    (a 1 MB file can hold a sheet of 190 MB of XML, or two cells 17 billion apart). Answers
    the total uncompressed size."""
    key = (
        hashlib.blake2b(data, digest_size=16).digest(),
        max_members, max_uncompressed, max_ratio, ratio_min_bytes, max_cells,
    )  # fmt: skip
    if key in _GUARDED:  # the same bytes passed a moment ago (check_upload, then the read)
        return _GUARDED[key]
    sheets: list[_SheetExtent] = []

    def check() -> None:
        cells = sum(s.cells for s in sheets)
        area = sum(s.area for s in sheets)
        if cells > max_cells or area > max_cells:
            raise SpreadsheetError(too_many_cells_message(max_cells))

    def count_cells(name: str, chunks) -> None:
        if not _WORKSHEET_PART.fullmatch(name):
            return
        extent = _SheetExtent()
        sheets.append(extent)
        tail = b""
        for chunk in chunks:
            buf = tail + chunk
            # Up to the last "<": a tag cut at the chunk's end is read with the next one.
            cut = buf.rfind(b"<")
            if cut < 0 or len(buf) - cut > 64:
                cut = len(buf)
            _tags, plain = extent.count(buf, cut)
            check()
            extent.place(buf, cut, plain)
            check()
            tail = buf[cut:]
        _tags, plain = extent.count(tail, len(tail))
        extent.place(tail, len(tail), plain)
        check()

    total, _names = guard_zip(
        data,
        max_members=max_members,
        max_uncompressed=max_uncompressed,
        max_ratio=max_ratio,
        ratio_min_bytes=ratio_min_bytes,
        required=("xl/workbook.xml", "xl/workbook.bin"),
        missing_message=_("不是有效的 Excel 文件（.xlsx）"),
        visit=count_cells,
    )
    _GUARDED[key] = total
    try:
        while len(_GUARDED) > 8:
            _GUARDED.pop(next(iter(_GUARDED)), None)
    except (RuntimeError, StopIteration):  # another thread trimmed it meanwhile
        pass
    return total


# Files that passed ``guard_xlsx`` lately (digest and caps → total size): an upload is checked
# when it arrives and again by the reader; scanning a county file's XML twice costs a second.
_GUARDED: dict[tuple, int] = {}


# --- reading -------------------------------------------------------------------------------

Rows = list[list[Any]]


def read_sheets(
    data: bytes,
    kind: str,
    *,
    sheet_names: Iterable[str] | None = None,
    max_rows: int = MAX_ROWS,
    max_cols: int = MAX_COLUMNS,
    max_cells: int = MAX_CELLS,
) -> dict[str, Rows]:
    """Every worksheet (or those whose normalised name is among ``sheet_names``), in workbook
    order, keyed by its name as written. ``rows[i]`` is Excel row ``i + 1`` and ``row[j]``
    column ``j + 1``; blank cells are ``None``; formulas give their cached value; trailing
    blank rows and columns are dropped; a formula without a cached value is an
    ``UncomputedFormula``. A .csv reads as one sheet named ``Sheet1``. More than
    ``max_cells`` cells in all (counted before they are built) refuse the file."""
    wanted = None if sheet_names is None else {normalize_header(n) for n in sheet_names}
    if kind == "csv":
        sheets = {
            CSV_SHEET_NAME: _read_csv(
                data, max_rows=max_rows, max_cols=max_cols, max_cells=max_cells
            )
        }
    elif kind in ("xlsx", "xls"):
        formulas = {}
        if kind == "xlsx":
            guard_xlsx(data, max_cells=max_cells)
            formulas = uncomputed_formulas(data, wanted)
        sheets = _read_excel(
            data, wanted, formulas, max_rows=max_rows, max_cols=max_cols,
            max_cells=None if kind == "xlsx" else max_cells,
        )  # fmt: skip
    else:
        raise SpreadsheetError(_("只能上传 .xlsx、.xls 或 .csv 文件"))
    if wanted is not None:
        sheets = {k: v for k, v in sheets.items() if normalize_header(k) in wanted}
    return sheets


def _too_many(sheet: str, what: str, cap: int) -> SpreadsheetError:
    if what == "rows":
        msg = _("工作表「%(sheet)s」超过 %(cap)d 行，请拆分后上传")
    else:
        msg = _("工作表「%(sheet)s」超过 %(cap)d 列，请删除多余的列后上传")
    return SpreadsheetError(msg % {"sheet": sheet, "cap": cap})


def _read_excel(
    data: bytes, wanted, formulas=None, *, max_rows: int, max_cols: int, max_cells: int | None
) -> dict[str, Rows]:
    """``max_cells``: the cap on the sheets' used ranges, checked on calamine's own range
    before any Python cell is built (an .xlsx has its cells counted by ``guard_xlsx``)."""
    import pandas as pd
    from python_calamine import PasswordError

    try:
        with pd.ExcelFile(io.BytesIO(data), engine="calamine") as book:
            result = {}
            cells = 0
            for name in book.sheet_names:
                if wanted is not None and normalize_header(name) not in wanted:
                    continue
                if max_cells is not None:
                    used = book.book.get_sheet_by_name(name)
                    cells += used.height * used.width
                    if cells > max_cells:
                        raise SpreadsheetError(too_many_cells_message(max_cells))
                frame = pd.read_excel(
                    book, sheet_name=name, header=None, dtype=object, nrows=max_rows + 1
                )
                if len(frame) > max_rows:
                    raise _too_many(name, "rows", max_rows)
                rows = [[_plain(v) for v in row] for row in frame.itertuples(index=False)]
                if formulas and name in formulas:
                    _place_formulas(name, rows, formulas[name], max_rows=max_rows)
                rows = _trim(rows)
                if rows and max(len(r) for r in rows) > max_cols:
                    raise _too_many(name, "cols", max_cols)
                result[name] = rows
            return result
    except SpreadsheetError:
        raise
    except PasswordError as exc:
        raise SpreadsheetError(_("文件设有密码（已加密），请在 Excel 中取消密码后再上传")) from exc
    except Exception as exc:  # calamine raises several error types for a damaged file
        raise SpreadsheetError(_("文件已损坏或格式不受支持，无法读取")) from exc


def _read_csv(data: bytes, *, max_rows: int, max_cols: int, max_cells: int) -> Rows:
    # The standard csv reader rather than pandas.read_csv: title rows above the header have
    # fewer fields than the table, which read_csv refuses as a ragged file.
    text = decode_csv(data)
    rows: Rows = []
    cells = 0
    try:
        for fields in csv.reader(io.StringIO(text, newline="")):
            if len(rows) >= max_rows:
                raise _too_many(CSV_SHEET_NAME, "rows", max_rows)
            if len(fields) > max_cols and any(f.strip() for f in fields[max_cols:]):
                raise _too_many(CSV_SHEET_NAME, "cols", max_cols)
            cells += min(len(fields), max_cols)
            if cells > max_cells:
                raise SpreadsheetError(too_many_cells_message(max_cells))
            rows.append([f if f.strip() else None for f in fields[:max_cols]])
    except csv.Error as exc:
        raise SpreadsheetError(_("CSV 文件格式有误，无法读取")) from exc
    return _trim(rows)


def _plain(value: Any) -> Any:
    """pandas/numpy scalars to plain Python; NaN/NaT to None."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ in ("NaTType", "NAType"):
        return None
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    if type(value).__module__ == "numpy":  # numpy numbers and booleans
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    return value


def _trim(rows: Rows) -> Rows:
    while rows and all(is_blank(v) for v in rows[-1]):
        rows.pop()
    width = 0
    for row in rows:
        for j in range(len(row) - 1, -1, -1):
            if not is_blank(row[j]):
                width = max(width, j + 1)
                break
    return [list(row[:width]) + [None] * (width - len(row)) for row in rows]


# --- formulas without a cached value -------------------------------------------------------


class UncomputedFormula(str):
    """A formula cell saved without its computed value, read as its formula text
    ("=SUM(B2:B9)"): never blank, refused by every cleaner (``formula_message``)."""

    __slots__ = ()


_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_FORMULA_TAG = re.compile(rb"<(" + _PREFIX + rb")f[\s>/]")
_F_ELEMENT = re.compile(rb"<(" + _PREFIX + rb")f(?:\s[^>]*?)?(?:/>|>(.*?)</\1f>)", re.S)
_V_ELEMENT = re.compile(rb"<(" + _PREFIX + rb")v(?:\s[^>]*?)?(?:/>|>(.*?)</\1v>)", re.S)
_ROW_END = re.compile(rb"</" + _PREFIX + rb"row>")
_SHEETDATA_END = re.compile(rb"</" + _PREFIX + rb"sheetData>")
_ATTR_R = re.compile(rb"\sr\s*=\s*[\"']([A-Za-z]{1,3}[0-9]+)[\"']")
_ATTR_T = re.compile(rb"\st\s*=\s*[\"']([^\"']*)[\"']")
_TAG_FOLLOWERS = frozenset((b" ", b"\t", b"\r", b"\n", b">", b"/"))
_SCAN_MAX_PENDING = 16 * 1024 * 1024
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_CELL_REF = re.compile(r"([A-Za-z]{1,3})([0-9]+)")
_RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SCAN_CHUNK = 1024 * 1024


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


def _worksheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the zip member holding its XML, from the workbook and its relations."""
    from defusedxml.ElementTree import fromstring

    names = set(zf.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    targets = {}
    for rel in fromstring(zf.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True):
        target = rel.get("Target") or ""
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[rel.get("Id")] = posixpath.normpath(target)
    members = {}
    for element in fromstring(zf.read("xl/workbook.xml"), forbid_dtd=True).iter():
        if _local(element.tag) == "sheet":
            member = targets.get(element.get(f"{{{_RELS_NS}}}id"))
            if member in names:
                members[element.get("name") or ""] = member
    return members


def _cell_start(buf: bytes, prefix: bytes, before: int) -> int:
    """Where the ``<c …>`` element holding a position starts (-1: not found)."""
    tag = b"<" + prefix + b"c"
    at = buf.rfind(tag, 0, before)
    while at >= 0 and buf[at + len(tag) : at + len(tag) + 1] not in _TAG_FOLLOWERS:
        at = buf.rfind(tag, 0, at)
    return at


def _last_row_end(buf: bytes) -> int:
    """The position just after the last ``</row>`` of the buffer (-1: none)."""
    at = buf.rfind(b"row>")
    while at >= 0:
        start = buf.rfind(b"</", 0, at)
        if start >= 0 and _ROW_END.fullmatch(buf, start, at + 4):
            return at + 4
        at = buf.rfind(b"row>", 0, at)
    return -1


def _formula_cell(cell: bytes) -> tuple[int, int, str] | None | bool:
    """A cell element holding a formula → (row, column, formula text) when it has no cached
    value, None when it has one, False when it carries no reference (``r="D3"``)."""
    tag_end = cell.find(b">")
    attrs, body = cell[:tag_end], cell[tag_end + 1 :]
    ref = _ATTR_R.search(attrs)
    if not ref:
        return False
    cached = _V_ELEMENT.search(body)
    value = (cached.group(2) or b"").strip() if cached else b""
    kind = _ATTR_T.search(attrs)
    if cached and (value or (kind and kind.group(1) == b"str")):
        # A formula of text type that gave "" keeps an empty <v>: that is a value.
        return None
    formula = _F_ELEMENT.search(body)
    text = html.unescape((formula.group(2) or b"").decode("utf-8", "replace")).strip()
    letters, digits = _CELL_REF.fullmatch(ref.group(1).decode()).groups()
    return int(digits), _column_index(letters), (f"={text[:100]}" if text else "=…")


def _scan_sheet(zf: zipfile.ZipFile, member: str, found: list, limit: int) -> bool:
    """Appends (row, column, formula text) of each formula cell of a worksheet part saved
    without a cached value. Streams the XML chunk by chunk and looks only at complete rows
    around each ``<f>`` tag (a fast byte scan; memory bounded by the chunk and one row).
    Returns False when that is not enough (a formula cell without its reference, a row
    larger than the bound): the part is then parsed as XML (``_scan_sheet_xml``)."""
    pending = b""
    first = True
    with zf.open(member) as stream:
        while True:
            chunk = stream.read(_SCAN_CHUNK)
            if first and _DOCTYPE.search(chunk):
                raise SpreadsheetError(_("文件已损坏，无法读取"))
            first = False
            buf = pending + chunk
            data_end = _SHEETDATA_END.search(buf) if b"sheetData>" in buf else None
            if data_end:
                cut = data_end.start()
            elif not chunk:
                cut = len(buf)
            else:
                cut = _last_row_end(buf)
                if cut < 0:
                    if len(buf) > _SCAN_MAX_PENDING:
                        return False
                    pending = buf
                    continue
            hinted = b"<f" in buf or b":f" in buf  # a quick test before the regex
            for match in _FORMULA_TAG.finditer(buf, 0, cut) if hinted else ():
                prefix = match.group(1)
                start = _cell_start(buf, prefix, match.start())
                end = buf.find(b"</" + prefix + b"c>", match.start(), cut)
                if start < 0 or end < 0:
                    return False
                cell = _formula_cell(buf[start:end])
                if cell is False:
                    return False
                if cell is not None:
                    found.append(cell)
                    if len(found) > limit:
                        return True
            if data_end or not chunk:
                return True
            pending = buf[cut:]


def _scan_sheet_xml(zf, member: str, found: list, limit: int) -> None:
    """Appends (row, column, formula text) of each formula cell of the part without a cached
    value. Streams the XML: each row is dropped once read, so memory stays bounded."""
    from defusedxml.ElementTree import iterparse

    depth = 0
    parents: list = []
    row_number = 0
    column = 0
    with zf.open(member) as stream:
        for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
            name = _local(element.tag)
            if event == "start":
                depth += 1
                parents.append(element)
                if name == "row":
                    r = element.get("r")
                    row_number = int(r) if r and r.isdigit() else row_number + 1
                    column = 0
                continue
            depth -= 1
            parents.pop()
            if name == "c":
                ref = _CELL_REF.fullmatch(element.get("r") or "")
                column = _column_index(ref.group(1)) if ref else column + 1
                row = int(ref.group(2)) if ref else row_number
                formula = cached = None
                for child in element:
                    child_name = _local(child.tag)
                    if child_name == "f":
                        formula = child
                    elif child_name == "v":
                        cached = child
                # A formula of text type that gave "" keeps an empty <v>: that is a value.
                missing = cached is None or (
                    not (cached.text or "").strip() and element.get("t") != "str"
                )
                if formula is not None and missing:
                    text = (formula.text or "").strip()
                    found.append((row, column, f"={text[:100]}" if text else "=…"))
                    if len(found) > limit:
                        return
            elif name == "row" or depth == 1:
                element.clear()
                if parents:
                    parents[-1].remove(element)


def uncomputed_formulas(
    data: bytes, wanted: set[str] | None = None, *, limit: int = MAX_UNCOMPUTED_FORMULAS
) -> dict[str, list[tuple[int, int, str]]]:
    """The formula cells of an .xlsx (already through ``guard_xlsx``) saved without a cached
    value: sheet name → [(Excel row, column number, formula text)]. Only sheets holding a
    ``<f>`` element at all are parsed. More than ``limit`` cells refuse the file, naming the
    first ten."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for sheet, member in _worksheet_members(zf).items():
                if wanted is not None and normalize_header(sheet) not in wanted:
                    continue
                cells: list[tuple[int, int, str]] = []
                if not _scan_sheet(zf, member, cells, limit - total):
                    cells = []
                    _scan_sheet_xml(zf, member, cells, limit - total)
                if cells:
                    found[sheet] = cells
                    total += len(cells)
                if total > limit:
                    break
    except SpreadsheetError:
        raise
    except Exception as exc:  # a damaged part: XML errors, bad zip members
        raise SpreadsheetError(_("文件已损坏，无法读取")) from exc
    if total > limit:
        named = [
            f"{sheet}!{column_letter(c)}{r}" for sheet, cells in found.items() for r, c, _f in cells
        ][:10]
        raise SpreadsheetError(
            _(
                "文件中有 %(n)d 个以上没有计算结果的公式单元格（%(cells)s 等），请在 Excel 中重新计算并保存，或粘贴为数值"
            )
            % {"n": limit, "cells": "、".join(named)}
        )
    return found


def _place_formulas(
    name: str, rows: Rows, cells: list[tuple[int, int, str]], *, max_rows: int
) -> None:
    """Puts each uncomputed formula in its place (calamine read those cells as blank)."""
    for row, column, text in cells:
        if row > max_rows:
            raise _too_many(name, "rows", max_rows)
        while len(rows) < row:
            rows.append([])
        cells_of_row = rows[row - 1]
        if len(cells_of_row) < column:
            cells_of_row.extend([None] * (column - len(cells_of_row)))
        cells_of_row[column - 1] = UncomputedFormula(text)


# --- headers -------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def normalize_header(text: Any) -> str:
    """Header text as compared: NFKC (full-width letters and digits become ASCII), without
    any space (full-width U+3000 and no-break spaces too)."""
    if is_blank(text):
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    return _SPACES.sub("", text.replace("\u3000", "").replace("\xa0", "")).strip()


Names = str | Iterable[str]


def _alternatives(names: Names) -> set[str]:
    if isinstance(names, str):
        return {normalize_header(names)}
    return {normalize_header(n) for n in names}


def find_header_row(
    rows: Rows, required: Iterable[Names], any_of: Iterable[str] = (), max_scan: int = 30
) -> int | None:
    """The index in ``rows`` (Excel row = index + 1) of the first of the first ``max_scan``
    rows that holds every ``required`` name and, when ``any_of`` is given, at least one of
    those. Each required entry is a name or a set of synonyms (``{"学籍号", "考号", "学号"}``).
    Names are compared normalised, so ``考 号`` is ``考号``."""
    required_sets = [_alternatives(r) for r in required]
    any_set = _alternatives(any_of) if any_of else set()
    for index, row in enumerate(rows[:max_scan]):
        present = {normalize_header(v) for v in row if not is_blank(v)}
        if all(alts & present for alts in required_sets) and (not any_set or any_set & present):
            return index
    return None


@dataclass(frozen=True)
class Column:
    index: int  # 0-based position in the row
    header: str  # the header text as written


def map_columns(header: list[Any], fields: dict[str, Names]) -> dict[str, Column]:
    """Which column holds each field: ``fields`` maps a key to its header name or synonyms.
    The first matching column wins; fields without a column are absent from the answer."""
    found: dict[str, Column] = {}
    normalised = [normalize_header(v) for v in header]
    for key, names in fields.items():
        alts = _alternatives(names)
        for index, text in enumerate(normalised):
            if text and text in alts:
                found[key] = Column(index, str(header[index]).strip())
                break
    return found


# --- cells ---------------------------------------------------------------------------------

Cleaned = tuple[Any, str | None]

ABSENT_MARKERS = frozenset({"缺考", "缺", "-", "—", "——", "/", "－", "／"})
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_TRUE = frozenset({"是", "有", "y", "yes", "1", "true", "√", "✓", "✔", "对"})
_FALSE = frozenset({"否", "无", "n", "no", "0", "false", "×", "✗", "✘", "x", "错"})


def is_blank(cell: Any) -> bool:
    if cell is None:
        return True
    if isinstance(cell, float) and math.isnan(cell):
        return True
    return isinstance(cell, str) and normalize_space(cell) == ""


def normalize_space(text: str) -> str:
    return text.replace("\u3000", " ").replace("\xa0", " ").strip()


# Invisible characters that may stand before a formula's first character: zero-width
# spaces and marks (U+200B–U+200F), the word joiner (U+2060), the BOM (U+FEFF), and tabs,
# line breaks and other spaces.
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
# What Excel (and CSV readers after it) may take as the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@")


def _lead(cell: str) -> str:
    """Text as a spreadsheet sees its start: NFKC (full-width ＝＋－＠ as ASCII), without the
    invisible characters and spaces in front."""
    return unicodedata.normalize("NFKC", cell).lstrip(_INVISIBLE + " \t\r\n\u3000\xa0")


def _formula_text(cell: Any) -> bool:
    """A text cell starting with "=" (behind spaces or invisible characters): formula text."""
    return isinstance(cell, str) and _lead(cell).startswith("=")


def is_formula_like(cell: Any) -> bool:
    """A text cell that a spreadsheet could run as a formula: it starts with = + - or @,
    possibly behind spaces or invisible characters ("\u200b=HYPERLINK(…)"). A lone "+", "-"
    or "@" is harmless text; numbers are not text (a negative score is a number)."""
    if not isinstance(cell, str):
        return False
    lead = _lead(cell).rstrip()
    return lead.startswith(FORMULA_PREFIXES) and (len(lead) > 1 or lead == "=")


def formula_message(cell: Any = None) -> str:
    """Why a formula-like cell is refused: formula text, a formula without a value, or text
    starting with + - @ that Excel would run."""
    if isinstance(cell, UncomputedFormula):
        return _("单元格是没有计算结果的公式，请在 Excel 中重新计算并保存，或粘贴为数值")
    if isinstance(cell, str) and not _formula_text(cell):
        return _("以“=”“+”“-”“@”开头的内容会被 Excel 当作公式，请删除开头的符号后重新上传")
    return _("单元格是公式文本，请复制后“选择性粘贴为数值”")


# --- personal columns ----------------------------------------------------------------------

# Words that mark a column of personal data the analysis does not need (SPEC §2): ID card,
# phone, address, parents. Compared with the header without spaces (full-width too) and
# invisible characters, as a part of it ("家长电话", "学生身份证号", "家庭住址").
PERSONAL_HEADER_WORDS = (
    "身份证",
    "证件号",
    "证件类型",
    "电话",
    "手机",
    "联系方式",
    "住址",
    "地址",
    "家长",
    "监护人",
    "父亲",
    "母亲",
    "户籍",
    "户口",
)


def personal_columns(header: list[Any]) -> list[Column]:
    """The columns of a header row that hold personal data (``PERSONAL_HEADER_WORDS``)."""
    found = []
    for index, text in enumerate(header):
        key = normalize_header(text).translate({ord(ch): None for ch in _INVISIBLE})
        if key and any(word in key for word in PERSONAL_HEADER_WORDS):
            found.append(Column(index, str(text).strip()))
    return found


def personal_column_problems(sheet: str, header_row: int, header: list[Any]) -> list[Problem]:
    """An error on each personal column of a header row (Excel number ``header_row``)."""
    return [
        error(
            sheet,
            header_row,
            column.header,
            column.header,
            _("“%(col)s”是个人信息列，成绩分析不需要，系统不保存此类信息：请删除该列后重新上传")
            % {"col": column.header},
        )
        for column in personal_columns(header)
    ]


def clean_text(cell: Any) -> Cleaned:
    """Text with the spaces around it removed; numbers as written (9 not 9.0); blank → None."""
    if is_blank(cell):
        return None, None
    if is_formula_like(cell):
        return None, formula_message(cell)
    if isinstance(cell, bool):
        return ("是" if cell else "否"), None
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell)), None
    if isinstance(cell, datetime) and cell.time() == time(0):
        return cell.date().isoformat(), None
    text = normalize_space(str(cell)).strip(_INVISIBLE).strip()
    return (text or None), None


def clean_code(cell: Any) -> Cleaned:
    """An identifier (school code, staff number): text, NFKC, no spaces inside."""
    value, problem = clean_text(cell)
    if value is None:
        return None, problem
    return normalize_header(value), None


def clean_number(cell: Any) -> Cleaned:
    """A number: int or float cells, or text such as " 85 " or full-width "８５．５".
    Blank → None. Anything else → "不是有效的数字"."""
    if is_blank(cell):
        return None, None
    if _formula_text(cell):
        return None, formula_message(cell)
    invalid = _("不是有效的数字")
    if isinstance(cell, bool):
        return None, invalid
    if isinstance(cell, int):
        return cell, None
    if isinstance(cell, float | Decimal):
        number = float(cell)
        if not math.isfinite(number):
            return None, invalid
        return (int(number) if number.is_integer() else number), None
    if not isinstance(cell, str):
        return None, invalid
    text = _SPACES.sub("", unicodedata.normalize("NFKC", cell))
    text = text.replace("。", ".")
    if not _NUMBER.fullmatch(text):
        return None, invalid
    if "." not in text:
        return int(text), None
    try:
        number = float(Decimal(text))
    except InvalidOperation:
        return None, invalid
    return number, None


def clean_int(cell: Any) -> Cleaned:
    """A whole number (7, 7.0, "７"); blank → None; 7.5 → "不是整数"."""
    if _formula_text(cell):
        return None, formula_message(cell)
    value, problem = clean_number(cell)
    if problem:
        return None, _("不是有效的整数")
    if value is None:
        return None, None
    if isinstance(value, float):
        if not value.is_integer():
            return None, _("不是整数")
        value = int(value)
    return value, None


def clean_bool(cell: Any) -> Cleaned:
    """是/否, 有/无, Y/N, 1/0, true/false, √/×; blank → None."""
    if is_blank(cell):
        return None, None
    if _formula_text(cell):
        return None, formula_message(cell)
    if isinstance(cell, bool):
        return cell, None
    if isinstance(cell, int | float) and cell in (0, 1):
        return bool(cell), None
    text = normalize_header(cell).casefold()
    if text in _TRUE:
        return True, None
    if text in _FALSE:
        return False, None
    return None, _("应填“是”或“否”")


def is_absent_marker(cell: Any) -> bool:
    """Blank, 缺考, 缺, -, —, / (SPEC §1): a listed student without a score."""
    if is_blank(cell):
        return True
    return isinstance(cell, str) and normalize_header(cell) in {
        normalize_header(m) for m in ABSENT_MARKERS
    }


def choice_key(text: Any) -> str:
    return normalize_header(text).casefold()


def clean_choice(cell: Any, choices: dict[str, str], *, what: str = "") -> Cleaned:
    """A label mapped to its code (``{"初中": "junior"}``), ignoring case and spaces;
    blank → None. The message names ``what`` ("不是有效的学段")."""
    if is_blank(cell):
        return None, None
    if is_formula_like(cell):
        return None, formula_message(cell)
    key = choice_key(display_value(cell))
    for label, code in choices.items():
        if choice_key(label) == key:
            return code, None
    if what:
        return None, _("不是有效的%(what)s") % {"what": what}
    return None, _("不是有效的选项")


# --- writing ---------------------------------------------------------------------------
# Every workbook the portal writes (templates, exports, annotated copies) sets its cells
# through these two: openpyxl stores a str beginning with "=" as a formula (and "#N/A" as
# an error value), so a student named "=HYPERLINK(…)" would become a live link in whoever
# opens the file. Text is always written as a string cell.


def write_cell(cell, value: Any):
    """Sets an openpyxl cell (of an ordinary or a write-only sheet); text stays text."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def append_row(sheet, values: Iterable[Any]) -> None:
    """Appends a row to an openpyxl worksheet (ordinary or write-only); text stays text.
    Cells already built (``WriteOnlyCell`` with a style) are appended as they are."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    values = list(values)
    if isinstance(sheet, WriteOnlyWorksheet):
        sheet.append(
            [write_cell(WriteOnlyCell(sheet), v) if isinstance(v, str) else v for v in values]
        )
        return
    sheet.append(values)
    row = sheet._current_row  # the row just appended
    for column, value in enumerate(values, start=1):
        if isinstance(value, str):
            sheet.cell(row=row, column=column).data_type = "s"


# --- the annotated copy --------------------------------------------------------------------

_FILLS = {ERROR: "FFF4A3A3", WARNING: "FFFFD98A"}


def sniff_kind(data: bytes) -> str:
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE2_MAGIC):
        return "xls"
    return "csv"


def annotate_workbook(
    data: bytes,
    problems: list[Problem],
    header_rows: dict[str, int],
    *,
    kind: str | None = None,
    author: str = "提质",
) -> bytes:
    """The upload as .xlsx with each problem cell filled (red: error, amber: warning) and
    commented with its messages. ``header_rows`` maps a sheet name to the Excel row number
    of its header, where a problem's column is looked up; a problem without a column marks
    the first cell of its row, one without a row the header cell (or A1). A .csv or .xls
    upload, or a very large .xlsx, comes back as a fresh workbook built from the read rows."""
    kind = kind or sniff_kind(data)
    by_cell = _locate(data, kind, problems, header_rows)
    if kind == "xlsx" and guard_xlsx(data) <= ANNOTATE_IN_PLACE_MAX_BYTES:
        return _annotate_in_place(data, by_cell, author)
    return _annotate_rebuilt(read_sheets(data, kind), by_cell, author)


def _locate(data, kind, problems, header_rows) -> dict[tuple[str, int, int], list[Problem]]:
    """(sheet, row, column), both 1-based, → the problems on that cell."""
    headers: dict[str, list[str]] = {}
    needed = {p.sheet for p in problems if p.column and p.sheet in header_rows}
    if needed:
        for name, rows in read_sheets(data, kind, sheet_names=needed).items():
            index = header_rows.get(name, 0) - 1
            headers[name] = (
                [normalize_header(v) for v in rows[index]] if 0 <= index < len(rows) else []
            )
    located: dict[tuple[str, int, int], list[Problem]] = {}
    for p in problems:
        header_row = header_rows.get(p.sheet, 1)
        col = 1
        if p.column:
            names = headers.get(p.sheet, [])
            key = normalize_header(p.column)
            if key in names:
                col = names.index(key) + 1
        row = p.row if p.row is not None else header_row
        located.setdefault((p.sheet, row, col), []).append(p)
    return located


def _comment_text(problems: list[Problem]) -> str:
    return "\n".join(p.message for p in problems)[:2000]


def _fill_for(problems: list[Problem]):
    from openpyxl.styles import PatternFill

    colour = _FILLS[ERROR] if any(p.is_error for p in problems) else _FILLS[WARNING]
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def _annotate_in_place(data: bytes, by_cell, author: str) -> bytes:
    import openpyxl
    from openpyxl.comments import Comment

    try:
        book = openpyxl.load_workbook(io.BytesIO(data))
    except Exception:
        return _annotate_rebuilt(read_sheets(data, "xlsx"), by_cell, author)
    for (sheet, row, col), problems in by_cell.items():
        if sheet not in book.sheetnames:
            continue
        cell = book[sheet].cell(row=row, column=col)
        cell.fill = _fill_for(problems)
        cell.comment = Comment(_comment_text(problems), author, width=300, height=120)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _annotate_rebuilt(sheets: dict[str, Rows], by_cell, author: str) -> bytes:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.comments import Comment

    book = openpyxl.Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        marked = {(r, c): ps for (s, r, c), ps in by_cell.items() if s == name}
        last_row = max([len(rows)] + [r for r, _c in marked])
        for r in range(1, last_row + 1):
            values = rows[r - 1] if r <= len(rows) else []
            width = max([len(values)] + [c for (rr, c) in marked if rr == r])
            out_row = []
            for c in range(1, width + 1):
                value = values[c - 1] if c <= len(values) else None
                cell = write_cell(WriteOnlyCell(sheet), _writable(value))
                if (r, c) in marked:
                    cell.fill = _fill_for(marked[(r, c)])
                    cell.comment = Comment(_comment_text(marked[(r, c)]), author)
                out_row.append(cell)
            sheet.append(out_row)
    if not sheets:
        book.create_sheet(title=CSV_SHEET_NAME)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _writable(value: Any) -> Any:
    """Values openpyxl can write as they were read; anything else as its text."""
    if isinstance(value, int | float | bool | datetime | date | time | timedelta | str):
        return value
    return None if value is None else str(value)
