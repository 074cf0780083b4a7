"""Benchmark of the statistics of a county-sized exam and of its page.

    .venv/bin/python bench/bench_statistics.py [--students N] [--runs N]

Runs in a throwaway PostgreSQL database (``bench/_common.py``). Imports two generated county
workbooks (60,000 students × 9 subjects, 60 schools of 20 classes, one teacher per subject and
two classes): a baseline exam and the exam measured (the same students, other scores), whose value-added is taken against the
baseline. Then measures:

(a) the floor: calamine read + COPY of the exam's 540,000 score rows (as ``bench_import.py``);
(b) ``stats_compute`` end to end (load the entries and assignments, compute, store the unit
    statistics and the student ranks), for the baseline (no value-added) and for the exam
    (with value-added), against the goal of 3× the floor, and where its time goes;
(c) the engine alone: ``statistics.compute_all`` on the frames ``stats_compute`` loads;
(d) the exam page ``/exams/<code>/`` and ``?subject=数学`` with Django's test client as a
    staff user: server time (``client.get`` in-process, no network) as the median of 5 runs
    after one warm-up, and its SQL queries; goal under 300 ms.
"""

from __future__ import annotations

import argparse
import datetime
import time
from urllib.parse import quote

from _common import (
    bench_database,
    floor_line,
    median,
    new_exam,
    no_stats_job,
    server_version,
    setup_county,
    timed,
    verdict,
    workbook,
)

STATS_GOAL = 3.0  # × the floor
PAGE_GOAL_MS = 300
PAGE_RUNS = 5


def import_exam(exam, data: bytes, staff, base: float) -> None:
    from exams.services.results import results_import

    t = time.perf_counter()
    result = results_import(
        exam=exam, data=data, file_name="county.xlsx", user=staff, school=None, dry_run=False
    )
    took = time.perf_counter() - t
    assert result["committed"], result["errors"][:5]
    print(f"    import of {exam.code}: {took:.2f} s = {took / base:.1f}× the floor")


def sections(exam_id: int) -> dict[str, float]:
    """One more ``stats_compute`` with its steps timed: load, compute, prepare rows, store."""
    from exams.services import stats as service

    spent = {"load": 0.0, "compute_all": 0.0, "rows": 0.0, "store": 0.0}
    originals = {}

    def wrap(module, name: str, section: str) -> None:
        original = getattr(module, name)
        originals[(module, name)] = original

        def timed_call(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[section] += time.perf_counter() - t

        setattr(module, name, timed_call)

    wrap(service, "entries_frame", "load")
    wrap(service, "assignments_frame", "load")
    wrap(service, "exam_spec", "load")
    wrap(service.statistics, "compute_all", "compute_all")
    wrap(service, "_unit_stats", "rows")
    wrap(service, "_student_results", "rows")
    wrap(service, "_store", "store")
    try:
        t = time.perf_counter()
        service.stats_compute(exam_id=exam_id)
        spent["total"] = time.perf_counter() - t
    finally:
        for (module, name), original in originals.items():
            setattr(module, name, original)
    return spent


def engine(exam, runs: int) -> list[float]:
    from exams.engine import statistics
    from exams.selectors.entries import entries_frame
    from exams.selectors.stats import assignments_frame, exam_spec

    frame = entries_frame(exam_id=exam.pk)
    spec = exam_spec(exam)
    assignments = assignments_frame(exam)
    baseline_scores = baseline_exam = None
    if exam.baseline_id:
        baseline_scores = entries_frame(exam_id=exam.baseline_id)
        baseline_exam = exam_spec(exam.baseline)
    return timed(
        lambda: statistics.compute_all(
            frame,
            spec,
            assignments,
            baseline_scores=baseline_scores,
            baseline_exam=baseline_exam,
        ),
        runs,
    )


def page(client, url: str) -> tuple[float, int, int]:
    """Median server time in ms of ``PAGE_RUNS`` gets after one warm-up, the SQL queries of
    one get, and the page's size in bytes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)
    assert response.status_code == 200, response.status_code
    times = timed(lambda: client.get(url), PAGE_RUNS)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return median(times) * 1000, len(queries), len(response.content)


def run(students: int, runs: int) -> None:
    from django.test import Client

    from exams.models import StudentResult, UnitStat
    from exams.services.stats import stats_compute

    print(f"PostgreSQL {server_version()}")
    no_stats_job()
    baseline_data = workbook(students, seed=7, score_seed=8)
    data = workbook(students, seed=7)
    staff = setup_county()
    stamp = int(time.time())
    baseline = new_exam(f"BENCH-BASE-{stamp}", date=datetime.date(2026, 11, 10))
    exam = new_exam(f"BENCH-STATS-{stamp}", baseline=baseline)

    base = floor_line(data, students)
    import_exam(baseline, baseline_data, staff, base)
    import_exam(exam, data, staff, base)

    for label, target in (("no value-added", baseline), ("with value-added", exam)):
        times = timed(lambda target=target: stats_compute(exam_id=target.pk), runs)
        took = median(times)
        ratio = took / base
        each = ", ".join(f"{t:.2f}" for t in times)
        print(
            f"(b) stats_compute, {label}: {took:.2f} s (median of {runs}: {each}) = "
            f"{ratio:.1f}× the floor — goal {STATS_GOAL:.0f}×: {verdict(ratio <= STATS_GOAL)}"
        )
    units = UnitStat.objects.filter(exam=exam).count()
    ranked = StudentResult.objects.filter(exam=exam).count()
    print(f"    stored: {units:,} unit statistics, {ranked:,} student results")
    spent = sections(exam.pk)
    print(
        "    where the time goes (one run, with value-added): "
        + ", ".join(f"{k} {v:.2f} s" for k, v in spent.items())
    )

    for label, target in (("no value-added", baseline), ("with value-added", exam)):
        times = engine(target, runs)
        print(f"(c) compute_all alone, {label}: {median(times):.2f} s (median of {runs})")

    client = Client()
    client.force_login(staff)
    for label, url in (
        ("total", f"/exams/{exam.code}/"),
        ("one subject", f"/exams/{exam.code}/?subject={quote('数学')}"),
    ):
        ms, queries, size = page(client, url)
        print(
            f"(d) exam page, {label} ({url}): {ms:.0f} ms (median of {PAGE_RUNS} after a "
            f"warm-up), {queries} queries, {size / 1e3:.0f} kB — goal < {PAGE_GOAL_MS} ms: "
            f"{verdict(ms < PAGE_GOAL_MS)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60_000)
    parser.add_argument("--runs", type=int, default=3, help="runs of stats_compute and engine")
    args = parser.parse_args()
    with bench_database() as where:
        print(f"database: {where}")
        run(args.students, args.runs)


if __name__ == "__main__":
    main()
