"""What the benchmarks share: a throwaway PostgreSQL database, the generated county workbook,
the county it belongs to (schools, classes, teachers, the exam) and the floor.

Database: ``BENCH_DATABASE_URL`` when set (a database the run may fill and leave filled), else
a new ``tizhi_bench_<pid>`` on postgres://postgres@127.0.0.1:5432, dropped at the end, also
when the run fails. Without a reachable PostgreSQL the script says so and exits 0.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bureau.settings"

SERVER = "postgres://postgres@127.0.0.1:5432"
SKIPPED = "SKIPPED: needs PostgreSQL (set BENCH_DATABASE_URL)"

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
CLASSES = 20  # per school
CLASSES_PER_TEACHER = 2  # each teacher teaches one subject to two classes
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华文玉兰红梅建国志海燕俊"


# --- the database --------------------------------------------------------------------------


def _reachable(url: str) -> bool:
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def _skip() -> None:
    line = "!" * len(SKIPPED)
    print(f"{line}\n{SKIPPED}\n{line}", flush=True)
    sys.exit(0)


@contextlib.contextmanager
def bench_database() -> Iterator[str]:
    """Points Django at the benchmark's database, migrates it and yields a description of it;
    drops it afterwards when this run created it."""
    import psycopg
    from psycopg import sql

    url = os.environ.get("BENCH_DATABASE_URL", "")
    created = None
    if url:
        if not url.startswith("postgres") or not _reachable(url):
            _skip()
        shown = url.rsplit("@", 1)[-1]
    else:
        admin = f"{SERVER}/postgres"
        if not _reachable(admin):
            _skip()
        created = f"tizhi_bench_{os.getpid()}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(created)))
        url = f"{SERVER}/{created}"
        shown = f"{SERVER.rsplit('@', 1)[-1]}/{created} (dropped at the end)"
    os.environ["DATABASE_URL"] = url
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        yield shown
    finally:
        if created:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(created)
                    )
                )


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


# --- the county ----------------------------------------------------------------------------


def county_workbook(students: int, seed: int = 7, score_seed: int | None = None) -> bytes:
    """The county-wide results sheet: a title row, the header, one row per student (60 schools
    of 20 classes, Chinese names), about 1% 缺考 and 2% numbers stored as text. With
    ``score_seed`` the same students (numbers, names, classes) get other scores."""
    import openpyxl

    rng = random.Random(seed)
    scores = rng if score_seed is None else random.Random(score_seed)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("成绩")
    sheet.append(["全县九年级期末成绩"])
    sheet.append(["学校代码", "学籍号", "姓名", "班级", *SUBJECTS, "总分"])
    per_school = students // SCHOOLS
    for i in range(students):
        school = min(i // per_school, SCHOOLS - 1)
        klass = (i % per_school) % CLASSES + 1
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if i % 3 else "")
        row = [f"B{school + 1:03d}", f"G26{i:08d}", name, f"九({klass})班"]
        for full in SUBJECTS.values():
            r = scores.random()
            if r < 0.01:
                row.append("缺考")
            elif r < 0.03:
                row.append(str(scores.randint(0, full)))  # a number stored as text
            else:
                row.append(round(scores.uniform(0, full) * 2) / 2)
        row.append(None)
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def workbook(students: int, seed: int = 7, score_seed: int | None = None) -> bytes:
    t = time.perf_counter()
    data = county_workbook(students, seed, score_seed)
    scored = "" if score_seed is None else f", scores seed {score_seed}"
    print(
        f"generated {students} × {len(SUBJECTS)} workbook (seed {seed}{scored}): "
        f"{len(data) / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s"
    )
    return data


def setup_county():
    """The academic year, 60 schools of 20 ninth-grade classes, one teacher per subject and
    two classes with their teaching assignments, and a staff user. Returns the user."""
    import datetime

    from bureau.models import AcademicYear, Role, User
    from schools.models import School, SchoolClass, Subject, Teacher, TeachingAssignment

    year, _ = AcademicYear.objects.get_or_create(
        name="2026-2027", start=datetime.date(2026, 9, 1), end=datetime.date(2027, 8, 31)
    )
    School.objects.bulk_create(
        [
            School(code=f"B{n + 1:03d}", name=f"第{n + 1}中学", stage="junior", locality="town")
            for n in range(SCHOOLS)
        ],
        ignore_conflicts=True,
    )
    schools = dict(School.objects.values_list("code", "pk"))
    SchoolClass.objects.bulk_create(
        [
            SchoolClass(school_id=schools[f"B{s + 1:03d}"], grade=9, number=n + 1)
            for s in range(SCHOOLS)
            for n in range(CLASSES)
        ],
        ignore_conflicts=True,
    )
    classes = SchoolClass.objects.filter(grade=9).values_list("pk", "school_id", "number")
    subjects = [Subject.objects.get_or_create(name=name)[0] for name in SUBJECTS]
    teachers, assignments = [], []
    for class_id, school_id, number in classes.order_by("school__code", "number"):
        for j, subject in enumerate(subjects):
            staff_number = f"T{school_id}-{j}-{(number - 1) // CLASSES_PER_TEACHER}"
            if (number - 1) % CLASSES_PER_TEACHER == 0:
                teachers.append(
                    Teacher(
                        staff_number=staff_number,
                        name=f"教师{staff_number}",
                        gender="F" if number % 2 else "M",
                        birth_year=1985,
                        school_id=school_id,
                        education="bachelor",
                        subject=subject,
                    )
                )
            assignments.append((class_id, subject.pk, staff_number))
    Teacher.objects.bulk_create(teachers, ignore_conflicts=True)
    teacher_ids = dict(Teacher.objects.values_list("staff_number", "pk"))
    TeachingAssignment.objects.bulk_create(
        [
            TeachingAssignment(
                academic_year=year, school_class_id=c, subject_id=s, teacher_id=teacher_ids[t]
            )
            for c, s, t in assignments
        ],
        ignore_conflicts=True,
    )
    staff, _ = User.objects.get_or_create(username="bench-staff", defaults={"role": Role.STAFF})
    return staff


def new_exam(code: str, *, baseline=None, date=None):
    """An open ninth-grade exam of the nine subjects."""
    import datetime

    from exams.services.exams import SubjectLine, exam_create, exam_set_state

    exam = exam_create(
        code=code,
        name=f"基准测试 {code}",
        kind="final",
        grade=9,
        date=date or datetime.date(2027, 1, 10),
        subjects=[SubjectLine(subject=s, full_marks=f) for s, f in SUBJECTS.items()],
        baseline=baseline,
    )
    exam_set_state(exam=exam, state="open")
    return exam


def no_stats_job() -> None:
    """The statistics job that an import queues runs on the worker once the import has
    committed; without a worker it would run in-process inside the import's timing. The
    benchmarks time it on its own."""
    from exams.services import stats

    stats.stats_queue = lambda exam_id: None


# --- the floor -----------------------------------------------------------------------------


def floor(data: bytes) -> float:
    """calamine read + COPY of one score row per student and subject into a scratch table:
    what no import can beat, the reference of the 3× goals."""
    from django.db import connection, transaction

    from core.spreadsheets import read_sheets

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


def floor_line(data: bytes, students: int) -> float:
    base = floor(data)
    rows = students * len(SUBJECTS)
    print(f"(a) floor (calamine read + COPY of {rows:,} rows): {base:.2f} s")
    return base


# --- timing --------------------------------------------------------------------------------


def timed(call, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        call()
        times.append(time.perf_counter() - t)
    return times


def median(times: list[float]) -> float:
    return statistics.median(times)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
