"""Benchmark of the results import on a county-sized file.

    .venv/bin/python bench/bench_import.py [--students N] [--keep FILE]

Runs in a throwaway PostgreSQL database (``bench/_common.py``: ``BENCH_DATABASE_URL`` or a new
``tizhi_bench_<pid>`` on 127.0.0.1, dropped at the end). Generates a 60,000-student ×
9-subject county workbook (60 schools, 20 classes each, Chinese names, a few text numbers and
缺考 markers) and measures:

(a) the floor: the calamine read of the file plus COPY of 540,000 score rows (one per student
    and subject) into a scratch table — the reference of the import's goal (3× the floor);
    and (a') the same read plus COPY of the 60,000 wide rows (one per student, the scores as
    JSON) the import now stores;
(b) the parse alone (``exams.engine.sheet.parse_results``);
(c) the end-to-end ``results_import`` of the county-wide file by staff (first upload: every
    student is new), and again (every student exists, all entries replaced);
(d) loading the stored exam back as the wide frame (``exams.selectors.entries.entries_frame``).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _common import (
    SUBJECTS,
    bench_database,
    floor_line,
    new_exam,
    no_stats_job,
    server_version,
    setup_county,
    verdict,
    workbook,
)

GOAL = 3.0  # × the floor


def wide_floor(data: bytes) -> float:
    """calamine read + COPY of one row per student with the scores as JSON text."""
    from django.db import connection, transaction

    from core.spreadsheets import read_sheets

    start = time.perf_counter()
    rows = read_sheets(data, "xlsx")["成绩"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_wide (exam_id bigint, student_id bigint, school_id bigint, "
            "school_class_id bigint, scores jsonb) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY bench_wide FROM STDIN") as copy:
            for i, row in enumerate(rows[2:]):
                scores = ", ".join(
                    f'"{j}": {value if isinstance(value, int | float) else "null"}'
                    for j, value in enumerate(row[4:13])
                )
                copy.write_row((1, i, i // 1000, i // 50, "{" + scores + "}"))
    return time.perf_counter() - start


def run(students: int, keep: str | None) -> None:
    from exams.engine.sheet import parse_results
    from exams.models import ExamEntry
    from exams.selectors.entries import entries_frame
    from exams.services.results import results_import

    print(f"PostgreSQL {server_version()}")
    no_stats_job()
    data = workbook(students)
    if keep:
        Path(keep).write_bytes(data)
    staff = setup_county()
    exam = new_exam(f"BENCH-IMPORT-{int(time.time())}")

    base = floor_line(data, students)
    wide = wide_floor(data)
    print(f"(a') calamine read + COPY of {students:,} wide rows: {wide:.2f} s")

    t = time.perf_counter()
    parsed = parse_results(data, "xlsx", subjects=SUBJECTS, grade=9, multi_school=True)
    parse_s = time.perf_counter() - t
    assert not parsed.problems, parsed.problems[:5]
    print(f"(b) parse_results (read included): {parse_s:.2f} s")

    for label in ("first upload (new students)", "re-upload (existing students)"):
        t = time.perf_counter()
        result = results_import(
            exam=exam, data=data, file_name="county.xlsx", user=staff, school=None, dry_run=False
        )
        took = time.perf_counter() - t
        assert result["committed"], result["errors"][:5]
        ratio = took / base
        print(
            f"(c) results_import, {label}: {took:.2f} s = {ratio:.1f}× the floor (a), "
            f"{took / wide:.1f}× (a') — goal {GOAL:.0f}× (a): {verdict(ratio <= GOAL)}"
        )
    print(f"entries stored: {ExamEntry.objects.filter(exam=exam).count()}")

    times = []
    for _ in range(3):
        t = time.perf_counter()
        frame = entries_frame(exam_id=exam.pk)
        times.append(time.perf_counter() - t)
    print(f"(d) entries_frame, {len(frame)} rows: {min(times):.2f} s (best of 3)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60_000)
    parser.add_argument("--keep", help="also write the generated workbook to this path")
    args = parser.parse_args()
    with bench_database() as where:
        print(f"database: {where}")
        run(args.students, args.keep)


if __name__ == "__main__":
    main()
