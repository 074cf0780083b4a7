"""Reading a results sheet (SPEC §2 "Results sheet"): the first sheet with a header row →
one row per listed student with a score (or absent) per subject of the exam, and every
problem located as the user sees the sheet. Pure: no ORM; references to the database
(students, schools, classes) are resolved by ``exams.services.results``.

A county file holds 60,000 rows × 9 subjects, so the score columns are cleaned column by
column: plain numbers and plain ASCII numbers stored as text go through pandas in one step,
and only the other cells (full-width digits, absent markers, junk, formula text) through
the careful per-cell ``clean_score``. The outcome is the same as ``clean_score`` on every
cell (a test holds them together).

Class cells (``parse_class``) are accepted as ``3``, ``3班``, ``(3)班``, ``九(3)班``,
``九（3）班``, ``九年级3班``, ``九年级三班``, ``初三3班``, ``初三(3)班``, ``高一(2)班``,
``9.3``, ``9-3``, ``9(3)``, ``9年级3班``, ``903`` and ``0903``-style numbers (grade then a
two-digit class: ``903``, ``912``, ``1003``). Grades are written as digits (1-12), as
``一``…``九`` (grades 1-9; ``七八九`` for the junior grades), ``初一``/``初二``/``初三``
(7-9) or ``高一``/``高二``/``高三`` (10-12). A grade other than the exam's is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.utils.translation import gettext as _

from core.spreadsheets import (
    Column,
    Problem,
    clean_code,
    clean_number,
    clean_text,
    display_value,
    error,
    find_header_row,
    formula_message,
    is_absent_marker,
    is_blank,
    is_formula_like,
    map_columns,
    normalize_header,
    personal_column_problems,
    read_sheets,
)

STUDENT_NUMBER_HEADERS = ("学籍号", "考号", "学号")
NAME_HEADERS = ("姓名",)
CLASS_HEADERS = ("班级",)
SCHOOL_HEADERS = ("学校代码", "学校")
# 不计入统计 (docs/results-import.md): the reason in the cell, blank for a counted student.
NOT_COUNTED_HEADERS = ("不计入统计", "不计入", "不计入统计原因")
NOT_COUNTED_MAX = 30  # exams.ExamEntry.not_counted
# Cells that only say yes or no: yes is recorded with this reason, no means counted.
NOT_COUNTED_YES = frozenset({"是", "y", "yes", "1", "√", "✓", "✔", "不计入"})
NOT_COUNTED_NO = frozenset({"否", "n", "no", "0", "×", "-", "—", "／", "/", "计入"})
UNSPECIFIED_REASON = "未注明原因"
# A 备注 (note) cell takes a student out only when it names one of these; other notes are
# ignored, as before.
NOTE_HEADERS = ("备注",)
NOT_COUNTED_NOTES = ("随班就读", "作弊", "作废", "违纪", "不计入")

STUDENT_NUMBER_MAX = 30  # schools.Student.student_number
NAME_MAX = 50  # schools.Student.name

# Columns of ``ResultsParse.frame`` besides one per subject (named after the subject).
EXCEL_ROW, NUMBER, NAME, CLASS, SCHOOL = "excel_row", "student_number", "name", "class", "school"
NOT_COUNTED = "not_counted"  # the reason, "" for a counted student
NOTE = "note"  # the 备注 column (read only for NOT_COUNTED_NOTES)
CLASS_TEXT = "class_text"  # the 班级 cell as written, for messages


@dataclass(frozen=True)
class ResultRecord:
    """One listed student, as read (the service resolves it against the database)."""

    excel_row: int
    student_number: str | None
    name: str | None
    class_number: int | None
    school: str | None  # the 学校/学校代码 cell, when the sheet has that column
    scores: dict[str, float | None]
    not_counted: str = ""  # why the student is not counted, "" when counted


@dataclass
class ResultsParse:
    """What a results sheet holds.

    ``frame`` has one row per listed student (skipped rows are not in it), in sheet order,
    with the columns ``excel_row``, ``student_number``, ``name``, ``class`` (class number,
    nullable integer), ``school`` (text or None), ``not_counted`` (the reason a student is not
    counted, "" when counted or when the sheet has no 不计入统计 column) and one float column
    per subject of the exam (NaN for absent). Cells with an error are None/NaN there; any error
    refuses the file."""

    subjects: list[str]
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    sheet: str | None = None
    header_row: int | None = None  # as Excel numbers it
    columns: dict[str, Column] = field(default_factory=dict)
    marked_by_notes: int = 0  # students a 备注 cell takes out (see NOT_COUNTED_NOTES)
    # Headers of personal columns (ID card, phone …): the file is refused and not kept.
    personal_columns: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def header_rows(self) -> dict[str, int]:
        """For ``annotate_workbook``."""
        return {self.sheet: self.header_row} if self.sheet and self.header_row else {}

    def header(self, key: str) -> str:
        column = self.columns.get(key)
        if column:
            return column.header
        return {
            NUMBER: "学籍号",
            NAME: "姓名",
            CLASS: "班级",
            SCHOOL: "学校代码",
            NOT_COUNTED: "不计入统计",
        }.get(key, key)

    @property
    def has_not_counted(self) -> bool:
        """Whether the sheet says who is not counted (then it decides for every row): it has a
        不计入统计 column, or a 备注 cell that takes a student out."""
        return NOT_COUNTED in self.columns or self.marked_by_notes > 0

    @property
    def records(self) -> list[ResultRecord]:
        """The frame as records (convenient for small files and tests)."""
        out = []
        for row in self.frame.to_dict("records"):
            out.append(
                ResultRecord(
                    excel_row=int(row[EXCEL_ROW]),
                    student_number=row[NUMBER],
                    name=row[NAME],
                    class_number=None if pd.isna(row[CLASS]) else int(row[CLASS]),
                    school=row[SCHOOL],
                    scores={s: _score_or_none(row[s]) for s in self.subjects},
                    not_counted=row[NOT_COUNTED],
                )
            )
        return out


def _score_or_none(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def empty_frame(subjects: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            EXCEL_ROW: pd.Series([], dtype="int64"),
            NUMBER: pd.Series([], dtype=object),
            NAME: pd.Series([], dtype=object),
            CLASS: pd.Series([], dtype="Int64"),
            CLASS_TEXT: pd.Series([], dtype=object),
            SCHOOL: pd.Series([], dtype=object),
            NOT_COUNTED: pd.Series([], dtype=object),
        }
    )
    for s in subjects:
        frame[s] = pd.Series([], dtype="float64")
    return frame


# --- the sheet -----------------------------------------------------------------------------


def parse_results(
    data: bytes, kind: str, *, subjects: dict[str, float], grade: int, multi_school: bool
) -> ResultsParse:
    """Reads a checked upload (``core.spreadsheets.check_upload``). ``subjects`` maps each
    subject of the exam to its full marks; ``grade`` is the exam's grade; ``multi_school``
    says that the file may hold several schools and so needs a 学校/学校代码 column."""
    names = list(subjects)
    result = ResultsParse(subjects=names, frame=empty_frame(names))
    sheets = read_sheets(data, kind)
    found = None
    for sheet_name, rows in sheets.items():
        index = find_header_row(rows, [STUDENT_NUMBER_HEADERS], any_of=names)
        if index is not None:
            found = (sheet_name, rows, index)
            break
    if found is None:
        first = next(iter(sheets), "")
        result.problems.append(
            error(
                first,
                None,
                None,
                "",
                _("没有找到表头：表头行须含“学籍号”（或“考号”“学号”）和本次考试的学科（%(s)s）")
                % {"s": "、".join(names)},
            )
        )
        return result
    sheet_name, rows, index = found
    result.sheet, result.header_row = sheet_name, index + 1
    header = rows[index]
    # Personal columns refuse the file before anything else is read (SPEC §2).
    personal = personal_column_problems(sheet_name, index + 1, header)
    if personal:
        result.problems.extend(personal)
        result.personal_columns = [p.column for p in personal]
        return result
    fields: dict[str, Any] = {
        NUMBER: STUDENT_NUMBER_HEADERS,
        NAME: NAME_HEADERS,
        CLASS: CLASS_HEADERS,
        SCHOOL: SCHOOL_HEADERS,
        NOT_COUNTED: NOT_COUNTED_HEADERS,
        NOTE: NOTE_HEADERS,
    }
    fields.update({s: s for s in names})
    columns = map_columns(header, fields)
    result.columns = columns
    required = [NAME, CLASS] + ([SCHOOL] if multi_school else [])
    labels = {NAME: "姓名", CLASS: "班级", SCHOOL: "学校代码"}
    for key in required:
        if key not in columns:
            result.problems.append(
                error(
                    sheet_name,
                    index + 1,
                    None,
                    "",
                    _("缺少“%(col)s”列") % {"col": labels[key]}
                    + (
                        _("（一个文件含多所学校时必须有“学校代码”或“学校”列）")
                        if key == SCHOOL
                        else ""
                    ),
                )
            )
    for s in names:
        if s not in columns:
            result.problems.append(
                error(
                    sheet_name,
                    index + 1,
                    None,
                    "",
                    _("缺少本次考试学科“%(subject)s”的列") % {"subject": s},
                )
            )
    if result.problems:
        return result
    _parse_rows(result, rows[index + 1 :], first_row=index + 2, subjects=subjects, grade=grade)
    return result


def _column(rows: list[list[Any]], index: int) -> np.ndarray:
    out = np.empty(len(rows), dtype=object)
    out[:] = [r[index] if index < len(r) else None for r in rows]
    return out


def _parse_rows(
    result: ResultsParse, rows: list, *, first_row: int, subjects: dict[str, float], grade: int
) -> None:
    sheet, columns = result.sheet, result.columns
    names = list(subjects)
    excel_rows = np.arange(first_row, first_row + len(rows), dtype=np.int64)
    raw = {key: _column(rows, col.index) for key, col in columns.items()}

    # Rows with neither a name nor any score cell are skipped (blank rows, notes below).
    kinds = {key: _kinds(values) for key, values in raw.items()}
    keep = ~_blank_mask(raw[NAME], kinds[NAME])
    for s in names:
        keep |= ~_blank_mask(raw[s], kinds[s])
    excel_rows = excel_rows[keep]
    raw = {key: values[keep] for key, values in raw.items()}
    kinds = {key: values[keep] for key, values in kinds.items()}
    problems: list[Problem] = []

    def report(key: str, positions, values, messages) -> None:
        header = columns[key].header
        for pos, value, message in zip(positions, values, messages, strict=True):
            problems.append(error(sheet, int(excel_rows[pos]), header, value, message))

    frame = pd.DataFrame({EXCEL_ROW: excel_rows})

    # Student numbers: text, no spaces; required, unique in the file.
    numbers, bad = _clean_text_column(raw[NUMBER], kinds[NUMBER], clean_code, _PLAIN_CODE)
    missing = [i for i, v in enumerate(numbers) if v is None and i not in bad]
    long = [i for i, v in enumerate(numbers) if v is not None and len(v) > STUDENT_NUMBER_MAX]
    for i in long:
        bad[i] = _("学籍号太长（最多 %(n)d 个字符）") % {"n": STUDENT_NUMBER_MAX}
        numbers[i] = None
    for i in missing:
        bad[i] = _("缺少学籍号")
    series = pd.Series(numbers, dtype=object)
    duplicated = series.notna() & series.duplicated(keep="first")
    if duplicated.any():
        first_seen = {}
        for i, v in enumerate(numbers):
            if v is not None and v not in first_seen:
                first_seen[v] = int(excel_rows[i])
        for i in np.flatnonzero(duplicated.to_numpy()):
            bad[int(i)] = _("学籍号重复（与第%(row)d行相同）") % {"row": first_seen[numbers[i]]}
            numbers[i] = None
    _report_map(report, NUMBER, raw[NUMBER], bad)
    frame[NUMBER] = pd.Series(numbers, dtype=object)

    # Names: required text.
    names_clean, bad = _clean_text_column(raw[NAME], kinds[NAME], clean_text, _PLAIN_TEXT)
    for i, v in enumerate(names_clean):
        if i in bad:
            continue
        if v is None:
            bad[i] = _("缺少姓名")
        elif len(v) > NAME_MAX:
            bad[i] = _("姓名太长（最多 %(n)d 个字符）") % {"n": NAME_MAX}
            names_clean[i] = None
    _report_map(report, NAME, raw[NAME], bad)
    frame[NAME] = pd.Series(names_clean, dtype=object)

    # Classes: a few distinct values, each parsed once.
    cache: dict[tuple, tuple[int | None, str | None, str]] = {}
    classes: list[int | None] = []
    texts: list[str] = []
    bad = {}
    for i, cell in enumerate(raw[CLASS]):
        key = (type(cell), cell)
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = (*parse_class(cell, grade), display_value(cell))
        number, message, text = hit
        if message:
            bad[i] = message
        classes.append(number)
        texts.append(text)
    _report_map(report, CLASS, raw[CLASS], bad)
    frame[CLASS] = pd.array(classes, dtype="Int64")
    frame[CLASS_TEXT] = pd.Series(texts, dtype=object)

    # School: text as written (a code or a name); resolved by the service.
    if SCHOOL in raw:
        schools, bad = _clean_unique(raw[SCHOOL], clean_code)
        for i, v in enumerate(schools):
            if v is None and i not in bad:
                bad[i] = _("缺少学校代码")
        _report_map(report, SCHOOL, raw[SCHOOL], bad)
        frame[SCHOOL] = pd.Series(schools, dtype=object)
    else:
        frame[SCHOOL] = pd.Series([None] * len(frame), dtype=object)

    # 不计入统计: the reason as written; yes/no cells say only whether.
    if NOT_COUNTED in raw:
        reasons, bad = _clean_unique(raw[NOT_COUNTED], clean_not_counted)
        _report_map(report, NOT_COUNTED, raw[NOT_COUNTED], bad)
        frame[NOT_COUNTED] = pd.Series([r or "" for r in reasons], dtype=object)
    else:
        frame[NOT_COUNTED] = pd.Series([""] * len(frame), dtype=object)
    if NOTE in raw:
        notes, _bad = _clean_unique(raw[NOTE], not_counted_note)
        reasons = frame[NOT_COUNTED].tolist()
        for i, note in enumerate(notes):
            if note and not reasons[i]:
                reasons[i] = note
                result.marked_by_notes += 1
        frame[NOT_COUNTED] = pd.Series(reasons, dtype=object)

    # Scores, column by column.
    for s, full in subjects.items():
        values, bad = clean_score_column(raw[s], kinds[s])
        out_of_range = np.flatnonzero((values < 0) | (values > full))
        for i in out_of_range:
            bad[int(i)] = _("分数超出范围（0～%(full)s）") % {"full": _marks(full)}
        values[out_of_range] = np.nan
        _report_map(report, s, raw[s], bad)
        frame[s] = values

    problems.sort(key=lambda p: (p.row or 0, _column_order(columns, p.column)))
    result.problems.extend(problems)
    result.frame = frame


def _column_order(columns: dict[str, Column], header: str | None) -> int:
    for col in columns.values():
        if col.header == header:
            return col.index
    return -1


def _marks(full: float) -> str:
    return str(int(full)) if float(full).is_integer() else str(full)


def _report_map(report, key: str, raw: np.ndarray, bad: dict[int, str]) -> None:
    if bad:
        positions = sorted(bad)
        report(key, positions, [raw[i] for i in positions], [bad[i] for i in positions])


# Text cells that the careful cleaners would return unchanged: an identifier of ASCII letters
# and digits; text without spaces around it, no full-width or no-break space, no formula.
# Neither may start like a formula (= + - @, full-width too) or with an invisible character.
_PLAIN_CODE = r"[0-9A-Za-z_][0-9A-Za-z_\-]*"
_PLAIN_TEXT = r"[^\s=＝﹦+＋﹢\-－﹣@＠\u200b-\u200f\u2060\ufeff](?:[^\u3000\xa0]*\S)?"


def _clean_text_column(
    values: np.ndarray, kinds: np.ndarray, cleaner, plain: str
) -> tuple[list, dict[int, str]]:
    """``cleaner`` on every cell, with plain text cells taken as they are in one step."""
    out = np.empty(len(values), dtype=object)
    careful = np.ones(len(values), dtype=bool)
    text = np.flatnonzero(np.equal(kinds, str))
    if len(text):
        matched = pd.Series(values[text], dtype=object).str.fullmatch(plain).to_numpy(dtype=bool)
        out[text[matched]] = values[text[matched]]
        careful[text[matched]] = False
    rest = np.flatnonzero(careful)
    cleaned, bad_rest = _clean_unique(values[rest], cleaner)
    out[rest] = cleaned if len(rest) else out[rest]
    bad = {int(rest[i]): message for i, message in bad_rest.items()}
    return out.tolist(), bad


def _clean_unique(values: np.ndarray, cleaner) -> tuple[list, dict[int, str]]:
    """``cleaner`` on every cell, computed once per distinct cell value."""
    cache: dict[Any, tuple[Any, str | None]] = {}
    out: list = []
    bad: dict[int, str] = {}
    for i, cell in enumerate(values):
        key = (type(cell), cell)
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = cleaner(cell)
        value, message = hit
        if message:
            bad[i] = message
            value = None
        out.append(value)
    return out, bad


def clean_not_counted(cell: Any) -> tuple[str | None, str | None]:
    """A 不计入统计 cell: blank or a "no" (否, 0, ×…) → None (counted); a "yes" (是, 1, √…) →
    "未注明原因"; other text → that text as the reason (at most 30 characters)."""
    value, problem = clean_text(cell)
    if problem or value is None:
        return None, problem
    folded = value.casefold()
    if folded in NOT_COUNTED_NO:
        return None, None
    if folded in NOT_COUNTED_YES:
        return UNSPECIFIED_REASON, None
    if len(value) > NOT_COUNTED_MAX:
        return None, _("不计入统计的原因太长（最多 %(n)d 个字）") % {"n": NOT_COUNTED_MAX}
    return value, None


def not_counted_note(cell: Any) -> tuple[str | None, None]:
    """A 备注 cell: the reason when it names 随班就读, 作弊, 作废, 违纪 or 不计入 (the note
    itself, or the word when the note is longer than 30 characters); None for any other note,
    which stays ignored (never an error)."""
    value, problem = clean_text(cell)
    if problem or value is None:
        return None, None
    for word in NOT_COUNTED_NOTES:
        if word in value:
            return (value if len(value) <= NOT_COUNTED_MAX else word), None
    return None, None


# --- score cells ---------------------------------------------------------------------------


def clean_score(cell: Any) -> tuple[float | None, str | None]:
    """One score cell: a number (int, decimal, text, full-width), or absent (blank, 缺考, 缺,
    -, —, /) → None; anything else → a message. Range is checked separately."""
    if is_absent_marker(cell):
        return None, None
    value, problem = clean_number(cell)
    if problem:
        if normalize_header(cell).startswith("="):
            return None, problem
        return None, _("不是有效的分数：应填数字，缺考填“缺考”")
    return float(value), None


# ASCII digits only: ``\d`` would take full-width digits, which pandas cannot read.
_PLAIN_NUMBER = r"[ \t]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[ \t]*"


def _kinds(values: np.ndarray) -> np.ndarray:
    """The Python type of each cell (one C-level pass, no cleaning)."""
    return np.fromiter((type(v) for v in values), dtype=object, count=len(values))


def _blank_mask(values: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """``is_blank`` for a whole column: None, or text of spaces only."""
    blank = np.equal(kinds, _NONE)
    text = np.flatnonzero(np.equal(kinds, str))
    if len(text):
        stripped = pd.Series(values[text], dtype=object).str.strip()
        blank[text[(stripped == "").to_numpy(dtype=bool)]] = True
    floats = np.flatnonzero(np.equal(kinds, float))
    if len(floats):
        blank[floats] = pd.isna(values[floats].astype(float))
    other = np.flatnonzero(
        ~blank & np.not_equal(kinds, str) & np.not_equal(kinds, int) & np.not_equal(kinds, float)
    )
    for i in other:
        blank[i] = is_blank(values[i])
    return blank


_NONE = type(None)


def clean_score_column(
    values: np.ndarray, kinds: np.ndarray | None = None
) -> tuple[np.ndarray, dict[int, str]]:
    """``clean_score`` for a whole column: floats (NaN = absent) and {position: message}.

    Numbers (int/float cells, not booleans) and plain ASCII numbers stored as text are read by
    pandas in one step; the rest (blank, markers, full-width digits, junk) cell by cell."""
    values = np.asarray(values, dtype=object)
    n = len(values)
    series = pd.Series(values, dtype=object)
    kinds = _kinds(values) if kinds is None else kinds
    numeric = np.equal(kinds, int) | np.equal(kinds, float)
    text = np.equal(kinds, str)
    out = np.full(n, np.nan)
    if numeric.any():
        numbers = pd.to_numeric(series[numeric], errors="coerce").to_numpy(dtype=float)
        finite = np.isfinite(numbers)
        idx = np.flatnonzero(numeric)
        out[idx[finite]] = numbers[finite]
        numeric[idx[~finite]] = False  # ±inf, NaN: the careful path decides
    if text.any():
        idx = np.flatnonzero(text)
        strings = series.iloc[idx]
        plain = strings.str.fullmatch(_PLAIN_NUMBER).to_numpy(dtype=bool)
        if plain.any():
            out[idx[plain]] = strings[plain].str.strip(" \t").astype(float).to_numpy()
        text[idx[~plain]] = False
    careful = np.flatnonzero(~numeric & ~text & np.not_equal(kinds, _NONE))
    bad: dict[int, str] = {}
    for i in careful:
        value, message = clean_score(values[i])
        if message:
            bad[int(i)] = message
        elif value is not None:
            out[i] = value
    return out, bad


# --- class cells ---------------------------------------------------------------------------

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
GRADE_WORDS = {
    **_CN_DIGITS,
    "初一": 7,
    "初二": 8,
    "初三": 9,
    "高一": 10,
    "高二": 11,
    "高三": 12,
}
_GRADE = r"初[一二三]|高[一二三]|[一二三四五六七八九]|1[0-2]|[1-9]"
_CLASS_NO = r"[0-9]{1,2}|[一二三四五六七八九十]{1,3}"
_WITH_GRADE = re.compile(
    rf"(?P<g>{_GRADE})(?:年级)?(?:[(\[](?P<c1>{_CLASS_NO})[)\]]|[.\-·、_/]?(?P<c2>{_CLASS_NO}))"
)
_CLASS_ONLY = re.compile(rf"[(\[]?(?P<c>{_CLASS_NO})[)\]]?")


def _chinese_number(text: str) -> int | None:
    """一…九十九 (as class numbers are written: 三, 十, 十二, 二十, 二十三)."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        return _CN_DIGITS.get(text) if len(text) == 1 else None
    tens, _sep, units = text.partition("十")
    if "十" in units:
        return None
    t = 1 if tens == "" else _CN_DIGITS.get(tens)
    u = 0 if units == "" else _CN_DIGITS.get(units)
    if t is None or u is None:
        return None
    return t * 10 + u


def parse_class(cell: Any, grade: int) -> tuple[int | None, str | None]:
    """The class number of a 班级 cell for an exam of ``grade``, or a message (see the
    module docstring for the forms)."""
    if is_blank(cell):
        return None, _("缺少班级")
    if is_formula_like(cell):
        return None, formula_message(cell)
    if isinstance(cell, bool):
        return None, _unknown_class()
    text = normalize_header(display_value(cell))
    text = text.replace("（", "(").replace("）", ")").replace("【", "[").replace("】", "]")
    if text.endswith("班"):
        text = text[:-1]
    if text.endswith("班级"):
        text = text[:-2]
    if not text:
        return None, _unknown_class()
    written_grade: int | None = None
    number: int | None = None
    if text.isascii() and text.isdigit():
        if len(text) <= 2:
            number = int(text)
        elif len(text) <= 4:
            written_grade, number = int(text[:-2]), int(text[-2:])
        else:
            return None, _unknown_class()
    else:
        m = _WITH_GRADE.fullmatch(text)
        if m:
            g = m.group("g")
            written_grade = GRADE_WORDS[g] if g in GRADE_WORDS else int(g)
            number = _chinese_number(m.group("c1") or m.group("c2"))
        else:
            m = _CLASS_ONLY.fullmatch(text)
            if not m:
                return None, _unknown_class()
            number = _chinese_number(m.group("c"))
    if number is None or not 1 <= number <= 99:
        return None, _unknown_class()
    if written_grade is not None and written_grade != grade:
        return None, _("班级不属于本次考试的年级")
    return number, None


def _unknown_class() -> str:
    return _("无法识别的班级，请写作“3”“3班”“九(3)班”“初三3班”“9.3”或“903”")
