"""The stored statistics of an exam as the units the reward rules take (``rules.Unit``).

Not scoped by user: the scheme computation reads every unit of the county; what a user then
sees of the lines is decided by ``access.award_lines_for``."""

from __future__ import annotations

from exams.models import TOTAL, Exam, Level, UnitStat
from schools.models import GRADE_NAMES, GRADE_SHORT, SchoolClass

from .. import rules

VALUE_FIELDS = [
    "composite",
    "mean",
    "mean_rate",
    "excellent_rate",
    "good_rate",
    "pass_rate",
    "over_mean_rate",
    "value_added",
    "matched",
]
LEVEL_OF = {
    rules.SCHOOL: Level.SCHOOL,
    rules.SUBJECT_GROUP: Level.SCHOOL,
    rules.CLASS: Level.CLASS,
    rules.TEACHER: Level.TEACHER,
}


def exam_has_stats(exam: Exam) -> bool:
    return UnitStat.objects.filter(exam=exam).exists()


def units(*, exam: Exam, subject: str, recipient: str) -> list[rules.Unit]:
    """Every unit of ``recipient`` level in the exam's stored statistics of ``subject``."""
    rows = UnitStat.objects.filter(exam=exam, level=LEVEL_OF[recipient], subject=subject).values(
        "school__code",
        "school__name",
        "school_class_id",
        "school_class__number",
        "teacher__staff_number",
        "teacher__name",
        "enrolled",
        "sat",
        *VALUE_FIELDS,
    )
    heads = {}
    if recipient == rules.CLASS:
        heads = {
            pk: (number, name)
            for pk, number, name in SchoolClass.objects.filter(
                pk__in=[r["school_class_id"] for r in rows]
            ).values_list("pk", "head_teacher__staff_number", "head_teacher__name")
        }
    grade = GRADE_NAMES.get(exam.grade, "")
    out = []
    for r in rows:
        code, school_name = r["school__code"], r["school__name"] or ""
        common = dict(
            school=code,
            school_name=school_name,
            subject=subject,
            enrolled=r["enrolled"],
            sat=r["sat"],
            values={f: r[f] for f in VALUE_FIELDS},
        )
        if recipient == rules.SCHOOL:
            out.append(rules.Unit(key=code, label=school_name, **common))
        elif recipient == rules.SUBJECT_GROUP:
            label = f"{school_name}{grade}{subject}学科组"
            out.append(rules.Unit(key=f"{code}/{subject}", label=label, **common))
        elif recipient == rules.CLASS:
            number = r["school_class__number"]
            if number is None:
                continue
            class_name = f"{GRADE_SHORT.get(exam.grade, exam.grade)}({number})班"
            head, head_name = heads.get(r["school_class_id"], (None, None))
            label = f"{school_name}{class_name}"
            label += f"（班主任 {head_name}）" if head_name else "（未登记班主任）"
            out.append(
                rules.Unit(
                    key=f"{code}/{number}",
                    label=label,
                    class_name=class_name,
                    teacher=head,
                    teacher_name=head_name,
                    **common,
                )
            )
        else:
            number, name = r["teacher__staff_number"], r["teacher__name"]
            out.append(
                rules.Unit(
                    key=number,
                    label=f"{name}（{school_name}）",
                    teacher=number,
                    teacher_name=name,
                    **common,
                )
            )
    return out


def school_totals(*, exam: Exam) -> dict[str, tuple[int, int]]:
    """{school code: (enrolled, sat)} of the exam's total (for target awards' eligibility)."""
    return {
        code: (enrolled, sat)
        for code, enrolled, sat in UnitStat.objects.filter(
            exam=exam, level=Level.SCHOOL, subject=TOTAL
        ).values_list("school__code", "enrolled", "sat")
    }
