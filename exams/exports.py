"""The tables of the exam analysis pages, and their export to .xlsx.

A table is a list of columns (key, header, kind) and a list of row dicts as the statistics
selectors return them (unrounded). The pages round for display (``cells``); the workbooks
keep the numbers and give them a number format (rates as percentages with one decimal,
means with two), so that a spreadsheet can go on computing with them.

Every text cell is written as a string cell, never a formula: a school or student named
``=HYPERLINK(…)``, ``@SUM(1)`` or ``+1`` arrives in the workbook as that text.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.spreadsheets import write_cell

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters that XML 1.0 (and so openpyxl) refuses; tab, LF and CR are allowed.
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

TEXT, INT, PCT, MEAN, SCORE, INDEX, VALUE_ADDED = (
    "text",
    "int",
    "pct",
    "mean",
    "score",
    "index",
    "va",
)
NUMBER_FORMATS = {
    INT: "0",
    PCT: "0.0%",
    MEAN: "0.00",
    SCORE: "General",
    INDEX: "0.00",
    VALUE_ADDED: "0.000",
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = TEXT


def _c(key: str, header, kind: str = TEXT) -> Column:
    """A column; ``header`` is a ``gettext_lazy`` of a literal, so that makemessages finds it."""
    return Column(key, header, kind)


RATES = [
    _c("excellent_rate", gettext_lazy("优秀率"), PCT),
    _c("good_rate", gettext_lazy("良好率"), PCT),
    _c("pass_rate", gettext_lazy("及格率"), PCT),
    _c("low_rate", gettext_lazy("低分率"), PCT),
]
SCORES = [_c("max", gettext_lazy("最高分"), SCORE), _c("min", gettext_lazy("最低分"), SCORE)]
# 全科及格率/全科优秀率: figures of the total rows only (SPEC §1).
ALL_RATES = [
    _c("all_pass_rate", gettext_lazy("全科及格率"), PCT),
    _c("all_excellent_rate", gettext_lazy("全科优秀率"), PCT),
]
T_SCORE = _c("t_score", gettext_lazy("T分"), MEAN)
OVER_MEAN = _c("over_mean_rate", gettext_lazy("超均率"), PCT)
OVER_SCHOOL_MEAN = _c("over_school_mean_rate", gettext_lazy("校内超均率"), PCT)
COMPOSITE = _c("composite", gettext_lazy("综合指数"), INDEX)

COLUMNS: dict[str, list[Column]] = {
    "overview": [
        _c("subject_label", gettext_lazy("学科")),
        _c("enrolled", gettext_lazy("应考"), INT),
        _c("sat", gettext_lazy("实考"), INT),
        _c("mean", gettext_lazy("平均分"), MEAN),
        _c("mean_rate", gettext_lazy("得分率"), PCT),
        *RATES,
        *ALL_RATES,
        *SCORES,
        _c("std", gettext_lazy("标准差"), MEAN),
        T_SCORE,
    ],
    "schools": [
        _c("rank", gettext_lazy("名次"), INT),
        _c("school_code", gettext_lazy("学校代码")),
        _c("school_name", gettext_lazy("学校")),
        _c("enrolled", gettext_lazy("应考"), INT),
        _c("sat", gettext_lazy("实考"), INT),
        _c("participation", gettext_lazy("参考率"), PCT),
        _c("mean", gettext_lazy("平均分"), MEAN),
        _c("mean_rate", gettext_lazy("得分率"), PCT),
        *RATES,
        OVER_MEAN,
        T_SCORE,
        COMPOSITE,
        *SCORES,
    ],
    "classes": [
        _c("rank", gettext_lazy("名次"), INT),
        _c("school_name", gettext_lazy("学校")),
        _c("class_name", gettext_lazy("班级")),
        _c("sat", gettext_lazy("实考"), INT),
        _c("mean", gettext_lazy("平均分"), MEAN),
        _c("mean_rate", gettext_lazy("得分率"), PCT),
        *RATES,
        OVER_MEAN,
        OVER_SCHOOL_MEAN,
        T_SCORE,
        COMPOSITE,
    ],
    "teachers": [
        _c("rank", gettext_lazy("名次"), INT),
        _c("teacher_name", gettext_lazy("教师")),
        _c("teacher", gettext_lazy("工号")),
        _c("school_name", gettext_lazy("学校")),
        _c("sat", gettext_lazy("实考"), INT),
        _c("mean", gettext_lazy("平均分"), MEAN),
        *RATES,
        OVER_MEAN,
        OVER_SCHOOL_MEAN,
        T_SCORE,
        COMPOSITE,
    ],
    "value_added": [
        _c("school_code", gettext_lazy("学校代码")),
        _c("school_name", gettext_lazy("学校")),
        _c("matched", gettext_lazy("匹配人数"), INT),
        _c("value_added", gettext_lazy("增值"), VALUE_ADDED),
        _c("sample_label", gettext_lazy("样本")),
    ],
    "bands": [
        _c("label", gettext_lazy("分数段")),
        _c("range", gettext_lazy("分数范围")),
        _c("count", gettext_lazy("人数"), INT),
        _c("share", gettext_lazy("占比"), PCT),
    ],
    "gaps": [
        _c("stage_label", gettext_lazy("学段")),
        _c("schools", gettext_lazy("学校数"), INT),
        _c("max_gap", gettext_lazy("最大距"), MEAN),
        _c("highest_name", gettext_lazy("均分最高学校")),
        _c("highest_mean", gettext_lazy("最高均分"), MEAN),
        _c("lowest_name", gettext_lazy("均分最低学校")),
        _c("lowest_mean", gettext_lazy("最低均分"), MEAN),
    ],
    "not_counted": [
        _c("student_number", gettext_lazy("学籍号")),
        _c("name", gettext_lazy("姓名")),
        _c("school_name", gettext_lazy("学校")),
        _c("class_name", gettext_lazy("班级")),
        _c("not_counted", gettext_lazy("不计入统计原因")),
    ],
}
TABLE_TITLES = {
    "overview": gettext_lazy("全县概况"),
    "schools": gettext_lazy("学校"),
    "classes": gettext_lazy("班级"),
    "teachers": gettext_lazy("教师"),
    "value_added": gettext_lazy("增值评价"),
    "bands": gettext_lazy("分数段"),
    "gaps": gettext_lazy("最大距"),
    "students": gettext_lazy("学生成绩"),
    "not_counted": gettext_lazy("不计入统计"),
}
EXAM_TABLES = ("overview", "schools", "classes", "teachers", "value_added", "bands", "gaps")
SCHOOL_TABLES = ("classes", "teachers", "students")


def columns_for(table: str, *, total: bool) -> list[Column]:
    """A table's columns; the school and class tables of the total also show 全科及格率 and
    全科优秀率 (before the composite)."""
    columns = list(COLUMNS[table])
    if total and table in ("schools", "classes"):
        at = columns.index(COMPOSITE)
        columns[at:at] = ALL_RATES
    return columns


def student_columns(subjects: list[str]) -> list[Column]:
    """The drill-down's student list: one column per subject, then the total and the ranks
    (internal: shown to the school and the bureau only, DESIGN "Privacy of minors"), the
    standard scores (z and T of each subject and the total) and why a student is not counted
    (a student not counted has no rank and no standard score)."""
    total = gettext_lazy("总分")
    standard = []
    for key, label in [*((s, s) for s in subjects), ("total", total)]:
        standard.append(Column(f"z:{key}", format_lazy("{} z", label), VALUE_ADDED))
        standard.append(Column(f"t:{key}", format_lazy("{} T", label), MEAN))
    return [
        _c("student_number", gettext_lazy("学籍号")),
        _c("name", gettext_lazy("姓名")),
        _c("class_name", gettext_lazy("班级")),
        *[Column(f"score:{s}", s, SCORE) for s in subjects],
        _c("total", total, SCORE),
        _c("county_rank", gettext_lazy("全县名次"), INT),
        _c("school_rank", gettext_lazy("校内名次"), INT),
        *standard,
        _c("not_counted", gettext_lazy("不计入统计")),
    ]


def value_of(row: dict, key: str):
    for prefix, field in (("score:", "scores"), ("z:", "z"), ("t:", "t")):
        if key.startswith(prefix):
            return (row.get(field) or {}).get(key[len(prefix) :])
    return row.get(key)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# --- display -------------------------------------------------------------------------------


def display(value, kind: str) -> str:
    if _missing(value):
        return "—"
    if kind == PCT:
        return f"{float(value) * 100:.1f}%"
    if kind in (MEAN, INDEX):
        return f"{float(value):.2f}"
    if kind == VALUE_ADDED:
        return f"{float(value):+.3f}"
    if kind == SCORE:
        return f"{float(value):.2f}".rstrip("0").rstrip(".")
    if kind == INT:
        return str(int(value))
    return str(value)


def cells(rows: list[dict], columns: list[Column]) -> list[list[dict]]:
    """Rows as the page shows them: each cell's text, the value the sort uses (a number, or
    the text; empty when missing, which sorts last) and whether it is numeric."""
    out = []
    for row in rows:
        line = []
        for col in columns:
            value = value_of(row, col.key)
            numeric = col.kind != TEXT
            if _missing(value):
                sort = ""
            elif numeric:
                sort = repr(float(value))
            else:
                sort = str(value)
            line.append({"text": display(value, col.kind), "sort": sort, "num": numeric})
        out.append(line)
    return out


# --- workbook ------------------------------------------------------------------------------


def safe_text(value) -> str:
    return ILLEGAL_XML.sub("", str(value))


def workbook(sheets: list[tuple[str, list[Column], list[dict]]]) -> bytes:
    """One sheet per (title, columns, rows): a bold header row, numbers with their formats,
    text always as string cells."""
    book = Workbook()
    book.remove(book.active)
    header_fill = PatternFill("solid", fgColor="F0F4F8")
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title=safe_text(title)[:31] or "Sheet")
        for j, col in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=j)
            _set_text(cell, str(col.header))
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.alignment = Alignment(horizontal="center")
        for i, row in enumerate(rows, start=2):
            for j, col in enumerate(columns, start=1):
                value = value_of(row, col.key)
                cell = sheet.cell(row=i, column=j)
                if _missing(value):
                    continue
                if col.kind == TEXT:
                    _set_text(cell, str(value))
                else:
                    cell.value = float(value) if col.kind != INT else int(value)
                    cell.number_format = NUMBER_FORMATS[col.kind]
        for j, col in enumerate(columns, start=1):
            width = max([len(str(col.header))] + [_width(value_of(r, col.key)) for r in rows])
            sheet.column_dimensions[get_column_letter(j)].width = min(40, 2 * width + 4)
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _width(value) -> int:
    return 0 if _missing(value) else min(len(str(value)), 20)


def _set_text(cell, text: str) -> None:
    # Text as a string cell, never a formula (core.spreadsheets.write_cell).
    write_cell(cell, safe_text(text))


def attachment(content: bytes, filename: str, ascii_name: str = "") -> HttpResponse:
    """An .xlsx download: an ASCII ``filename`` for old clients (``ascii_name``, or the
    name with everything else dropped) and the UTF-8 one as ``filename*`` (RFC 5987/6266)."""
    response = HttpResponse(content, content_type=XLSX_TYPE)
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name or filename)
    ascii_name = re.sub(r"-{2,}", "-", ascii_name).strip("-.") or "export"
    if not ascii_name.endswith(".xlsx"):
        ascii_name += ".xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def export_response(
    *, title: str, columns: list[Column], rows: list[dict], filename: str, ascii_name: str
) -> HttpResponse:
    return attachment(workbook([(title, columns, rows)]), filename, ascii_name)


def sample_label(row: dict) -> str:
    return _("样本不足") if row.get("small_sample") else ""
