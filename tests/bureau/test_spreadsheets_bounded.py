"""Reading an upload is bounded: a 1 MB workbook whose sheet expands to ~186 MB of XML (just
under the zip guard's size and ratio caps) is refused by the cell cap while its XML streams
past, in bounded time and memory — it used to cost a worker 20 s and ~1.3 GB."""

import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile

import pytest

from core import spreadsheets
from core.spreadsheets import SpreadsheetError, check_upload, read_sheets

HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="成绩" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
SHARED = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="7" '
    'uniqueCount="7">' + "".join(f"<si><t>{s}</t></si>" for s in "甲乙丙丁戊己庚") + "</sst>"
)


def expanding_workbook(rows: int, cols: int = 200, *, refs: bool = False) -> bytes:
    """An .xlsx of ``rows`` × ``cols`` cells, each a short shared string: highly compressible
    XML, streamed into the zip so that the test never holds the expanded sheet. Cells carry
    no reference (a reader places them in order) unless ``refs`` (as Excel writes them)."""
    letters = [spreadsheets.column_letter(j + 1) for j in range(cols)]
    body = "".join(f'<c t="s"><v>{j % 7}</v></c>' for j in range(cols)).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", RELS)
        zf.writestr("xl/sharedStrings.xml", SHARED)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(HEAD)
            chunk = []
            for r in range(1, rows + 1):
                if refs:
                    body = "".join(
                        f'<c r="{c}{r}" t="s"><v>{j % 7}</v></c>' for j, c in enumerate(letters)
                    ).encode()
                chunk.append(b'<row r="%d">%s</row>' % (r, body))
                if len(chunk) == 500:
                    sheet.write(b"".join(chunk))
                    chunk = []
            sheet.write(b"".join(chunk) + b"</sheetData></worksheet>")
    return out.getvalue()


CHILD = textwrap.dedent(
    """
    import json, sys, time
    import django

    def peak_mb():
        # VmHWM: this process's own peak resident size (ru_maxrss would carry the peak of
        # the forking test runner across exec).
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024

    from django.conf import settings
    settings.configure(USE_I18N=False)
    django.setup()
    from core.spreadsheets import SpreadsheetError, check_upload, read_sheets
    data = open(sys.argv[1], "rb").read()
    before = peak_mb()
    start = time.perf_counter()
    try:
        kind = check_upload("成绩.xlsx", data)
        read_sheets(data, kind)
        outcome = "read"
    except SpreadsheetError as exc:
        outcome = exc.message
    print(json.dumps({
        "outcome": outcome,
        "seconds": time.perf_counter() - start,
        "before_mb": before,
        "peak_mb": peak_mb(),
    }))
    """
)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> tuple[bytes, str]:
    data = expanding_workbook(44_000)  # 8.8 million cells, ~186 MB of sheet XML
    path = tmp_path_factory.mktemp("hostile") / "expanding.xlsx"
    path.write_bytes(data)
    return data, str(path)


def test_the_file_is_within_the_zip_caps(bomb):
    data, _path = bomb
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet = zf.getinfo("xl/worksheets/sheet1.xml")
        total = sum(m.file_size for m in zf.infolist())
    # About 1 MB on disk, ~186 MB inflated, a ratio just under the cap of 200.
    assert len(data) < 1.2 * 1024 * 1024
    assert 150 * 1024 * 1024 < total < spreadsheets.MAX_UNCOMPRESSED_BYTES
    assert 150 < sheet.file_size / sheet.compress_size < spreadsheets.MAX_COMPRESSION_RATIO


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="peak memory from /proc")
def test_an_expanding_workbook_is_refused_in_bounded_time_and_memory(bomb):
    _data, path = bomb
    done = subprocess.run(
        [sys.executable, "-c", CHILD, path], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["outcome"] == (
        "文件中的单元格太多（超过 1,200,000 个），请只保留需要的工作表和列，或拆分后上传"
    )
    assert report["seconds"] < 15
    assert report["peak_mb"] < 500
    # Refused while streaming: the process grew by a few MB, not by the sheet's size.
    assert report["peak_mb"] - report["before_mb"] < 100, report


def test_the_cell_cap_applies_to_every_reader():
    # 4 × 3 cells: 12 > a cap of 10, in an .xlsx, a .csv and an .xls alike.
    small = expanding_workbook(4, cols=3)
    with pytest.raises(SpreadsheetError, match="单元格太多（超过 10 个）"):
        read_sheets(small, check_upload("a.xlsx", small), max_cells=10)
    assert len(read_sheets(small, "xlsx", max_cells=12)["成绩"]) == 4
    csv = "\n".join(["a,b,c"] * 4).encode()
    with pytest.raises(SpreadsheetError, match="单元格太多（超过 10 个）"):
        read_sheets(csv, "csv", max_cells=10)
    assert len(read_sheets(csv, "csv", max_cells=12)["Sheet1"]) == 4


def test_a_tag_cut_between_two_chunks_is_counted_once():
    # The counter reads 1 MB chunks: cells straddling a chunk's end count exactly once.
    rows = 1_500  # 1,500 × 200 = 300,000 cells in ~6.3 MB of XML: six chunk ends
    data = expanding_workbook(rows)
    assert spreadsheets.guard_xlsx(data, max_cells=rows * 200) > 0
    with pytest.raises(SpreadsheetError, match="单元格太多"):
        spreadsheets.guard_xlsx(data, max_cells=rows * 200 - 1)


def sparse_workbook(extra: bytes) -> bytes:
    """A one-sheet .xlsx with a value in A1 and ``extra`` rows after it."""
    sheet = HEAD + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + extra
    sheet += b"</sheetData></worksheet>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", RELS)
        zf.writestr("xl/sharedStrings.xml", SHARED)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


@pytest.mark.parametrize(
    "extra",
    [
        # two cells 17 billion cells apart: a reader would build the whole range between them
        b'<row r="1048576"><c r="XFD1048576" t="s"><v>1</v></c></row>',
        b'<row r="2"><c r="A1048576" t="s"><v>1</v></c></row>',  # a cell unlike its row
        b'<row r="1000"><c r="xfd1000" t="s"><v>1</v></c></row>',  # lower-case reference
        b"<row r='1000'><c t='s' r='XFD1000'><v>1</v></c></row>",  # quotes and order
        b'<x:row r="9000"><x:c r="ZZ9000" t="s"><x:v>1</x:v></x:c></x:row>',  # a prefix
        # cells without a reference sit one after another: 16,000 of them in row 199,999
        b'<row r="199999">' + b'<c t="s"><v>1</v></c>' * 16_000 + b"</row>",
        b'<row r="5000">' + b'<c\tt="s"><v>1</v></c>' * 2_000 + b"</row>",  # a tab, no space
    ],
)
def test_a_few_cells_far_apart_are_refused_before_a_reader_builds_the_range(extra):
    data = sparse_workbook(extra)
    with pytest.raises(SpreadsheetError, match="单元格太多"):
        read_sheets(data, check_upload("a.xlsx", data), max_cells=1_000_000)


def test_a_near_cell_and_an_empty_formatted_row_far_down_are_read():
    data = sparse_workbook(
        b'<row r="2"><c r="B2" t="s"><v>1</v></c></row>'
        b'<row r="1048576" s="1" customFormat="1"/>'  # formatting only: no cell
    )
    assert read_sheets(data, check_upload("a.xlsx", data))["成绩"] == [["甲", None], [None, "乙"]]
