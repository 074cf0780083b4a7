import datetime

import pytest

from exams.models import ExamState, ResultUpload, UploadStatus
from tests.factories import ExamFactory, SchoolFactory


@pytest.fixture
def open_exam(db):
    return ExamFactory(
        code="g9-mid",
        name="九年级期中",
        grade=9,
        state=ExamState.OPEN,
        date=datetime.date(2026, 11, 10),
    )


def test_principal_is_asked_to_upload_until_the_school_has(client_for, principal, open_exam):
    page = client_for(principal).get("/").content.decode()
    assert "上传《九年级期中》成绩" in page
    assert "/exams/g9-mid/upload/" in page

    ResultUpload.objects.create(
        exam=open_exam,
        school=principal.school,
        file_name="a.xlsx",
        stored_name="x",
        sha256="0" * 64,
        status=UploadStatus.COMMITTED,
    )
    page = client_for(principal).get("/").content.decode()
    assert "上传《九年级期中》成绩" not in page
    assert "暂无待办事项" in page


def test_staff_sees_how_many_schools_are_missing(
    client_for, staff, school, other_school, open_exam
):
    SchoolFactory(code="P001", name="城关小学", stage="primary")  # grade 9 is not theirs
    ResultUpload.objects.create(
        exam=open_exam,
        school=school,
        file_name="a.xlsx",
        stored_name="x",
        sha256="0" * 64,
        status=UploadStatus.COMMITTED,
    )
    page = client_for(staff).get("/").content.decode()
    # two junior schools expected, one uploaded → 1 missing
    assert "《九年级期中》尚有 1 所学校未上传成绩" in page


@pytest.mark.parametrize("role", ["admin_user", "leader", "staff", "inspector", "principal"])
def test_every_role_has_a_dashboard(request, client_for, role):
    user = request.getfixturevalue(role)
    response = client_for(user).get("/")
    assert response.status_code == 200
    assert "待办事项" in response.content.decode()
