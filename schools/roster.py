"""Reading the roster workbook (SPEC §2): sheets 学校, 教师, 班级, 任课 → typed records and
problems. Pure: no ORM; references between sheets and to the database are resolved by
``schools.services.roster.roster_import``.

The label → code maps below mirror the TextChoices of ``schools.models`` (a test keeps them
in step) plus the synonyms that bureaus actually write (中师, 大专, 副高 …).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from core.spreadsheets import (
    Column,
    Problem,
    Rows,
    UncomputedFormula,
    append_row,
    clean_bool,
    clean_choice,
    clean_code,
    clean_int,
    clean_text,
    error,
    find_header_row,
    formula_message,
    is_blank,
    map_columns,
    normalize_header,
    personal_column_problems,
    read_sheets,
)

SCHOOLS, TEACHERS, CLASSES, ASSIGNMENTS = "学校", "教师", "班级", "任课"
SHEETS = (SCHOOLS, TEACHERS, CLASSES, ASSIGNMENTS)

# Field key → header, for each sheet, in the order of the template. Required columns first.
COLUMNS: dict[str, dict[str, str]] = {
    SCHOOLS: {
        "code": "学校代码",
        "name": "学校名称",
        "stage": "学段",
        "locality": "城乡",
        "township": "乡镇",
        "zone": "协作区",
        "group": "教育集团",
        "boarding": "寄宿制",
    },
    TEACHERS: {
        "staff_number": "工号",
        "name": "姓名",
        "gender": "性别",
        "birth_year": "出生年份",
        "school_code": "学校代码",
        "education": "学历",
        "title": "职称",
        "backbone": "骨干级别",
        "certified": "持证",
        "subject": "任教学科",
    },
    CLASSES: {"school_code": "学校代码", "grade": "年级", "number": "班号", "head": "班主任工号"},
    ASSIGNMENTS: {
        "school_code": "学校代码",
        "grade": "年级",
        "number": "班号",
        "subject": "学科",
        "teacher": "教师工号",
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    SCHOOLS: ("code", "name", "stage", "locality"),
    TEACHERS: ("staff_number", "name", "gender", "birth_year", "school_code", "education"),
    CLASSES: ("school_code", "grade", "number"),
    ASSIGNMENTS: ("school_code", "grade", "number", "subject", "teacher"),
}
# Header synonyms that are accepted besides the names above.
SYNONYMS: dict[str, dict[str, set[str]]] = {
    SCHOOLS: {"zone": {"教研协作区"}, "boarding": {"是否寄宿制", "寄宿"}},
    TEACHERS: {
        "staff_number": {"教师工号"},
        "title": {"职称等级"},
        "certified": {"教师资格证", "持证情况"},
    },
    CLASSES: {"head": {"班主任"}},
    ASSIGNMENTS: {"teacher": {"工号", "任课教师工号"}},
}

STAGES = {
    "小学": "primary",
    "初中": "junior",
    "初级中学": "junior",
    "九年一贯制": "nine_year",
    "九年一贯": "nine_year",
    "完全中学": "complete",
    "完中": "complete",
    "高中": "senior",
    "高级中学": "senior",
    "幼儿园": "kindergarten",
    "特殊教育": "special",
    "特教": "special",
}
LOCALITIES = {"城区": "urban", "城市": "urban", "镇区": "town", "乡村": "rural", "农村": "rural"}
GENDERS = {"男": "M", "女": "F", "M": "M", "F": "F"}
EDUCATIONS = {
    "研究生": "postgraduate",
    "硕士": "postgraduate",
    "博士": "postgraduate",
    "硕士研究生": "postgraduate",
    "博士研究生": "postgraduate",
    "本科": "bachelor",
    "大学本科": "bachelor",
    "专科": "associate",
    "大专": "associate",
    "高中/中专及以下": "secondary",
    "中专": "secondary",
    "中师": "secondary",
    "高中": "secondary",
    "高中及以下": "secondary",
    "中专及以下": "secondary",
}
TITLES = {
    "正高级": "professor",
    "正高": "professor",
    "高级": "senior",
    "副高级": "senior",
    "副高": "senior",
    "一级": "first",
    "中级": "first",
    "二级": "second",
    "初级": "second",
    "三级": "third",
    "未定级": "none",
    "无": "none",
    "未评": "none",
}
BACKBONES = {
    "无": "",
    "名师": "master",
    "学科带头人": "leader",
    "教学能手": "expert",
    "教学新秀": "rising",
}
GRADES = {
    **{f"{n}年级": g for g, n in enumerate("一二三四五六七八九", start=1)},
    **{n: g for g, n in enumerate("一二三四五六七八九", start=1)},
    "初一": 7,
    "初二": 8,
    "初三": 9,
    "高一": 10,
    "高二": 11,
    "高三": 12,
    "七上": 7,
    "七下": 7,
    "八上": 8,
    "八下": 8,
    "九上": 9,
    "九下": 9,
}

MAX_LENGTHS = {
    (SCHOOLS, "code"): 20,
    (SCHOOLS, "name"): 80,
    (SCHOOLS, "township"): 50,
    (SCHOOLS, "zone"): 50,
    (SCHOOLS, "group"): 80,
    (TEACHERS, "staff_number"): 30,
    (TEACHERS, "name"): 50,
    (TEACHERS, "school_code"): 20,
    (TEACHERS, "subject"): 20,
    (CLASSES, "school_code"): 20,
    (CLASSES, "head"): 30,
    (ASSIGNMENTS, "school_code"): 20,
    (ASSIGNMENTS, "subject"): 20,
    (ASSIGNMENTS, "teacher"): 30,
}


@dataclass
class Record:
    """One data row of a sheet: its Excel row, its cleaned values by field key, and the
    columns they came from (to name them in problems)."""

    sheet: str
    row: int
    values: dict[str, Any]
    columns: dict[str, Column]
    raw: dict[str, Any] = field(default_factory=dict)  # the cells as read

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)

    def has(self, key: str) -> bool:
        return key in self.columns

    def header(self, key: str) -> str:
        column = self.columns.get(key)
        return column.header if column else COLUMNS[self.sheet][key]


@dataclass
class RosterParse:
    records: dict[str, list[Record]] = field(default_factory=lambda: {s: [] for s in SHEETS})
    problems: list[Problem] = field(default_factory=list)
    # Sheet kind → the sheet's name as written, and that sheet's header row (Excel number).
    sheet_names: dict[str, str] = field(default_factory=dict)
    header_rows: dict[str, int] = field(default_factory=dict)
    # Sheet kind → data rows read (blank rows not counted), with or without problems.
    row_counts: dict[str, int] = field(default_factory=dict)
    # Sheet kind → the identities (see ``identity``) of every row whose identifying cells are
    # valid, problems elsewhere in the row or not: references to a row with a bad cell are not
    # reported again as unknown.
    listed: dict[str, set[tuple]] = field(default_factory=lambda: {s: set() for s in SHEETS})
    # Headers of personal columns (ID card, phone …): the file is refused and not kept.
    personal_columns: list[str] = field(default_factory=list)

    @property
    def schools(self) -> list[Record]:
        return self.records[SCHOOLS]

    @property
    def teachers(self) -> list[Record]:
        return self.records[TEACHERS]

    @property
    def classes(self) -> list[Record]:
        return self.records[CLASSES]

    @property
    def assignments(self) -> list[Record]:
        return self.records[ASSIGNMENTS]

    def columns_present(self, sheet: str) -> set[str]:
        records = self.records[sheet]
        return set(records[0].columns) if records else set()


def parse_roster(data: bytes, kind: str) -> RosterParse:
    """Reads a checked upload (see ``core.spreadsheets.check_upload``) into records."""
    result = RosterParse()
    sheets = read_sheets(data, kind)
    claimed: dict[str, tuple[str, Rows]] = {}
    for name, rows in sheets.items():
        key = normalize_header(name)
        if key in SHEETS and key not in claimed:
            claimed[key] = (name, rows)
    # A sheet not named after its kind (a .csv, a "Sheet1") is recognised by its header.
    for name, rows in sheets.items():
        if any(name == n for n, _rows in claimed.values()):
            continue
        for sheet in _RECOGNITION_ORDER:
            if sheet not in claimed and _header_index(sheet, rows, REQUIRED[sheet]) is not None:
                claimed[sheet] = (name, rows)
                break
    if not claimed:
        result.problems.append(
            error(
                next(iter(sheets), ""),
                None,
                None,
                "",
                _("没有找到名册工作表：工作表应命名为 学校、教师、班级 或 任课"),
            )
        )
    for sheet in SHEETS:
        if sheet in claimed:
            name, rows = claimed[sheet]
            result.sheet_names[sheet] = name
            _parse_sheet(result, sheet, name, rows)
    return result


def _fields(sheet: str) -> dict[str, set[str]]:
    return {
        key: {header} | SYNONYMS.get(sheet, {}).get(key, set())
        for key, header in COLUMNS[sheet].items()
    }


# 任课 before 班级: an assignment header also holds every column a class header needs.
_RECOGNITION_ORDER = (ASSIGNMENTS, TEACHERS, SCHOOLS, CLASSES)


def _header_index(sheet: str, rows: Rows, keys: tuple[str, ...] | None = None) -> int | None:
    """The header row of a sheet: the first row holding its first two columns (or ``keys``)."""
    fields = _fields(sheet)
    return find_header_row(rows, [fields[k] for k in (keys or REQUIRED[sheet][:2])])


def _parse_sheet(result: RosterParse, sheet: str, name: str, rows: Rows) -> None:
    index = _header_index(sheet, rows)
    if index is None:
        # No row holds the sheet's first two columns: name every required column missing.
        for key in REQUIRED[sheet]:
            result.problems.append(error(name, None, COLUMNS[sheet][key], "", _("缺少必填列")))
        return
    result.header_rows[name] = index + 1
    if sheet != SCHOOLS:
        # People's personal data (ID card, phone, address, parents) is refused, not stored;
        # a school's own address or phone is not about a person.
        personal = personal_column_problems(name, index + 1, rows[index])
        if personal:
            result.problems.extend(personal)
            result.personal_columns.extend(p.column for p in personal)
            return
    columns = map_columns(rows[index], _fields(sheet))
    missing = [key for key in REQUIRED[sheet] if key not in columns]
    for key in missing:
        result.problems.append(error(name, index + 1, COLUMNS[sheet][key], "", _("缺少必填列")))
    if missing:
        return
    cleaner = _CLEANERS[sheet]
    seen: dict[tuple, int] = {}
    for offset, row in enumerate(rows[index + 1 :], start=index + 2):
        cells = {key: (row[c.index] if c.index < len(row) else None) for key, c in columns.items()}
        if all(is_blank(v) for v in cells.values()):
            continue
        result.row_counts[sheet] = result.row_counts.get(sheet, 0) + 1
        record = Record(sheet=sheet, row=offset, values={}, columns=columns, raw=cells)
        problems: list[Problem] = []

        def report(key: str, message: str, *, record=record, cells=cells, problems=problems):
            problems.append(error(name, record.row, record.header(key), cells.get(key), message))

        for key, raw in cells.items():
            value, message = cleaner(key, raw)
            if message:
                report(key, message)
                continue
            limit = MAX_LENGTHS.get((sheet, key))
            if limit and isinstance(value, str) and len(value) > limit:
                report(key, _("太长：不能超过 %(n)d 个字") % {"n": limit})
                continue
            if value is None and key in REQUIRED[sheet]:
                report(key, _("不能为空"))
                continue
            record.values[key] = value
        if all(k in record.values for k in _IDENTITY_FIELDS[sheet]):
            row_key = identity(sheet, record)
            result.listed[sheet].add(row_key)
            first = seen.get(row_key)
            if first is not None:
                report(_IDENTITY_COLUMN[sheet], _DUPLICATE_MESSAGE[sheet]() % {"row": first})
            else:
                seen[row_key] = record.row
        result.problems.extend(problems)
        if not problems:
            result.records[sheet].append(record)


_IDENTITY_FIELDS = {
    SCHOOLS: ("code",),
    TEACHERS: ("staff_number",),
    CLASSES: ("school_code", "grade", "number"),
    ASSIGNMENTS: ("school_code", "grade", "number", "subject"),
}


def identity(sheet: str, record: Record) -> tuple:
    """What a row is keyed by: a school by code, a teacher by 工号, a class by school, grade
    and number, an assignment by class and subject."""
    return tuple(record[k] for k in _IDENTITY_FIELDS[sheet])


_IDENTITY_COLUMN = {
    SCHOOLS: "code",
    TEACHERS: "staff_number",
    CLASSES: "number",
    ASSIGNMENTS: "subject",
}
_DUPLICATE_MESSAGE = {
    SCHOOLS: lambda: _("学校代码重复（与第%(row)d行相同）"),
    TEACHERS: lambda: _("工号重复（与第%(row)d行相同）"),
    CLASSES: lambda: _("班级重复（与第%(row)d行相同）"),
    ASSIGNMENTS: lambda: _("同一班级同一学科重复（与第%(row)d行相同）"),
}


# --- cells ---------------------------------------------------------------------------------

_CLASS_NUMBER = re.compile(r"[(（]?(\d{1,2})[)）]?班?")


def clean_grade(cell: Any) -> tuple[int | None, str | None]:
    """7, "7", "七年级", "初一", "九", "9年级" → the grade number 1–12."""
    if is_blank(cell):
        return None, None
    invalid = _("不是有效的年级")
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        number, message = clean_int(cell)
        if message or not 1 <= number <= 12:
            return None, invalid
        return number, None
    text, message = clean_text(cell)
    if message:
        return None, message
    text = normalize_header(text)
    digits = re.fullmatch(r"(\d{1,2})(年级)?", text)
    if digits:
        number = int(digits.group(1))
        return (number, None) if 1 <= number <= 12 else (None, invalid)
    number = GRADES.get(text)
    return (number, None) if number else (None, invalid)


def clean_class_number(cell: Any) -> tuple[int | None, str | None]:
    """3, "3", "3班", "(3)班" → 3 (1–99)."""
    if is_blank(cell):
        return None, None
    invalid = _("不是有效的班号")
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        number, message = clean_int(cell)
    else:
        text, message = clean_text(cell)
        if message:
            return None, message
        match = _CLASS_NUMBER.fullmatch(normalize_header(text))
        number = int(match.group(1)) if match else None
    if message or number is None or not 1 <= number <= 99:
        return None, invalid
    return number, None


def clean_birth_year(cell: Any) -> tuple[int | None, str | None]:
    if is_blank(cell):
        return None, None
    if isinstance(cell, UncomputedFormula):
        return None, formula_message(cell)
    year, message = clean_int(cell)
    if message or not 1940 <= year <= date.today().year - 16:
        return None, _("不是有效的出生年份")
    return year, None


def _choice(choices: dict[str, str], what: str):
    return lambda cell: clean_choice(cell, choices, what=what)


def _clean_backbone(cell: Any) -> tuple[str | None, str | None]:
    if is_blank(cell):
        return "", None
    return clean_choice(cell, BACKBONES, what=_("骨干级别"))


def _clean_title(cell: Any) -> tuple[str | None, str | None]:
    if is_blank(cell):
        return "none", None
    return clean_choice(cell, TITLES, what=_("职称"))


def _clean_certified(cell: Any) -> tuple[bool | None, str | None]:
    if is_blank(cell):
        return True, None
    return clean_bool(cell)


def _clean_boarding(cell: Any) -> tuple[bool | None, str | None]:
    if is_blank(cell):
        return False, None
    return clean_bool(cell)


def _text_or_blank(cell: Any) -> tuple[str | None, str | None]:
    value, message = clean_text(cell)
    return ("" if value is None and not message else value), message


def _school_cleaner(key: str, cell: Any):
    cleaners = {
        "code": clean_code,
        "name": clean_text,
        "stage": _choice(STAGES, _("学段")),
        "locality": _choice(LOCALITIES, _("城乡类型（城区、镇区、乡村）")),
        "township": _text_or_blank,
        "zone": _text_or_blank,
        "group": _text_or_blank,
        "boarding": _clean_boarding,
    }
    return cleaners[key](cell)


def _teacher_cleaner(key: str, cell: Any):
    cleaners = {
        "staff_number": clean_code,
        "name": clean_text,
        "gender": _choice(GENDERS, _("性别（男、女）")),
        "birth_year": clean_birth_year,
        "school_code": clean_code,
        "education": _choice(EDUCATIONS, _("学历")),
        "title": _clean_title,
        "backbone": _clean_backbone,
        "certified": _clean_certified,
        "subject": _text_or_blank,
    }
    return cleaners[key](cell)


def _class_cleaner(key: str, cell: Any):
    cleaners = {
        "school_code": clean_code,
        "grade": clean_grade,
        "number": clean_class_number,
        "head": clean_code,
    }
    return cleaners[key](cell)


def _assignment_cleaner(key: str, cell: Any):
    cleaners = {
        "school_code": clean_code,
        "grade": clean_grade,
        "number": clean_class_number,
        "subject": clean_text,
        "teacher": clean_code,
    }
    return cleaners[key](cell)


_CLEANERS = {
    SCHOOLS: _school_cleaner,
    TEACHERS: _teacher_cleaner,
    CLASSES: _class_cleaner,
    ASSIGNMENTS: _assignment_cleaner,
}


# --- the blank template --------------------------------------------------------------------

EXAMPLE_ROWS: dict[str, list[list[Any]]] = {
    SCHOOLS: [["S101", "青石镇初级中学", "初中", "镇区", "青石镇", "北片协作区", "", "是"]],
    TEACHERS: [["JS0001", "刘春梅", "女", 1980, "S101", "本科", "一级", "教学能手", "是", "语文"]],
    CLASSES: [["S101", "九年级", 1, "JS0001"]],
    ASSIGNMENTS: [["S101", "九年级", 1, "语文", "JS0001"]],
}


def roster_template_xlsx(*, with_examples: bool = False) -> bytes:
    """The roster workbook with its four sheets and their headers (required ones bold)."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    book = openpyxl.Workbook()
    book.remove(book.active)
    fill = PatternFill(fill_type="solid", start_color="FFF0F4F8", end_color="FFF0F4F8")
    for sheet in SHEETS:
        ws = book.create_sheet(sheet)
        append_row(ws, COLUMNS[sheet].values())
        for key, cell in zip(COLUMNS[sheet], ws[1], strict=True):
            cell.font = Font(bold=key in REQUIRED[sheet])
            cell.fill = fill
            ws.column_dimensions[cell.column_letter].width = 14
        ws.freeze_panes = "A2"
        if with_examples:
            for row in EXAMPLE_ROWS[sheet]:
                append_row(ws, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
