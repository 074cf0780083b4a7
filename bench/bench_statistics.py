"""Times the statistics engine on a county-sized exam.

60,000 students × 9 subjects across 60 schools and 600 classes (numpy rng seed 0), about 3% of
scores absent, one teacher per class and subject; runs `compute_all` (with a baseline exam for
value-added) and prints the times.

    .venv/bin/python bench/bench_statistics.py
"""

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exams.statistics import ExamSpec, SubjectSpec, compute_all  # noqa: E402

STUDENTS, SCHOOLS, CLASSES = 60_000, 60, 600
SUBJECTS = [
    ("语文", 120),
    ("数学", 120),
    ("英语", 120),
    ("物理", 100),
    ("化学", 100),
    ("生物", 100),
    ("政治", 100),
    ("历史", 100),
    ("地理", 100),
]


def make_exam(rng: np.random.Generator) -> tuple[pd.DataFrame, ExamSpec]:
    exam = ExamSpec([SubjectSpec(name, full) for name, full in SUBJECTS])
    class_of = rng.integers(0, CLASSES, STUDENTS)
    school_of_class = np.arange(CLASSES) % SCHOOLS
    frame = pd.DataFrame(
        {
            "student": [f"G{n:08d}" for n in range(STUDENTS)],
            "school": [f"S{s:03d}" for s in school_of_class[class_of]],
            "class_": [f"{c % 10 + 1}" for c in class_of],
        }
    )
    ability = rng.normal(0, 1, STUDENTS)
    for name, full in SUBJECTS:
        raw = full * (0.65 + 0.15 * ability + 0.1 * rng.normal(0, 1, STUDENTS))
        score = np.clip(np.round(raw * 2) / 2, 0, full)
        score[rng.random(STUDENTS) < 0.03] = np.nan
        frame[name] = score
    return frame, exam


def make_assignments(scores: pd.DataFrame) -> pd.DataFrame:
    classes = scores[["school", "class_"]].drop_duplicates()
    rows = [
        {"teacher": f"T{i:05d}-{j}", "school": school, "class_": class_, "subject": name}
        for i, (school, class_) in enumerate(classes.itertuples(index=False))
        for j, (name, _) in enumerate(SUBJECTS)
    ]
    return pd.DataFrame(rows)


def main() -> None:
    rng = np.random.default_rng(0)
    scores, exam = make_exam(rng)
    baseline, baseline_exam = make_exam(rng)
    assignments = make_assignments(scores)

    start = time.perf_counter()
    results = compute_all(scores, exam, assignments)
    plain = time.perf_counter() - start

    start = time.perf_counter()
    compute_all(scores, exam, assignments, baseline_scores=baseline, baseline_exam=baseline_exam)
    with_baseline = time.perf_counter() - start

    rows = sum(len(frame) for frame in results.stats.values())
    print(f"students {STUDENTS}, subjects {len(SUBJECTS)}, unit rows {rows}")
    print(f"compute_all: {plain:.3f} s")
    print(f"compute_all with value-added: {with_baseline:.3f} s")


if __name__ == "__main__":
    main()
