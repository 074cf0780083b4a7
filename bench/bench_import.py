"""Benchmark of the results import on a county-sized file.

    DATABASE_URL=postgres://user@host:5432/throwaway_db .venv/bin/python bench/bench_import.py

Generates a 60,000-student × 9-subject county workbook (60 schools, 20 classes each, Chinese
names, a few text numbers and 缺考 markers), sets up the schema in the given database (which
must be empty and is left with the benchmark's rows: give a throwaway one), and measures:

(a) the floor: the calamine read of the file plus COPY of 540,000 score rows (one per student
    and subject) into a scratch table — the reference the import's goal (3× the floor) was set
    against, kept so that figures stay comparable; and (a') the same read plus COPY of the
    60,000 wide rows (one per student, the scores as JSON) the import now stores;
(b) the parse alone (``exams.results.parse_results``);
(c) the end-to-end ``results_import`` of the county-wide file by staff (first upload: every
    student is new), and again (every student exists, all entries replaced);
(d) loading the stored exam back as the wide frame (``exams.selectors.entries_frame``).

Options: ``--students N`` (default 60000), ``--keep FILE`` to keep the generated workbook.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bureau.settings")

SUBJECTS = {
    "语文": 120,
    "数学": 120,
    "英语": 120,
    "物理": 70,
    "化学": 50,
    "道德与法治": 60,
    "历史": 60,
    "地理": 50,
    "生物": 50,
}
SCHOOLS = 60
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华文玉兰红梅建国志海燕俊"


def county_workbook(students: int, seed: int = 7) -> bytes:
    import openpyxl

    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("成绩")
    sheet.append(["全县九年级期末成绩"])
    sheet.append(["学校代码", "学籍号", "姓名", "班级", *SUBJECTS, "总分"])
    per_school = students // SCHOOLS
    for i in range(students):
        school = min(i // per_school, SCHOOLS - 1)
        klass = (i % per_school) % 20 + 1
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if i % 3 else "")
        row = [f"B{school + 1:03d}", f"G26{i:08d}", name, f"九({klass})班"]
        for full in SUBJECTS.values():
            r = rng.random()
            if r < 0.01:
                row.append("缺考")
            elif r < 0.03:
                row.append(str(rng.randint(0, full)))  # a number stored as text
            else:
                row.append(round(rng.uniform(0, full) * 2) / 2)
        row.append(None)
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def setup_county() -> tuple:
    import datetime

    from bureau.models import AcademicYear, Role, User
    from exams.services.exams import SubjectLine, exam_create, exam_set_state
    from schools.models import School

    AcademicYear.objects.get_or_create(
        name="2026-2027", start=datetime.date(2026, 9, 1), end=datetime.date(2027, 8, 31)
    )
    School.objects.bulk_create(
        [
            School(code=f"B{n + 1:03d}", name=f"第{n + 1}中学", stage="junior", locality="town")
            for n in range(SCHOOLS)
        ],
        ignore_conflicts=True,
    )
    staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"role": Role.STAFF})
    code = f"BENCH-{int(time.time())}"
    exam = exam_create(
        code=code,
        name="基准测试",
        kind="final",
        grade=9,
        date=datetime.date(2027, 1, 10),
        subjects=[SubjectLine(subject=s, full_marks=f) for s, f in SUBJECTS.items()],
    )
    exam_set_state(exam=exam, state="open")
    return exam, staff


def floor(data: bytes, students: int) -> float:
    """calamine read + COPY of the same number of score rows into a scratch table."""
    from django.db import connection, transaction

    from bureau.spreadsheets import read_sheets

    start = time.perf_counter()
    rows = read_sheets(data, "xlsx")["成绩"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_scratch (exam_id bigint, student_id bigint, "
            "subject_id bigint, school_id bigint, school_class_id bigint, score double precision)"
            " ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY bench_scratch FROM STDIN") as copy:
            for i, row in enumerate(rows[2:]):
                for j, value in enumerate(row[4:13]):
                    score = value if isinstance(value, int | float) else None
                    copy.write_row((1, i, j, i // 1000, i // 50, score))
    return time.perf_counter() - start


def wide_floor(data: bytes) -> float:
    """calamine read + COPY of one row per student with the scores as JSON text."""
    from django.db import connection, transaction

    from bureau.spreadsheets import read_sheets

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=60_000)
    parser.add_argument("--keep", help="also write the generated workbook to this path")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ or not os.environ["DATABASE_URL"].startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database.")

    import django

    django.setup()
    from django.core.management import call_command

    from exams.models import ExamEntry
    from exams.results import parse_results
    from exams.selectors import entries_frame
    from exams.services import results as service
    from exams.services.results import results_import

    # The statistics job runs on the worker once the import has committed; without REDIS_URL
    # it would run in-process inside the timing. It is measured on its own.
    service.enqueue_stats = lambda exam_id: False

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    data = county_workbook(args.students)
    print(f"generated {args.students} × {len(SUBJECTS)} workbook: {len(data) / 1e6:.1f} MB "
          f"in {time.perf_counter() - t:.1f} s")  # fmt: skip
    if args.keep:
        Path(args.keep).write_bytes(data)

    exam, staff = setup_county()
    base = floor(data, args.students)
    print(f"(a) floor (calamine read + COPY of {args.students * len(SUBJECTS)} rows): {base:.2f} s")
    wide = wide_floor(data)
    print(f"(a') calamine read + COPY of {args.students} wide rows: {wide:.2f} s")

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
        print(
            f"(c) results_import, {label}: {took:.2f} s = {took / base:.1f}× the floor (a), "
            f"{took / wide:.1f}× (a')"
        )
    print(f"entries stored: {ExamEntry.objects.filter(exam=exam).count()}")

    times = []
    for _ in range(3):
        t = time.perf_counter()
        frame = entries_frame(exam_id=exam.pk)
        times.append(time.perf_counter() - t)
    print(f"(d) entries_frame, {len(frame)} rows: {min(times):.2f} s (best of 3)")


if __name__ == "__main__":
    main()
