import pytest

from exams.services.stats import stats_compute

from ..exams.stats_data import build_county


@pytest.fixture
def county(school, other_school):
    """The statistics tests' county (tests/exams/stats_data.py): exam M1 of grade 9 with
    statistics, S001 with 4 listed students, S002 with 2; M0 its baseline."""
    exam = build_county(school, other_school)
    stats_compute(exam_id=exam.baseline_id)
    stats_compute(exam_id=exam.pk)
    exam.refresh_from_db()
    return exam


def create(api, body, status=201):
    response = api.post("/api/v1/targets/", body, format="json")
    assert response.status_code == status, response.content.decode()
    return response.json()


def progress(api, code, status=200, **query):
    response = api.get(f"/api/v1/targets/{code}/progress/", query)
    assert response.status_code == status, response.content.decode()
    return response.json()
