"""Reading a results sheet (SPEC §2): the pure parser, with hand-built workbooks."""

import io
from datetime import datetime

import numpy as np
import openpyxl
import pytest

from exams.engine.sheet import (
    ResultRecord,
    clean_score,
    clean_score_column,
    parse_class,
    parse_results,
)

SUBJECTS = {"语文": 120, "数学": 120, "英语": 120, "物理": 70}


def xlsx(rows: list[list], *, title: str = "Sheet1", merge: str | None = None, before=()) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, other_rows in before:
        sheet = book.create_sheet(name)
        for row in other_rows:
            sheet.append(row)
    sheet = book.create_sheet(title)
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula, as pasted text is
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def parse(data: bytes, subjects=None, grade: int = 9, multi_school: bool = False, kind="xlsx"):
    return parse_results(
        data, kind, subjects=subjects or SUBJECTS, grade=grade, multi_school=multi_school
    )


def problems(result) -> list[tuple]:
    return [(p.level, p.sheet, p.row, p.column, p.value, p.message) for p in result.problems]


HEADER = ["学籍号", "姓名", "班级", "语文", "数学", "英语", "物理"]


def test_the_messy_sample_sheet_reads_to_exact_records():
    data = xlsx(
        [
            ["青石镇初级中学2026年秋季九年级月考成绩统计表"],  # merged title row
            [],  # blank row
            ["考 号", "姓名", "班级", "语文", "数学", "英语", "物理", "总分"],
            ["2609101001", "刘文静", "九(1)班", 102, 74, 117, 44, None],
            ["2609101002", "张红霞", "九(1)班", 78, "99", 74, "缺考", None],
            ["2609101009", "张国华", "九（2）班", " 52 ", "４０", 106.5, 58, None],
            ["2609101010", "黄文静", "九（2）班", "缺考", 81, "—", 0, None],
            [],
            ["备注:缺考学生请填写“缺考”"],
        ],
        merge="A1:H1",
    )
    result = parse(data)
    assert result.problems == []
    assert (result.sheet, result.header_row) == ("Sheet1", 3)
    assert result.header_rows == {"Sheet1": 3}
    assert result.records == [
        ResultRecord(
            4, "2609101001", "刘文静", 1, None, {"语文": 102, "数学": 74, "英语": 117, "物理": 44}
        ),
        ResultRecord(
            5, "2609101002", "张红霞", 1, None, {"语文": 78, "数学": 99, "英语": 74, "物理": None}
        ),
        ResultRecord(
            6, "2609101009", "张国华", 2, None, {"语文": 52, "数学": 40, "英语": 106.5, "物理": 58}
        ),
        ResultRecord(
            7, "2609101010", "黄文静", 2, None, {"语文": None, "数学": 81, "英语": None, "物理": 0}
        ),
    ]


def test_numbers_stored_as_numbers_keep_their_digits_and_title_rows_are_skipped():
    data = xlsx([["成绩表"], ["学号", "姓名", "班级", "语文"], [2609101001, "王 芳", 3, 88]])
    result = parse(data, subjects={"语文": 100})
    assert result.records == [ResultRecord(3, "2609101001", "王 芳", 3, None, {"语文": 88})]


def test_the_first_sheet_with_a_header_is_read():
    data = xlsx(
        [HEADER, ["G1", "李雷", "1班", 90, 90, 90, 60]],
        title="成绩",
        before=[("说明", [["请按模板填写"], ["学籍号", "说明"]])],
    )
    result = parse(data)
    assert result.sheet == "成绩"
    assert [r.student_number for r in result.records] == ["G1"]


@pytest.mark.parametrize(
    "cell",
    ["3", "3班", "九(3)班", "九（3）班", "9.3", "903", "初三3班", 3, 9.3, 903, "(3)班", "九年级三班",
     "9-3", "９０３", "初三（3）班", "9年级3班", "0903", " 3 班 "],
)  # fmt: skip
def test_each_class_form_means_class_3_of_the_exam_grade(cell):
    assert parse_class(cell, 9) == (3, None)


@pytest.mark.parametrize(
    ("cell", "grade", "number"),
    [("七(2)班", 7, 2), ("初一2班", 7, 2), ("八年级12班", 8, 12), ("高一(2)班", 10, 2),
     ("高三5班", 12, 5), ("10.3", 10, 3), ("1003", 10, 3), ("912", 9, 12), ("十二班", 9, 12),
     ("三(1)班", 3, 1), ("12", 9, 12)],
)  # fmt: skip
def test_grade_digits_and_chinese_grade_names(cell, grade, number):
    assert parse_class(cell, grade) == (number, None)


def test_a_class_of_another_grade_or_an_unknown_form_is_an_error():
    assert parse_class("八(3)班", 9) == (None, "班级不属于本次考试的年级")
    assert parse_class("803", 9) == (None, "班级不属于本次考试的年级")
    assert parse_class("初二3班", 9) == (None, "班级不属于本次考试的年级")
    unknown = "无法识别的班级，请写作“3”“3班”“九(3)班”“初三3班”“9.3”或“903”"
    assert parse_class("火箭班", 9) == (None, unknown)
    assert parse_class("0", 9) == (None, unknown)
    assert parse_class(None, 9) == (None, "缺少班级")


def test_every_cell_error_names_row_column_value_and_message():
    data = xlsx(
        [
            ["学籍号", "姓名", "班级", "语文", "物理"],
            ["G1", "李雷", "九(1)班", 121, 70],  # above full marks
            ["G2", "韩梅梅", "八(1)班", -1, "七十"],  # other grade; below 0; not a number
            ["G1", "李雷", "九(1)班", 90, 60],  # duplicate student number
            ["G4", None, "1", 90, 60],  # missing name
            ["G5", "张三", "1", "=A1+1", "缺"],  # formula text
            [None, "李四", "1", 80, 50],  # missing student number
            ["G7", "王五", "火箭班", 80, True],  # unknown class; a boolean is no score
        ]
    )
    result = parse(data, subjects={"语文": 120, "物理": 70})
    unknown = "无法识别的班级，请写作“3”“3班”“九(3)班”“初三3班”“9.3”或“903”"
    not_a_score = "不是有效的分数：应填数字，缺考填“缺考”"
    assert problems(result) == [
        ("error", "Sheet1", 2, "语文", "121", "分数超出范围（0～120）"),
        ("error", "Sheet1", 3, "班级", "八(1)班", "班级不属于本次考试的年级"),
        ("error", "Sheet1", 3, "语文", "-1", "分数超出范围（0～120）"),
        ("error", "Sheet1", 3, "物理", "七十", not_a_score),
        ("error", "Sheet1", 4, "学籍号", "G1", "学籍号重复（与第2行相同）"),
        ("error", "Sheet1", 5, "姓名", "", "缺少姓名"),
        ("error", "Sheet1", 6, "语文", "=A1+1", "单元格是公式文本，请复制后“选择性粘贴为数值”"),
        ("error", "Sheet1", 7, "学籍号", "", "缺少学籍号"),
        ("error", "Sheet1", 8, "班级", "火箭班", unknown),
        ("error", "Sheet1", 8, "物理", "True", not_a_score),
    ]
    # Cells with an error are left empty; the others are read.
    assert [r.scores for r in result.records][:2] == [
        {"语文": None, "物理": 70},
        {"语文": None, "物理": None},
    ]


def test_a_missing_subject_or_required_column_is_named():
    data = xlsx([["学籍号", "语文", "数学"], ["G1", 90, 90]])
    result = parse(data, subjects={"语文": 120, "数学": 120, "英语": 120})
    assert problems(result) == [
        ("error", "Sheet1", 1, None, "", "缺少“姓名”列"),
        ("error", "Sheet1", 1, None, "", "缺少“班级”列"),
        ("error", "Sheet1", 1, None, "", "缺少本次考试学科“英语”的列"),
    ]


def test_a_county_file_needs_a_school_column():
    rows = [HEADER, ["G1", "李雷", "1班", 90, 90, 90, 60]]
    result = parse(xlsx(rows), multi_school=True)
    assert problems(result) == [
        (
            "error",
            "Sheet1",
            1,
            None,
            "",
            "缺少“学校代码”列（一个文件含多所学校时必须有“学校代码”或“学校”列）",
        )
    ]
    rows = [["学校代码", *HEADER], ["S001", "G1", "李雷", "1班", 90, 90, 90, 60], [" S002 "]]
    result = parse(xlsx(rows), multi_school=True)
    assert result.problems == []
    assert [(r.school, r.student_number) for r in result.records] == [("S001", "G1")]


def test_no_header_row_at_all():
    result = parse(xlsx([["姓名", "分数"], ["李雷", 90]]))
    assert problems(result) == [
        (
            "error",
            "Sheet1",
            None,
            None,
            "",
            "没有找到表头：表头行须含“学籍号”（或“考号”“学号”）和本次考试的学科（语文、数学、英语、物理）",
        )
    ]


def test_rows_without_name_and_scores_are_skipped_but_markers_alone_are_not():
    data = xlsx(
        [
            ["学籍号", "姓名", "班级", "语文"],
            ["G1", "李雷", "1", 90],
            ["G2", None, None, None],  # a number alone: skipped
            ["合计", None, None, None],
            ["G3", None, "1", "缺考"],  # a marker is content: the missing name is reported
        ]
    )
    result = parse(data, subjects={"语文": 120})
    assert [r.excel_row for r in result.records] == [2, 5]
    assert problems(result) == [("error", "Sheet1", 5, "姓名", "", "缺少姓名")]


def test_csv_reads_the_same():
    text = "学籍号,姓名,班级,语文\nG1,李雷,九(1)班,90\nG2,韩梅梅,九(1)班,缺考\n"
    result = parse(text.encode("utf-8"), subjects={"语文": 120}, kind="csv")
    assert result.records == [
        ResultRecord(2, "G1", "李雷", 1, None, {"语文": 90}),
        ResultRecord(3, "G2", "韩梅梅", 1, None, {"语文": None}),
    ]


def test_the_column_fast_path_equals_cleaning_every_cell():
    cells = [
        85, 0, 120.0, 99.5, -3, True, False, None, "", "   ", "\u3000", "85", " 85 ", "+7",
        "85.", ".5", "８５．５", "８５", "8 5", "1e3", "inf", "nan", "1_000", "缺考", "缺", "-",
        "—", "——", "/", "／", "－", "缺 考", "abc", "=SUM(A1)", "＝1", float("inf"),
        datetime(2026, 1, 1), "0x10", "٣", "85.5.5", 2**40,
    ]  # fmt: skip
    values, bad = clean_score_column(np.array(cells * 3, dtype=object))
    for i, cell in enumerate(cells * 3):
        expected, message = clean_score(cell)
        assert bad.get(i) == message, (cell, bad.get(i), message)
        if expected is None:
            assert np.isnan(values[i]), cell
        else:
            assert values[i] == expected, cell


def test_clean_score_cells():
    assert clean_score("８５．５") == (85.5, None)
    assert clean_score("缺考") == (None, None)
    assert clean_score(None) == (None, None)
    assert clean_score("abc") == (None, "不是有效的分数：应填数字，缺考填“缺考”")
