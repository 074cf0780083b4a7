import pytest


@pytest.fixture
def compute(django_capture_on_commit_callbacks):
    """compute(api, code) → the response of POST /schemes/{code}/compute/, with the queued
    job run (in-process) once the request's transaction has committed."""

    def run(api, code="2026-awards"):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(f"/api/v1/schemes/{code}/compute/")
        return response

    return run
