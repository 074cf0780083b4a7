"""The safe spreadsheet reader: type sniffing, caps, bombs, headers, cleaners, annotation."""

import io
import time
import zipfile

import openpyxl
import pytest

from core import spreadsheets as ss
from core.spreadsheets import (
    Problem,
    SpreadsheetError,
    annotate_workbook,
    check_upload,
    clean_bool,
    clean_choice,
    clean_int,
    clean_number,
    clean_text,
    find_header_row,
    is_absent_marker,
    map_columns,
    normalize_header,
    read_sheets,
    safe_display_name,
)

FORMULA_TEXT = "单元格是公式文本，请复制后“选择性粘贴为数值”"
BOMB = "文件结构异常（压缩比过高或内容过多），已拒绝读取"


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- the upload ----------------------------------------------------------------------------


def test_defusedxml_is_used_by_openpyxl():
    assert openpyxl.xml.DEFUSEDXML is True


def test_kinds_by_extension_and_content():
    assert check_upload("成绩.xlsx", xlsx({"S": [["a"]]})) == "xlsx"
    assert check_upload("成绩.XLSX", xlsx({"S": [["a"]]})) == "xlsx"
    assert check_upload("成绩.csv", "考号,语文\n1,80\n".encode()) == "csv"
    assert check_upload("old.xls", ss.OLE2_MAGIC + b"\x00" * 504) == "xls"


def test_a_text_file_named_xlsx_is_rejected():
    with pytest.raises(SpreadsheetError) as exc:
        check_upload("成绩.xlsx", b"name,score\nzhang,90\n")
    assert exc.value.message == "文件内容与扩展名 .xlsx 不符，请上传 Excel 另存的原始文件"


def test_an_xlsx_named_csv_and_other_extensions_are_rejected():
    with pytest.raises(SpreadsheetError, match="与扩展名 .csv 不符"):
        check_upload("a.csv", xlsx({"S": [["a"]]}))
    with pytest.raises(SpreadsheetError, match="只能上传 .xlsx、.xls 或 .csv 文件"):
        check_upload("a.exe", b"MZ")
    with pytest.raises(SpreadsheetError, match="只能上传"):
        check_upload("xlsx", b"PK\x03\x04")
    with pytest.raises(SpreadsheetError, match="文件是空的"):
        check_upload("a.csv", b"")


def test_a_binary_csv_is_rejected():
    with pytest.raises(SpreadsheetError, match="二进制"):
        check_upload("a.csv", b"a,b\n\x00\x01")


def test_size_cap(settings):
    settings.TIZHI_MAX_UPLOAD_BYTES = 10
    with pytest.raises(SpreadsheetError, match="文件太大"):
        check_upload("a.csv", b"a,b,c,d,e,f\n")
    assert check_upload("a.csv", b"a,b,c,d,e,f\n", max_bytes=100) == "csv"


def test_check_upload_accepts_a_file_object_and_rewinds_it():
    f = io.BytesIO("考号\n1\n".encode())
    assert check_upload("a.csv", f) == "csv"
    assert f.read() == "考号\n1\n".encode()


def test_encrypted_workbook_is_named_as_such():
    # A password-protected .xlsx is an OLE2 container with an EncryptedPackage stream.
    data = ss.OLE2_MAGIC + b"\x00" * 100 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 50
    with pytest.raises(SpreadsheetError) as exc:
        check_upload("成绩.xlsx", data)
    assert exc.value.message == "文件设有密码（已加密），请在 Excel 中取消密码后再上传"


def test_a_corrupt_zip_is_rejected():
    data = xlsx({"S": [["a"]]})
    with pytest.raises(SpreadsheetError, match="文件已损坏"):
        check_upload("a.xlsx", data[: len(data) // 2])


def test_a_zip_that_is_no_workbook_is_rejected():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(SpreadsheetError, match=r"不是有效的 Excel 文件（.xlsx）"):
        check_upload("a.xlsx", out.getvalue())


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.xlsx", "passwd.xlsx"),
        ("a/b\\c.xlsx", "c.xlsx"),
        ("C:\\Users\\张三\\成绩.xlsx", "成绩.xlsx"),
        ("ev\x00il\r\n.xlsx", "evil.xlsx"),
        ("..", ""),
        ("成" * 120 + ".xlsx", "成" * 95 + ".xlsx"),
    ],
)
def test_safe_display_name(name, shown):
    assert safe_display_name(name) == shown


def test_path_trick_names_are_judged_by_their_base_name():
    assert check_upload("../../etc/passwd.xlsx", xlsx({"S": [["a"]]})) == "xlsx"
    with pytest.raises(SpreadsheetError, match="只能上传"):
        check_upload("a.xlsx/../passwd", b"root:x:0:0")


# --- zip bombs -----------------------------------------------------------------------------


def _bomb(path, sheet_mb: int) -> bytes:
    """A valid-looking .xlsx whose sheet XML inflates to ``sheet_mb`` MB of zeros, streamed
    to disk in 1 MB chunks so the test never holds it in memory."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><worksheet><sheetData>')
            chunk = b"0" * (1024 * 1024)
            for _ in range(sheet_mb):
                member.write(chunk)
            member.write(b"</sheetData></worksheet>")
    return path.read_bytes()


def test_zip_bomb_is_rejected_fast(tmp_path):
    data = _bomb(tmp_path / "bomb.xlsx", 240)
    assert len(data) < 2 * 1024 * 1024  # 240 MB of zeros deflates to well under 1 MB
    started = time.perf_counter()
    with pytest.raises(SpreadsheetError) as exc:
        check_upload("成绩.xlsx", data)
    assert time.perf_counter() - started < 0.5
    assert exc.value.message == BOMB
    started = time.perf_counter()
    with pytest.raises(SpreadsheetError, match="压缩比过高"):
        read_sheets(data, "xlsx")
    assert time.perf_counter() - started < 0.5


def test_high_ratio_member_under_the_total_cap_is_rejected(tmp_path):
    # 5 MB of zeros: under the total cap, but compressed about 1000:1.
    data = _bomb(tmp_path / "small-bomb.xlsx", 5)
    with pytest.raises(SpreadsheetError, match="压缩比过高"):
        check_upload("成绩.xlsx", data)
    with pytest.raises(SpreadsheetError, match="压缩比过高"):
        check_upload("成绩.xlsx", data, max_ratio=10)
    # the same file passes the ratio check only when the cap is lifted
    assert check_upload("成绩.xlsx", data, max_ratio=10_000) == "xlsx"


def test_total_uncompressed_cap(tmp_path):
    data = xlsx({"S": [["x" * 1000] for _ in range(50)]})
    with pytest.raises(SpreadsheetError, match="压缩比过高或内容过多"):
        check_upload("a.xlsx", data, max_uncompressed=10_000)


def test_member_count_cap():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(1_001):
            zf.writestr(f"xl/media/{i}.xml", "")
    with pytest.raises(SpreadsheetError) as exc:
        check_upload("a.xlsx", out.getvalue())
    assert exc.value.message == BOMB


def test_a_member_lying_about_its_size_is_caught():
    data = bytearray(xlsx({"S": [["x" * 5000]]}))
    # Shrink the declared size of every member in the central directory: inflating the real
    # data then overruns what was declared, which the guard detects.
    cd = data.rfind(b"PK\x05\x06")
    start = int.from_bytes(data[cd + 16 : cd + 20], "little")
    pos = start
    while data[pos : pos + 4] == b"PK\x01\x02":
        data[pos + 24 : pos + 28] = (1).to_bytes(4, "little")
        pos += 46 + sum(int.from_bytes(data[pos + k : pos + k + 2], "little") for k in (28, 30, 32))
    with pytest.raises(SpreadsheetError, match="文件已损坏"):
        check_upload("a.xlsx", bytes(data))


# --- reading -------------------------------------------------------------------------------


def test_read_keeps_excel_row_numbers_and_plain_values():
    data = xlsx(
        {
            "成绩": [
                ["某校九年级成绩表"],
                [],
                ["考 号", "姓名", "语文"],
                ["2609101001", "张三", 85],
                ["2609101002", "李四", 90.5],
                [],
                [],
            ],
            "空表": [],
        }
    )
    sheets = read_sheets(data, "xlsx")
    assert list(sheets) == ["成绩", "空表"]
    assert sheets["成绩"] == [
        ["某校九年级成绩表", None, None],
        [None, None, None],
        ["考 号", "姓名", "语文"],
        ["2609101001", "张三", 85],
        ["2609101002", "李四", 90.5],
    ]
    assert sheets["空表"] == []
    assert read_sheets(data, "xlsx", sheet_names=["成 绩"]).keys() == {"成绩"}


def test_formula_cells_give_their_cached_value_and_formula_text_stays_text():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "S"
    sheet["A1"] = "=SUM(B1)"
    sheet["A1"].data_type = "s"  # text that looks like a formula, as typed into a text cell
    out = io.BytesIO()
    book.save(out)
    rows = read_sheets(out.getvalue(), "xlsx")["S"]
    assert rows == [["=SUM(B1)"]]
    assert clean_number(rows[0][0]) == (None, FORMULA_TEXT)
    assert clean_text(rows[0][0]) == (None, FORMULA_TEXT)


def test_csv_in_gb18030_is_read_right():
    text = "九年级成绩\n考号,姓名,语文\n2609101001,张三丰,８５\n2609101002,李四,缺考\n"
    sheets = read_sheets(text.encode("gb18030"), "csv")
    assert sheets == {
        "Sheet1": [
            ["九年级成绩", None, None],
            ["考号", "姓名", "语文"],
            ["2609101001", "张三丰", "８５"],
            ["2609101002", "李四", "缺考"],
        ]
    }


def test_csv_in_utf8_with_bom():
    sheets = read_sheets("\ufeff考号,姓名\n1,张三\n".encode(), "csv")
    assert sheets["Sheet1"][0] == ["考号", "姓名"]


def test_row_cap_with_a_small_cap():
    data = xlsx({"S": [[i] for i in range(11)]})
    assert len(read_sheets(data, "xlsx", max_rows=11)["S"]) == 11
    with pytest.raises(SpreadsheetError) as exc:
        read_sheets(data, "xlsx", max_rows=10)
    assert exc.value.message == "工作表「S」超过 10 行，请拆分后上传"
    with pytest.raises(SpreadsheetError, match="超过 10 行"):
        read_sheets(("a\n" * 11).encode(), "csv", max_rows=10)


def test_column_cap_with_a_small_cap():
    data = xlsx({"S": [list(range(6))]})
    with pytest.raises(SpreadsheetError) as exc:
        read_sheets(data, "xlsx", max_cols=5)
    assert exc.value.message == "工作表「S」超过 5 列，请删除多余的列后上传"


def test_a_corrupt_xls_is_rejected():
    with pytest.raises(SpreadsheetError, match="文件已损坏或格式不受支持"):
        read_sheets(ss.OLE2_MAGIC + b"\x00" * 600, "xls")


# --- headers -------------------------------------------------------------------------------


def test_normalize_header():
    assert normalize_header(" 考 号 ") == "考号"
    assert normalize_header("考\u3000号") == "考号"
    assert normalize_header("学\xa0籍 号") == "学籍号"
    assert normalize_header("ＡＢ１２") == "AB12"
    assert normalize_header(None) == ""


def test_find_header_row_below_title_rows():
    rows = [
        ["青石镇初级中学2026年秋季九年级月考成绩统计表", None, None, None],
        [None, None, None, None],
        ["说明：考号为学籍号", None, None, None],
        ["考 号", "姓名", "班级", "语文"],
        ["2609101001", "张三", "九(1)班", 85],
    ]
    student_number = {"学籍号", "考号", "学号"}
    assert find_header_row(rows, [student_number], any_of={"语文", "数学"}) == 3
    # a row with the student number but no subject of the exam is not the header
    assert find_header_row(rows, [student_number], any_of={"物理"}) is None
    assert find_header_row(rows, [student_number, "姓名"]) == 3
    assert find_header_row(rows, [student_number], max_scan=3) is None


def test_map_columns_takes_synonyms_and_keeps_the_header_as_written():
    header = ["序号", "考 号", "姓名", None, "语　文"]
    columns = map_columns(
        header, {"number": {"学籍号", "考号"}, "name": "姓名", "chinese": "语文", "x": "学校"}
    )
    assert columns == {
        "number": ss.Column(1, "考 号"),
        "name": ss.Column(2, "姓名"),
        "chinese": ss.Column(4, "语　文"),
    }


# --- cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (85, (85, None)),
        (85.5, (85.5, None)),
        (0, (0, None)),
        (" 85 ", (85, None)),
        ("８５．５", (85.5, None)),
        ("\u300092\u3000", (92, None)),
        ("-3", (-3, None)),
        (None, (None, None)),
        (float("nan"), (None, None)),
        ("", (None, None)),
        ("  ", (None, None)),
        ("85分", (None, "不是有效的数字")),
        ("八十", (None, "不是有效的数字")),
        ("1,000", (None, "不是有效的数字")),
        (True, (None, "不是有效的数字")),
        (float("inf"), (None, "不是有效的数字")),
        ("=SUM(A1)", (None, FORMULA_TEXT)),
        ("＝A1+B1", (None, FORMULA_TEXT)),
    ],
)
def test_clean_number(cell, expected):
    assert clean_number(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (7, (7, None)),
        (7.0, (7, None)),
        ("７", (7, None)),
        (" 1985 ", (1985, None)),
        (7.5, (None, "不是整数")),
        ("七", (None, "不是有效的整数")),
        (None, (None, None)),
        ("=A1", (None, FORMULA_TEXT)),
    ],
)
def test_clean_int(cell, expected):
    assert clean_int(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (" 张三 ", ("张三", None)),
        (2609101001, ("2609101001", None)),
        (9.0, ("9", None)),
        (None, (None, None)),
        ("\u3000", (None, None)),
        ("=A1", (None, FORMULA_TEXT)),
    ],
)
def test_clean_text(cell, expected):
    assert clean_text(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("是", True),
        ("否", False),
        ("有", True),
        ("无", False),
        ("Y", True),
        ("n", False),
        (1, True),
        (0, False),
        ("TRUE", True),
        ("false", False),
        ("√", True),
        ("×", False),
        (True, True),
    ],
)
def test_clean_bool(cell, expected):
    assert clean_bool(cell) == (expected, None)


def test_clean_bool_blank_and_bad():
    assert clean_bool(None) == (None, None)
    assert clean_bool("也许") == (None, "应填“是”或“否”")


@pytest.mark.parametrize("cell", [None, "", " ", "缺考", "缺", "-", "—", "/", " 缺 考 ", "－"])
def test_absent_markers(cell):
    assert is_absent_marker(cell)


@pytest.mark.parametrize("cell", [0, "0", "85", "作弊", "缺席了"])
def test_not_absent(cell):
    assert not is_absent_marker(cell)


def test_clean_choice():
    stages = {"小学": "primary", "初中": "junior", "九年一贯制": "nine_year"}
    assert clean_choice("初中", stages, what="学段") == ("junior", None)
    assert clean_choice(" 九年 一贯制 ", stages, what="学段") == ("nine_year", None)
    assert clean_choice("Y", {"y": "yes"}) == ("yes", None)
    assert clean_choice(None, stages, what="学段") == (None, None)
    assert clean_choice("大学", stages, what="学段") == (None, "不是有效的学段")


# --- problems and the annotated copy -------------------------------------------------------


def test_problem_text_and_dict():
    p = Problem("error", "学校", 5, "学段", "大学", "不是有效的学段")
    assert str(p) == "学校 第5行「学段」列：“大学” 不是有效的学段"
    assert (
        str(Problem("error", "学校", None, "学段", "", "缺少必填列"))
        == "学校「学段」列：缺少必填列"
    )
    assert str(Problem("warning", "任课", 3, None, "", "班级将新建")) == "任课 第3行：班级将新建"
    assert p.as_dict() == {
        "level": "error",
        "sheet": "学校",
        "row": 5,
        "column": "学段",
        "value": "大学",
        "message": "不是有效的学段",
    }


def test_annotate_workbook_marks_cells_with_fill_and_comment():
    data = xlsx(
        {
            "成绩": [
                ["九年级成绩表"],
                ["考 号", "姓名", "语文"],
                ["001", "张三", "85分"],
                ["002", None, 90],
            ]
        }
    )
    problems = [
        Problem("error", "成绩", 3, "语文", "85分", "不是有效的数字"),
        Problem("warning", "成绩", 4, None, "", "姓名为空"),
    ]
    book = openpyxl.load_workbook(io.BytesIO(annotate_workbook(data, problems, {"成绩": 2})))
    sheet = book["成绩"]
    assert sheet["C3"].value == "85分"
    assert sheet["C3"].comment.text == "不是有效的数字"
    assert sheet["C3"].fill.fill_type == "solid"
    assert sheet["C3"].fill.start_color.rgb == ss._FILLS["error"]
    assert sheet["A4"].comment.text == "姓名为空"
    assert sheet["A4"].fill.start_color.rgb == ss._FILLS["warning"]
    assert sheet["B3"].comment is None
    assert sheet["A1"].value == "九年级成绩表"


def test_annotate_a_csv_builds_a_fresh_workbook():
    data = "考号,姓名,语文\n001,张三,85分\n".encode("gb18030")
    problems = [Problem("error", "Sheet1", 2, "语文", "85分", "不是有效的数字")]
    out = annotate_workbook(data, problems, {"Sheet1": 1}, kind="csv")
    sheet = openpyxl.load_workbook(io.BytesIO(out))["Sheet1"]
    assert [c.value for c in sheet[2]] == ["001", "张三", "85分"]
    assert sheet["C2"].comment.text == "不是有效的数字"
    assert sheet["C2"].fill.start_color.rgb == ss._FILLS["error"]
