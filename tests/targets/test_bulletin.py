"""The bulletin's 目标进展 section and the 目标 line of an exam's section (aggregates only)."""

import datetime

from reports.rendering import sections

from .conftest import create
from .test_api import PASS_COUNT

OCTOBER_END = datetime.date(2026, 10, 31)


def test_target_progress_section_and_exam_line(county, api_for, staff):
    api = api_for(staff)
    # Quotas 7 and 3 (enrolled 4 and 2 of 6, T=10); 语文 ≥ 60: S001 2 (red), S002 2 (red).
    create(api, PASS_COUNT)
    create(api, {**PASS_COUNT, "code": "DRAFT", "name": "草稿"})
    api.post("/api/v1/targets/PASS-9/publish/")
    before = sections.target_progress_section(OCTOBER_END)
    assert before["year"] == "2026-2027"
    [item] = before["targets"]  # drafts are not in the bulletin
    assert (item["name"], item["target"], item["actual"], item["exam"]) == (
        "九年级语文及格人数",
        "10",
        None,  # M1 is not published yet: 尚无考试数据
        None,
    )
    county.state = "published"
    county.save()
    [item] = sections.target_progress_section(OCTOBER_END)["targets"]
    # County 4 of 10 = .4: red; S001 2/7 red, S002 2/3 red.
    assert (item["actual"], item["status"], item["red"], item["green"]) == ("4", "red", 2, 0)
    assert item["behind"] == ["城关第一初级中学", "河口乡中心学校"]
    assert sections.exam_section(county)["target"] == "九年级语文及格人数：目标10，实际4（落后）"


def test_no_targets_no_line(county):
    assert sections.exam_section(county)["target"] is None
    assert sections.target_progress_section(OCTOBER_END)["targets"] == []
