"""The PDF itself: figures and names in its text, embedded CJK fonts, page furniture, growth
with content, no student names, and a renderer that fetches nothing from outside."""

import re
import subprocess

import pytest
from django.conf import settings

from reports.models import Bulletin
from reports.rendering import context as build
from reports.rendering.pdf import FetchRefused, SafeURLFetcher, render_pdf
from reports.services import bulletins
from schools.models import Student

from ..conftest import require_binary
from .world import PERIOD, build_world, more_schools


@pytest.fixture
def world(school, other_school, staff, inspector):
    return build_world(school, other_school, staff, inspector)


def pdf_text(path, *pages: int) -> str:
    args = [require_binary("pdftotext"), "-layout"]
    if pages:
        args += ["-f", str(pages[0]), "-l", str(pages[-1])]
    return subprocess.run(
        [*args, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_the_figures_and_school_names_are_in_the_pdf(world):
    bulletin = bulletins.bulletin_build(period=PERIOD)
    text = pdf_text(bulletins.bulletin_pdf_path(bulletin))
    flat = squeeze(text)
    assert f"{settings.TIZHI_BUREAU_NAME}聚力提质工作简报" in flat
    assert "2026年第1期" in flat
    assert "2026年11月工作情况" in flat
    assert "九年级期中考试" in flat
    assert "67.50" in text  # county 语文 mean
    assert "125.00" in text  # county total mean
    assert "75.0%" in text  # 语文 pass rate
    assert "城关第一初级中学" in flat and "河口乡中心学校" in flat
    assert "75.00" in text  # S001 composite of the total
    assert "暂无目标" in flat
    assert "50.00" in text  # max gap 150 − 100
    assert "作业批改记录不全" in flat and "另：教案需更新" not in flat
    assert "本月共开展督导3次，涉及2所学校，其中“四不两直”督导2次" in flat
    assert "本月新下达整改事项2项，销号2项；截至月末逾期未销号2项" in flat
    assert "校长听课未达任务的学校：河口乡中心学校" in flat
    assert "本月新开始交流轮岗1人次" in flat
    assert "本月无考试" not in flat


def test_contents_page_numbers_and_running_header(world):
    bulletin = bulletins.bulletin_build(period=PERIOD)
    path = bulletins.bulletin_pdf_path(bulletin)
    first = squeeze(pdf_text(path, 1))
    assert "目录" in first
    toc = dict(re.findall(r"([一二三四五六七八]、[^.\d]+?)\.{3,}(\d+)", first))
    assert list(toc) == [
        "一、考试情况",
        "二、目标进展",
        "三、督导情况",
        "四、整改情况",
        "五、推门听课",
        "六、交流轮岗",
        "七、工作动态",
        "八、先进典型",
    ]
    assert toc["一、考试情况"] == "1"
    for heading, page in toc.items():  # each entry points at the page its heading is on
        if page != "1":
            assert heading in squeeze(pdf_text(path, int(page))), heading
    assert f"第1页共{bulletin.pages}页" in first
    assert "聚力提质简报第1期" not in first  # no running header on the first page
    second = squeeze(pdf_text(path, 2))
    assert f"{settings.TIZHI_BUREAU_NAME}聚力提质简报第1期" in second
    assert f"第2页共{bulletin.pages}页" in second


def test_the_fonts_are_embedded_noto_cjk(world):
    pdffonts = require_binary("pdffonts")
    bulletin = bulletins.bulletin_build(period=PERIOD)
    out = subprocess.run(
        [pdffonts, str(bulletins.bulletin_pdf_path(bulletin))], capture_output=True, text=True
    ).stdout
    fonts = [line for line in out.splitlines()[2:] if line.strip()]
    assert any("Noto-Sans-CJK-SC" in line for line in fonts)
    # every font is embedded (emb column "yes")
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), out


def test_more_schools_and_exams_make_more_pages(world):
    small = bulletins.bulletin_build(period=PERIOD)
    pages_before = small.pages
    more_schools(40, world["year"])
    big = bulletins.bulletin_build(period=PERIOD)
    assert [e["code"] for e in big.content["exams"]] == ["N1", "N2"]
    assert big.pages > pages_before + 1
    assert "第42实验中学" in squeeze(pdf_text(bulletins.bulletin_pdf_path(big)))


def test_no_student_name_is_ever_in_the_pdf(world):
    bulletin = bulletins.bulletin_build(period=PERIOD)
    Bulletin.objects.filter(pk=bulletin.pk).update(
        examples="张小明同学在全县联考中进步显著，王芳芳同学获市级一等奖。\n\n李华、赵一鸣表现突出。",
        news="本月表彰张小明等同学。",
    )
    bulletin = bulletins.bulletin_build(period=PERIOD)
    text = squeeze(pdf_text(bulletins.bulletin_pdf_path(bulletin)))
    assert "张*明同学在全县联考中进步显著" in text
    assert "王*芳同学获市级一等奖" in text
    assert "李*、赵*鸣表现突出" in text
    names = list(Student.objects.values_list("name", flat=True))
    assert len(names) == 4
    for name in names:
        assert name not in text


def test_urls_in_user_text_stay_text_and_fetch_nothing(world, monkeypatch):
    calls = []
    original = SafeURLFetcher.fetch

    def spy(self, url, headers=None):
        calls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(SafeURLFetcher, "fetch", spy)
    bulletin = bulletins.bulletin_build(period=PERIOD)
    Bulletin.objects.filter(pk=bulletin.pk).update(
        news='<img src="file:///etc/passwd"> 与 <img src="http://10.0.0.1/x.png">',
        examples='<script>alert(1)</script><a href="file:///etc/hosts">链接</a>',
    )
    bulletin = bulletins.bulletin_build(period=PERIOD)
    html = build.render_html(bulletin)
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert "<script>" not in html
    text = squeeze(pdf_text(bulletins.bulletin_pdf_path(bulletin)))
    assert '<imgsrc="file:///etc/passwd">' in text  # shown as the literal text
    assert "root:" not in text
    # Only our charts were fetched, by name, from the build's own drawings.
    assert calls and all(url.startswith("chart:") for url in calls)


def test_the_fetcher_refuses_everything_but_data_uris_and_its_own_charts():
    fetcher = SafeURLFetcher({"chart:exam-0": b"PNG"}.get)
    assert fetcher("chart:exam-0").read() == b"PNG"
    for url in [
        "chart:exam-1",
        "chart:../../etc/passwd",
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://10.0.0.1/",
        "https://example.com/a.png",
        "ftp://example.com/x",
        "/etc/passwd",
        "static/css/tizhi.css",
    ]:
        with pytest.raises(FetchRefused):
            fetcher(url)
    assert fetcher("data:text/plain;base64,5rWL6K+V").read() == "测试".encode()
    with pytest.raises(FetchRefused):
        SafeURLFetcher()("chart:exam-0")  # a fetcher without charts serves none


def test_an_image_tag_reaching_the_renderer_draws_nothing(tmp_path):
    secret = tmp_path / "secret.svg"
    secret.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400">'
        '<rect width="400" height="400" fill="red"/></svg>'
    )
    html = (
        f'<p>甲</p><img src="file://{secret}" style="width:10cm;height:10cm">'
        '<img src="http://127.0.0.1:9/none.png">'
    )
    pdf, pages = render_pdf(html)
    assert pages == 1
    with_nothing, _ = render_pdf("<p>甲</p>")
    # The refused images are left out: nothing but the text is drawn.
    assert b"/Subtype /Image" not in pdf and b"/XObject" not in pdf.split(b"stream")[0]
    assert abs(len(pdf) - len(with_nothing)) < 400
