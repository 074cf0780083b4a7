"""Student names in a bulletin (DESIGN.md, privacy of minors): the title and every field staff
write are masked (张*明) in the PDF, the page, the list and the API, also when the name is
written with spaces or zero-width characters between its characters."""

import datetime
import subprocess

import pytest

from reports.models import Bulletin
from reports.rendering import sections
from reports.services import bulletins

from ..conftest import require_binary
from ..factories import ExamFactory, StudentFactory

pytestmark = pytest.mark.django_db

PERIOD = datetime.date(2026, 11, 1)
SPACED = "张 三 明"
ZERO_WIDTH = "张\u200b三明"
FULL_WIDTH = "王\u3000芳芳"


@pytest.fixture
def names(school):
    StudentFactory(school=school, name="张三明")
    StudentFactory(school=school, name="王芳芳")
    StudentFactory(school=school, name="李华")


def pdf_text(path) -> str:
    return subprocess.run(
        [require_binary("pdftotext"), "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("表扬张三明同学", "表扬张*明同学"),
        (f"表扬{SPACED}同学", "表扬张*明同学"),
        (f"表扬{ZERO_WIDTH}同学", "表扬张*明同学"),
        (f"{FULL_WIDTH}获奖", "王*芳获奖"),
        ("李\u200d华 和 李 华", "李* 和 李*"),
        ("张三 明天来", "张*明天来"),  # 张三明 read across a space: masked rather than missed
        ("三明市", "三明市"),
    ],
)
def test_mask_ignores_spaces_and_zero_width_characters(names, text, masked):
    assert sections.mask_students(text, sections.student_names()) == masked


def test_a_plain_set_of_names_is_normalised_too():
    assert sections.mask_students("张 三明", frozenset({"张\u200b三明"})) == "张*明"


@pytest.fixture
def bulletin(names, staff):
    bulletin = bulletins.bulletin_get_or_create(period=PERIOD, user=staff)
    Bulletin.objects.filter(pk=bulletin.pk).update(
        title=f"表扬{SPACED}专刊",
        news=f"{ZERO_WIDTH}在县运动会获奖。",
        examples=f"{FULL_WIDTH}同学助人为乐，李华进步明显。",
    )
    return bulletins.bulletin_build(period=PERIOD, user=staff)


def test_the_pdf_masks_title_and_staff_text(bulletin):
    text = pdf_text(bulletins.bulletin_pdf_path(bulletin))
    flat = "".join(text.split())
    assert "表扬张*明专刊" in flat
    assert "张*明在县运动会获奖" in flat
    assert "王*芳同学助人为乐，李*进步明显" in flat
    for name in ("三明", "芳芳", "李华"):
        assert name not in flat


def test_the_page_masks_title_and_staff_text(bulletin, client_for, staff):
    html = client_for(staff).get(f"/bulletins/{bulletin.pk}/").content.decode()
    assert "表扬张*明专刊" in html
    assert "张*明在县运动会获奖" in html
    assert "王*芳同学助人为乐，李*进步明显" in html
    for raw in (SPACED, ZERO_WIDTH, FULL_WIDTH, "李华"):
        assert raw not in html


def test_the_list_and_the_api_mask_the_title(bulletin, client_for, api_for, staff, leader):
    assert "表扬张*明专刊" in client_for(staff).get("/bulletins/").content.decode()  # a draft
    Bulletin.objects.filter(pk=bulletin.pk).update(status="published")
    assert "表扬张*明专刊" in client_for(leader).get("/bulletins/").content.decode()
    api = api_for(leader).get("/api/v1/bulletins/").json()
    assert [b["title"] for b in api["results"]] == ["表扬张*明专刊"]
    one = api_for(leader).get(f"/api/v1/bulletins/{bulletin.pk}/").json()
    assert one["title"] == "表扬张*明专刊"


def test_a_staff_written_exam_name_is_masked_in_the_content(names):
    exam = ExamFactory(code="N9", name="张三明班级专项测验", date=datetime.date(2026, 11, 10))
    assert sections.exam_section(exam)["name"] == "张*明班级专项测验"
