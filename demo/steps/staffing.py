"""Step 40: teachers, classes with their head teachers, students, teaching assignments.

Per school and school section (primary grades 1-6, junior 7-9, senior 10-12): every examined
subject gets enough teachers for its classes at a usual load (junior 语文: two classes each),
except that small rural schools sometimes have nobody for 英语, 化学 …, in which case the
class's teacher of a related subject covers it, or nobody does. Music, PE, art and IT teachers
and spares fill the staff up to the county's student-teacher ratios. Assignments exist for
2026-2027 and 2025-2026; a teacher moves up with the cohort and loops back from the top grade.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict

from simple_history.utils import bulk_create_with_history

from demo import DemoContext, demo_step
from demo.names import person_name
from demo.profiles import NOW_YEAR, teacher_attributes
from demo.steps.schools import CHANGE_REASON, SCHOOL_CODE_PREFIX, SchoolPlan
from schools.models import (
    LARGE_CLASS_OVER,
    Locality,
    School,
    SchoolClass,
    Stage,
    Student,
    Teacher,
    TeachingAssignment,
)

BATCH = 2000
SECTIONS = {"primary": range(1, 7), "junior": range(7, 10), "senior": range(10, 13)}
PRIMARY_ALL = tuple(range(1, 7))
ASSESSED: dict[str, dict[str, tuple[int, ...]]] = {
    "primary": {
        "语文": PRIMARY_ALL,
        "数学": PRIMARY_ALL,
        "英语": (3, 4, 5, 6),
        "科学": PRIMARY_ALL,
        "道德与法治": PRIMARY_ALL,
    },
    "junior": {
        "语文": (7, 8, 9),
        "数学": (7, 8, 9),
        "英语": (7, 8, 9),
        "物理": (8, 9),
        "化学": (9,),
        "道德与法治": (7, 8, 9),
        "历史": (7, 8, 9),
        "地理": (7, 8),
        "生物": (7, 8),
    },
}
# Classes per teacher.
LOADS = {
    "primary": {"语文": 1, "数学": 2, "英语": 4, "科学": 5, "道德与法治": 6},
    "junior": {"语文": 2, "数学": 2, "英语": 2, "物理": 2, "化学": 2},
}
LOADS["junior"] |= {"道德与法治": 4, "历史": 4, "地理": 3, "生物": 3}
VILLAGE_LOADS = {"语文": 1.5, "数学": 3, "英语": 4, "科学": 6, "道德与法治": 6}
POINT_LOADS = {"语文": 2, "数学": 3, "英语": 4, "科学": 6, "道德与法治": 6}
# Chance that a small rural school has no teacher of that subject.
SHORTAGE = {
    "primary": {"英语": 0.5, "科学": 0.6, "道德与法治": 0.7},
    "junior": {"英语": 0.2, "化学": 0.3, "地理": 0.3, "生物": 0.3, "历史": 0.2},
}
# Who covers a subject nobody teaches: the class's teacher of the first of these that it has.
COVER = {
    "英语": ("语文",),
    "科学": ("数学",),
    "道德与法治": ("语文",),
    "化学": ("物理", "数学"),
    "生物": ("地理", "数学"),
    "地理": ("历史",),
    "历史": ("道德与法治", "语文"),
}
COVER_CHANCE = 0.8
FILL = {
    "primary": {"音乐": 5, "体育": 6, "美术": 4, "信息技术": 2, "语文": 2, "数学": 2, "英语": 1},
    "junior": {"音乐": 3, "体育": 5, "美术": 3, "信息技术": 2, "语文": 1, "数学": 1, "英语": 1},
    "senior": {"语文": 14, "数学": 14, "英语": 13, "物理": 10, "化学": 8, "生物": 7},
    "special": {"语文": 3, "数学": 3, "音乐": 2, "体育": 2, "美术": 2},
}
FILL["senior"] |= {"道德与法治": 6, "历史": 6, "地理": 6, "体育": 6, "音乐": 3, "美术": 3}
FILL["senior"] |= {"信息技术": 4}
RATIO = {"primary": 21, "junior": 14, "senior": 13}
PER_CLASS = {"primary": 1.3, "junior": 2.8, "senior": 3.0}

ClassKey = tuple[int, int]  # (grade, number)


def section_of(grade: int) -> str:
    return next(name for name, grades in SECTIONS.items() if grade in grades)


def _chunks(rng: random.Random, slots: list, n: int) -> list[list]:
    """Splits ordered slots into n consecutive runs of nearly equal length, some a bit off."""
    sizes = [len(slots) // n + (1 if i < len(slots) % n else 0) for i in range(n)]
    for _ in range(n // 3):
        a, b = rng.randrange(n), rng.randrange(n)
        if a != b and sizes[a] > 1:
            sizes[a] -= 1
            sizes[b] += 1
    runs, start = [], 0
    for size in sizes:
        runs.append(slots[start : start + size])
        start += size
    return runs


class _SchoolStaffing:
    """Plans one school's classes, teachers and assignments in memory."""

    def __init__(self, rng: random.Random, school: School, plan: SchoolPlan, subjects: dict):
        self.rng, self.school, self.plan, self.subjects = rng, school, plan, subjects
        self.teachers: list[Teacher] = []
        self.section_teachers: dict[str, list[Teacher]] = defaultdict(list)
        self.core: dict[tuple[str, str], list[Teacher]] = {}
        self.classes: dict[ClassKey, SchoolClass] = {}
        self.sizes: dict[ClassKey, int] = {}
        # (year, class key, subject) → teacher; year is "current" or "previous".
        self.assigned: dict[tuple[str, ClassKey, str], Teacher] = {}

    def hire(self, section: str, subject: str | None) -> Teacher:
        attrs = teacher_attributes(
            self.rng, section=section, locality=self.school.locality, subject=subject
        )
        teacher = Teacher(
            name=person_name(self.rng, gender=attrs["gender"], birth_year=attrs["birth_year"]),
            school=self.school,
            subject=self.subjects[subject] if subject else None,
            **attrs,
        )
        self.teachers.append(teacher)
        self.section_teachers[section].append(teacher)
        return teacher

    def plan_classes(self) -> None:
        low, high = self.plan.size
        for grade, count in sorted(self.plan.classes.items()):
            for number in range(1, count + 1):
                key = (grade, number)
                self.classes[key] = SchoolClass(school=self.school, grade=grade, number=number)
                self.sizes[key] = self.rng.randint(low, high)
        # Urban schools of this county always have some 大班额 classes.
        urban = self.school.locality == Locality.URBAN and high > LARGE_CLASS_OVER
        if urban and self.sizes and max(self.sizes.values()) <= LARGE_CLASS_OVER:
            key = self.rng.choice(sorted(self.sizes))
            self.sizes[key] = self.rng.randint(LARGE_CLASS_OVER + 1, high)

    def plan_teachers(self) -> None:
        stage = self.school.stage
        if stage == Stage.KINDERGARTEN:
            low, high = (20, 35) if self.school.locality == Locality.URBAN else (8, 14)
            for _ in range(self.rng.randint(low, high)):
                self.hire("kindergarten", None)
            return
        if stage == Stage.SPECIAL:
            subjects, weights = list(FILL["special"]), list(FILL["special"].values())
            for _ in range(self.rng.randint(14, 20)):
                self.hire("special", self.rng.choices(subjects, weights=weights)[0])
            return
        by_section: dict[str, list[ClassKey]] = defaultdict(list)
        for key in self.classes:
            by_section[section_of(key[0])].append(key)
        for section, keys in by_section.items():
            self._plan_section(section, keys)
        # School leaders and office staff who teach a little (校级领导、教务、德育).
        first = section_of(min(self.classes)[0])
        subjects, weights = list(FILL[first]), list(FILL[first].values())
        for _ in range(self.rng.randint(1, 3) if len(self.classes) > 6 else 0):
            self.hire(first, self.rng.choices(subjects, weights=weights)[0])

    def _loads(self, section: str) -> dict[str, float]:
        if section == "primary" and self.school.category == "village":
            return VILLAGE_LOADS
        if section == "primary" and self.school.category == "teaching_point":
            return POINT_LOADS
        return LOADS.get(section, {})

    def _plan_section(self, section: str, keys: list[ClassKey]) -> None:
        small_rural = self.school.locality == Locality.RURAL and len(keys) <= 6
        loads = self._loads(section)
        core = 0
        for subject, grades in ASSESSED.get(section, {}).items():
            slots = [k for k in keys if k[0] in grades]
            if not slots:
                continue
            missing = small_rural and self.rng.random() < SHORTAGE[section].get(subject, 0)
            count = 0 if missing else math.ceil(len(slots) / loads[subject])
            self.core[(section, subject)] = [self.hire(section, subject) for _ in range(count)]
            core += count
        students = sum(self.sizes[k] for k in keys)
        target = max(
            math.ceil(students / RATIO[section]), math.ceil(len(keys) * PER_CLASS[section])
        )
        subjects, weights = zip(*FILL[section].items(), strict=True)
        for _ in range(max(target - core, len(keys) // 6)):
            self.hire(section, self.rng.choices(subjects, weights=weights)[0])

    def plan_assignments(self) -> None:
        for (section, subject), pool in self.core.items():
            grades = ASSESSED[section][subject]
            slots = [k for k in self.classes if k[0] in grades]
            if pool:
                pool = pool[:]
                self.rng.shuffle(pool)
                for teacher, run in zip(pool, _chunks(self.rng, slots, len(pool)), strict=True):
                    for key in run:
                        self.assigned[("current", key, subject)] = teacher
            elif self.rng.random() < COVER_CHANCE:
                for key in slots:
                    for other in COVER.get(subject, ()):
                        teacher = self.assigned.get(("current", key, other))
                        if teacher is not None:
                            self.assigned[("current", key, subject)] = teacher
                            break
        # 2025-2026: the teacher of class (g, n) was the one who now has (g + 1, n) in that
        # subject; the top grade's teacher has looped back to the lowest grade.
        for (_, key, subject), teacher in list(self.assigned.items()):
            grade, number = key
            grades = [
                g for g in ASSESSED[section_of(grade)][subject] if (g, number) in self.classes
            ]
            following = grades[(grades.index(grade) + 1) % len(grades)]
            now = self.assigned.get(("current", (following, number), subject), teacher)
            self.assigned[("previous", key, subject)] = now

    def plan_heads(self) -> None:
        heads: set[int] = set()
        for key, school_class in self.classes.items():
            section = section_of(key[0])
            candidates = [
                self.assigned.get(("current", key, subject))
                for subject in ASSESSED.get(section, {})
            ]
            candidates = [t for t in candidates if t is not None and id(t) not in heads]
            if not candidates:
                free = [t for t in self.section_teachers[section] if id(t) not in heads]
                candidates = [self.rng.choice(free)] if free else []
            if candidates:
                school_class.head_teacher = candidates[0]
                heads.add(id(candidates[0]))


@demo_step(order=40)
def teachers_classes_students(ctx: DemoContext) -> None:
    rng = ctx.rng
    plans: dict[str, SchoolPlan] = ctx.extra["bureau.plans"]
    staffings = []
    for school in ctx.schools:
        staffing = _SchoolStaffing(rng, school, plans[school.code], ctx.subjects)
        staffing.plan_classes()
        staffing.plan_teachers()
        staffing.plan_assignments()
        staffing.plan_heads()
        staffings.append(staffing)

    teachers = []
    for staffing in staffings:
        rng.shuffle(staffing.teachers)
        teachers += staffing.teachers
    for number, teacher in enumerate(teachers, start=1):
        teacher.staff_number = f"T{number:06d}"
    ctx.teachers = bulk_create_with_history(
        teachers, Teacher, batch_size=BATCH, default_change_reason=CHANGE_REASON
    )

    classes = [c for s in staffings for c in s.classes.values()]
    ctx.classes = SchoolClass.objects.bulk_create(classes, batch_size=BATCH)

    students, sequence = [], 0
    for staffing in staffings:
        for key, school_class in staffing.classes.items():
            birth_year = NOW_YEAR - 5 - key[0]
            for _ in range(staffing.sizes[key]):
                sequence += 1
                gender = "M" if rng.random() < 0.52 else "F"
                students.append(
                    Student(
                        student_number=f"G{SCHOOL_CODE_PREFIX}{birth_year}{sequence:08d}",
                        name=person_name(rng, gender=gender, birth_year=birth_year),
                        school=staffing.school,
                        school_class=school_class,
                    )
                )
    ctx.students = Student.objects.bulk_create(students, batch_size=BATCH)

    years = {"current": ctx.current_year, "previous": ctx.previous_year}
    assignments = [
        TeachingAssignment(
            academic_year=years[year],
            school_class=staffing.classes[key],
            subject=ctx.subjects[subject],
            teacher=teacher,
        )
        for staffing in staffings
        for (year, key, subject), teacher in staffing.assigned.items()
    ]
    ctx.assignments = TeachingAssignment.objects.bulk_create(assignments, batch_size=BATCH)

    big = sum(size > LARGE_CLASS_OVER for s in staffings for size in s.sizes.values())
    tiny = sum(1 for s in staffings if s.classes and sum(s.sizes.values()) < 100)
    ctx.log(
        f"教师 {len(teachers)} 名、班级 {len(classes)} 个（大班额 {big} 个）、"
        f"学生 {len(students)} 名（不足百人的学校 {tiny} 所）、任课 {len(assignments)} 条"
    )
