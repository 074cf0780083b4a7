"""The results upload journey of a principal, in a real browser (SPEC §2 "Results sheet"):
dashboard to-do → template → a messy sheet with two errors → the problems in Chinese and the
annotated workbook → the corrected sheet → confirm → the school's row on the analysis page."""

import datetime
import io

import openpyxl
import pytest

from bureau.models import Role
from exams.models import ExamEntry, ExamState, StatsStatus
from tests.conftest import PASSWORD
from tests.factories import ClassFactory, ExamFactory, SchoolFactory, StudentFactory, UserFactory

from .conftest import login, snap

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EXAM_NAME = "2026年秋季九年级期中考试"
SCHOOL_NAME = "城关第一初级中学"
FULL = {"语文": 120, "数学": 100}

# (student number, name, class): registered in the portal before the exam.
STUDENTS = [
    ("2609101001", "刘文静", 1),
    ("2609101002", "张红霞", 1),
    ("2609101003", "王建国", 1),
    ("2609101004", "李小龙", 2),
    ("2609101005", "赵雪梅", 2),
]
# What the school's teachers typed, as the principal's sheet holds it: a title row, the
# header written `考 号`, classes as 九(1)班 / 九（2）班, a score stored as text with spaces,
# an absent student and two errors (130 is above the 100 marks of 数学; "八十" is no number).
MESSY = [
    ["城关一中 2026年秋季九年级期中考试成绩"],
    ["考 号", "姓 名", "班级", "语文", "数学", "总分"],
    ["2609101001", "刘文静", "九(1)班", 102, 88, 190],
    ["2609101002", "张红霞", "九(1)班", " 95 ", 130, 225],
    ["2609101003", "王建国", "九(1)班", "缺考", 71, 71],
    ["2609101004", "李小龙", "九（2）班", "八十", 64, 64],
    ["2609101005", "赵雪梅", "九（2）班", 110.5, 93, 203.5],
    [],
    ["注：总分由各校自行合计，仅供参考"],
]
ERRORS = [
    # (Excel row, column header, value, message)
    (4, "数学", "130", "分数超出范围（0～100）"),
    (6, "语文", "八十", "不是有效的分数：应填数字，缺考填“缺考”"),
]


def corrected() -> list[list]:
    rows = [list(r) for r in MESSY]
    rows[3][4] = 93  # 张红霞's 数学, checked against the paper
    rows[5][3] = 80  # 李小龙's 语文, typed as a number
    return rows


def workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "期中成绩"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def expected_means(rows: list[list]) -> dict[str, float]:
    """By hand: a subject's mean over the students who sat it; the total's over those who
    sat every subject (docs/statistics.md)."""

    def score(cell):
        if isinstance(cell, str):
            return None if cell.strip() == "缺考" else float(cell)
        return float(cell)

    data = [[score(c) for c in r[3:5]] for r in rows[2:7]]
    chinese = [r[0] for r in data if r[0] is not None]
    maths = [r[1] for r in data if r[1] is not None]
    totals = [sum(r) for r in data if None not in r]
    return {
        "语文": sum(chinese) / len(chinese),
        "数学": sum(maths) / len(maths),
        "total": sum(totals) / len(totals),
    }


def opened(download) -> openpyxl.Workbook:
    """A downloaded file as a workbook: it must be an .xlsx that openpyxl opens."""
    with open(download.path(), "rb") as file:
        content = file.read()
    assert content.startswith(b"PK\x03\x04")
    return openpyxl.load_workbook(io.BytesIO(content))


def fits(page, width: int) -> None:
    """Nothing on the page is wider than the screen (tables scroll inside their frame)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload_file(page, name: str, content: bytes) -> None:
    page.set_input_files(
        "input[type=file][name=file]",
        files=[
            {
                "name": name,
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": content,
            }
        ],
    )
    assert page.inner_text(".file-name") == name  # the picker names the chosen file
    page.click("button:has-text('上传并检查')")
    page.wait_for_url("**/upload/*/")


def school_row(page, school_name: str) -> list[str]:
    row = page.locator("#schools table tbody tr", has_text=school_name)
    assert row.count() == 1
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def column_of(page, header: str) -> int:
    headers = [h.strip() for h in page.locator("#schools table thead th").all_inner_texts()]
    return next(i for i, h in enumerate(headers) if h.startswith(header))


@pytest.fixture
def setting(db):
    school = SchoolFactory(code="S001", name=SCHOOL_NAME, stage="junior")
    classes = {n: ClassFactory(school=school, grade=9, number=n) for n in (1, 2)}
    for number, name, klass in STUDENTS:
        StudentFactory(student_number=number, name=name, school_class=classes[klass])
    exam = ExamFactory(
        code="g9-mid-2026",
        name=EXAM_NAME,
        kind="midterm",
        grade=9,
        state=ExamState.OPEN,
        date=datetime.date(2026, 11, 10),
        subjects=FULL,
    )
    UserFactory(username="wang", role=Role.PRINCIPAL, school=school)
    return exam


def test_a_principal_uploads_results_from_the_template_to_the_analysis(
    live_server, desktop, phone, setting
):
    exam = setting
    base = live_server.url
    login(desktop, base, "wang", PASSWORD)
    desktop.wait_for_url(f"{base}/")
    login(phone, base, "wang", PASSWORD)
    phone.wait_for_url(f"{base}/")

    # 1. The dashboard's to-do list leads to the exam's upload page.
    todo = f"上传《{EXAM_NAME}》成绩"
    assert todo in desktop.inner_text("ul.todo")
    snap(desktop, "upload-01-dashboard")
    assert todo in phone.inner_text("ul.todo")
    fits(phone, 375)
    snap(phone, "upload-01-dashboard-phone")
    desktop.click(f"ul.todo a:has-text('{todo}')")
    desktop.wait_for_url(f"{base}/exams/{exam.code}/upload/")
    assert desktop.inner_text("h1") == "上传成绩"
    head = desktop.inner_text("main")
    assert EXAM_NAME in head and "期中" in head and "midterm" not in head and "open" not in head
    assert desktop.inner_text(".file-pick").replace("\n", " ").split() == [
        "成绩文件",
        "选择文件…",
        "未选择文件",
    ]
    snap(desktop, "upload-02-form")
    phone.goto(f"{base}/exams/{exam.code}/upload/")
    fits(phone, 375)
    snap(phone, "upload-02-form-phone")

    # 2. The template arrives as an .xlsx pre-filled with the school's students.
    with desktop.expect_download() as download:
        desktop.click("a:has-text('下载本校成绩模板')")
    assert download.value.suggested_filename.endswith(".xlsx")
    template = opened(download.value)
    rows = [list(r) for r in template.active.iter_rows(values_only=True)]
    assert rows[1][:3] == ["学籍号", "姓名", "班级"] and rows[1][3:] == list(FULL)
    assert [tuple(r[:3]) for r in rows[2:]] == [
        (number, name, f"九({klass})班") for number, name, klass in STUDENTS
    ]

    # 3. The messy sheet: the two errors are shown in Chinese, located, and block the import.
    upload_file(desktop, "九年级期中成绩.xlsx", workbook(MESSY))
    assert desktop.inner_text("h1") == "成绩导入预览"
    table = desktop.locator("table.problems tbody tr.error")
    assert table.count() == len(ERRORS)
    for i, (row, column, value, message) in enumerate(ERRORS):
        cells = [c.strip() for c in table.nth(i).locator("td").all_inner_texts()]
        assert cells == ["错误", "期中成绩", str(row), column, value, message]
    assert desktop.locator("button:has-text('确认导入')").count() == 0
    assert "文件有错误，不能导入" in desktop.inner_text("main")
    snap(desktop, "upload-03-preview-errors")
    phone.goto(desktop.url)
    assert phone.locator("table.problems tbody tr.error").count() == len(ERRORS)
    assert phone.locator("button:has-text('确认导入')").count() == 0
    fits(phone, 375)
    snap(phone, "upload-03-preview-errors-phone")

    # 4. The refused file was not kept: choosing it again gives the annotated workbook, each
    # problem cell marked with a comment.
    assert "有错误的文件不会保存在系统中" in desktop.inner_text("main")
    desktop.set_input_files(
        "form[enctype] input[type=file][name=file]",
        files=[{"name": "九年级期中成绩.xlsx", "mimeType": XLSX_TYPE, "buffer": workbook(MESSY)}],
    )
    with desktop.expect_download() as download:
        desktop.click("button:has-text('下载标注了问题的工作簿')")
    assert download.value.suggested_filename.endswith("-问题标注.xlsx")
    sheet = opened(download.value)["期中成绩"]
    letters = {"语文": "D", "数学": "E"}
    for row, column, _value, message in ERRORS:
        cell = sheet[f"{letters[column]}{row}"]
        assert cell.comment is not None and message in cell.comment.text
    commented = [c.coordinate for r in sheet.iter_rows() for c in r if c.comment]
    assert sorted(commented) == ["D6", "E4"]
    assert not ExamEntry.objects.filter(exam=exam).exists()

    # 5. The corrected file passes; confirming imports it.
    desktop.click("a:has-text('重新上传')")
    desktop.wait_for_url(f"{base}/exams/{exam.code}/upload/")
    upload_file(desktop, "九年级期中成绩-修改.xlsx", workbook(corrected()))
    assert desktop.locator("table.problems tbody tr.error").count() == 0
    main = desktop.inner_text("main")
    assert "确认后，城关第一初级中学 本次考试之前的成绩将被这份文件替换" in main
    snap(desktop, "upload-04-preview-clean")
    phone.goto(desktop.url)
    fits(phone, 375)
    snap(phone, "upload-04-preview-clean-phone")
    desktop.click("button:has-text('确认导入')")
    desktop.wait_for_url(f"{base}/exams/{exam.code}/upload/")
    assert "已导入 5 名学生的成绩，统计正在后台更新" in desktop.inner_text("main")
    recent = desktop.locator("table tbody tr", has_text="九年级期中成绩-修改.xlsx")
    assert recent.count() == 1 and "已导入" in recent.inner_text()
    snap(desktop, "upload-05-imported")
    assert ExamEntry.objects.filter(exam=exam).count() == len(STUDENTS)

    # 6. The statistics were computed in-process (eager Celery, also in the live server's
    # thread), and the analysis page shows the school's row with the mean computed by hand.
    exam.refresh_from_db()
    assert exam.stats_status == StatsStatus.FRESH
    means = expected_means(corrected())
    desktop.goto(f"{base}/exams/{exam.code}/")
    assert EXAM_NAME in desktop.inner_text("h1")
    row = school_row(desktop, SCHOOL_NAME)
    assert row[column_of(desktop, "平均分")] == f"{means['total']:.2f}"
    assert row[column_of(desktop, "实考")] == "4"  # 王建国 missed 语文: not in the total
    desktop.wait_for_timeout(1200)  # the charts' animation
    snap(desktop, "upload-06-analysis")
    for subject in FULL:
        desktop.goto(f"{base}/exams/{exam.code}/?subject={subject}")
        row = school_row(desktop, SCHOOL_NAME)
        assert row[column_of(desktop, "平均分")] == f"{means[subject]:.2f}"
    phone.goto(f"{base}/exams/{exam.code}/")
    assert school_row(phone, SCHOOL_NAME)[column_of(phone, "平均分")] == f"{means['total']:.2f}"
    fits(phone, 375)
    phone.wait_for_timeout(1200)
    snap(phone, "upload-06-analysis-phone")

    # Done: the to-do item is gone.
    desktop.goto(f"{base}/")
    assert todo not in desktop.inner_text("main")
