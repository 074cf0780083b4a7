"""The target pages: board, detail, quota changes, publishing, acknowledging, entries, the
letters (PDF with embedded CJK text) and the exports, for every role."""

import io
import subprocess
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from targets.models import Acknowledgement, Allocation, IndicatorEntry, Target

from ..conftest import require_binary
from .conftest import create
from .test_api import PASS_COUNT


@pytest.fixture
def published(county, api_for, staff):
    api = api_for(staff)
    create(api, PASS_COUNT)
    create(api, {**PASS_COUNT, "code": "ONLY-2", "name": "河口及格人数", "schools": ["S002"]})
    create(api, {**PASS_COUNT, "code": "DRAFT", "name": "草稿目标"})
    create(
        api,
        {
            "code": "ENTER",
            "year": "2026-2027",
            "name": "体质健康优良率",
            "measure": "entered",
            "indicator": "体质健康优良率",
            "value": 0.4,
            "schools": ["S001", "S002"],
        },
    )
    for code in ("PASS-9", "ONLY-2", "ENTER"):
        assert api.post(f"/api/v1/targets/{code}/publish/").status_code == 200
    return county


@pytest.mark.parametrize("role", ["admin", "leader", "staff", "inspector", "principal"])
def test_board_answers_every_role(published, client_for, users, role):
    response = client_for(users[role]).get("/targets/?year=2026-2027")
    assert response.status_code == 200
    html = response.content.decode()
    assert "九年级语文及格人数" in html
    assert ("河口及格人数" in html) is (role != "principal")
    assert ("草稿目标" in html) is (role in ("admin", "leader", "staff"))
    assert ('id="target-heat"' in html) is (role != "principal")
    # Nothing published yet measures grade 9: the county's actual is not a zero.
    assert "尚无考试数据" in html


def test_board_export_text_as_text(published, client_for, staff, principal):
    response = client_for(staff).get("/targets/export/?year=2026-2027")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("目标代码", "目标", "测量考试")
    assert ("PASS-9", "九年级语文及格人数", None, None, "全县", 10, None, None, "尚无数据") in rows
    assert sheet["A2"].data_type == "s"
    assert client_for(principal).get("/targets/export/").status_code == 403


def test_detail_scoping(published, client_for, principal, other_principal, inspector):
    assert client_for(principal).get("/targets/PASS-9/").status_code == 200
    for code in ("ONLY-2", "DRAFT", "NOPE"):
        assert client_for(principal).get(f"/targets/{code}/").status_code == 404
    assert client_for(other_principal).get("/targets/ONLY-2/").status_code == 200
    assert client_for(inspector).get("/targets/DRAFT/").status_code == 404
    html = client_for(principal).get("/targets/PASS-9/").content.decode()
    assert "河口乡中心学校" not in html  # S002's row is not the principal's to see


@pytest.mark.parametrize("role, status", [("leader", 403), ("inspector", 404), ("principal", 404)])
def test_only_managers_fix_quotas_on_the_page(published, client_for, users, role, status):
    client = client_for(users[role])
    body = {"school": "S001", "quota": 2, "reason": "调整"}
    assert client.post("/targets/DRAFT/quota/", body).status_code == status
    assert client.post("/targets/DRAFT/publish/").status_code == status
    assert client.post("/targets/PASS-9/quota/", body).status_code == 403
    assert client.get("/targets/new/").status_code == 403
    assert not Allocation.objects.filter(fixed=True).exists()


def test_staff_fix_a_quota_and_see_the_history(published, client_for, staff):
    client = client_for(staff)
    response = client.post(
        "/targets/DRAFT/quota/", {"school": "S001", "quota": 2, "reason": "生源减少"}
    )
    assert response.status_code == 302
    # S001 fixed at 2; the other 8 go to S002.
    assert dict(
        Allocation.objects.filter(target__code="DRAFT").values_list("school__code", "quota")
    ) == {"S001": 2, "S002": 8}
    html = client.get("/targets/DRAFT/").content.decode()
    assert "生源减少" in html and "不同分配依据的结果" in html
    refused = client.post(
        "/targets/DRAFT/quota/", {"school": "S001", "quota": 3, "reason": ""}, follow=True
    )
    assert "reason：固定名额必须填写理由" in refused.content.decode()
    assert Allocation.objects.get(target__code="DRAFT", school__code="S001").quota == 2


def test_new_target_form(county, client_for, staff):
    response = client_for(staff).post(
        "/targets/new/",
        {
            "code": "NEW-1",
            "year": "2026-2027",
            "name": "前2名人数",
            "measure": "count_top_n",
            "grade": 9,
            "top_n": 2,
            "value": 2,
            "basis": "equal",
            "alpha": 0.5,
            "class_limit": 55,
            "green": 1,
            "amber": 0.9,
            "schools": ["S001", "S002"],
        },
    )
    assert response.status_code == 302, response.content.decode()
    assert list(Target.objects.get(code="NEW-1").allocations.values_list("quota", flat=True)) == [
        1,
        1,
    ]


def test_acknowledge_on_the_page(published, client_for, principal, inspector):
    client = client_for(principal)
    html = client_for(principal).get("/").content.decode()
    assert "待签收目标" in html
    assert client.post("/targets/PASS-9/acknowledge/").status_code == 302
    ack = Acknowledgement.objects.get(target__code="PASS-9")
    assert (ack.school.code, ack.by.username) == ("S001", "principal")
    assert client_for(inspector).post("/targets/PASS-9/acknowledge/").status_code == 403
    assert Acknowledgement.objects.count() == 1


def test_entries_with_evidence(published, client_for, principal, staff):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    response = client_for(principal).post(
        "/targets/ENTER/entries/",
        {"school": "S001", "value": "0.42", "evidence": SimpleUploadedFile("体测.png", png)},
    )
    assert response.status_code == 302
    entry = IndicatorEntry.objects.get()
    assert (entry.school.code, entry.value, entry.confirmed) == ("S001", 0.42, False)
    assert entry.evidence_name == "体测.png"
    download = client_for(staff).get(f"/targets/entries/{entry.pk}/evidence/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == png
    # A file whose content is not what its name says: refused, nothing kept.
    bad = client_for(principal).post(
        "/targets/ENTER/entries/",
        {"school": "S001", "value": "0.5", "evidence": SimpleUploadedFile("a.pdf", b"MZ\x90\x00")},
        follow=True,
    )
    assert "与扩展名 .pdf 不符" in bad.content.decode()
    assert IndicatorEntry.objects.count() == 1
    assert client_for(principal).post(f"/targets/entries/{entry.pk}/confirm/").status_code == 403
    assert client_for(staff).post(f"/targets/entries/{entry.pk}/confirm/").status_code == 302
    assert IndicatorEntry.objects.get().confirmed


def _pdf_text(data: bytes, tmp_path) -> tuple[str, str]:
    pdftotext, pdffonts = require_binary("pdftotext"), require_binary("pdffonts")
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True, check=True)
    fonts = subprocess.run([pdffonts, str(path)], capture_output=True, text=True, check=True)
    return text.stdout, fonts.stdout


def test_letter_pdf_holds_the_school_and_its_quotas(published, client_for, principal, tmp_path):
    response = client_for(principal).get("/targets/letters/S001/?year=2026-2027")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text, fonts = _pdf_text(response.content, tmp_path)
    assert "城关第一初级中学" in text
    assert "九年级语文及格人数" in text
    assert "7人" in text.replace(
        " ", ""
    )  # S001's quota of PASS-9 (enrolled 4 of 6, T=10: 6.667 → 7)
    assert "河口及格人数" not in text  # not S001's target
    assert "40.0%" in text  # the entered indicator's value as a rate
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk)  # embedded
    assert client_for(principal).get("/targets/letters/S002/").status_code == 404


def test_all_letters_as_pdf_and_zip(published, client_for, staff, principal, tmp_path):
    pdf = client_for(staff).get("/targets/letters/?year=2026-2027")
    assert pdf.status_code == 200
    text, _fonts = _pdf_text(pdf.content, tmp_path)
    assert "城关第一初级中学" in text and "河口乡中心学校" in text
    archive = client_for(staff).get("/targets/letters/?year=2026-2027&format=zip")
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert names == ["S001-城关第一初级中学-目标责任书.pdf", "S002-河口乡中心学校-目标责任书.pdf"]
    assert client_for(principal).get("/targets/letters/").status_code == 403


def test_school_profile_and_allocation_export(published, client_for, principal, staff):
    html = client_for(principal).get("/schools/S001/").content.decode()
    assert "质量目标" in html and "九年级语文及格人数" in html
    export = client_for(staff).get("/targets/PASS-9/allocation.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content))["名额分配"]
    assert [r[:5] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("S001", "城关第一初级中学", 4, pytest.approx(20 / 3), 7),
        ("S002", "河口乡中心学校", 2, pytest.approx(10 / 3), 3),
    ]
    assert client_for(principal).get("/targets/PASS-9/allocation.xlsx").status_code == 403
