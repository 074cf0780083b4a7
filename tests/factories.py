"""factory_boy factories that keep relations consistent (a class's students belong to its
school, a teacher's assignment is at the teacher's school)."""

import datetime

import factory
from factory.django import DjangoModelFactory

from bureau.models import AcademicYear, Role, Term, User
from exams.models import Exam, ExamSubject
from schools.models import (
    EducationGroup,
    Locality,
    School,
    SchoolClass,
    Stage,
    Student,
    Subject,
    Teacher,
    TeacherExchange,
    TeachingAssignment,
    Zone,
)


class ZoneFactory(DjangoModelFactory):
    class Meta:
        model = Zone
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"第{n + 1}协作区")


class GroupFactory(DjangoModelFactory):
    class Meta:
        model = EducationGroup
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"第{n + 1}教育集团")


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"S{n + 1:03d}")
    name = factory.Sequence(lambda n: f"测试第{n + 1}中学")
    stage = Stage.JUNIOR
    locality = Locality.TOWN
    township = "城关镇"


class SubjectFactory(DjangoModelFactory):
    class Meta:
        model = Subject
        django_get_or_create = ["name"]

    name = "语文"


class TeacherFactory(DjangoModelFactory):
    class Meta:
        model = Teacher

    staff_number = factory.Sequence(lambda n: f"T{n + 1:05d}")
    name = factory.Sequence(lambda n: f"教师{n + 1}")
    gender = "F"
    birth_year = 1985
    school = factory.SubFactory(SchoolFactory)
    education = "bachelor"
    title = "first"


class ClassFactory(DjangoModelFactory):
    class Meta:
        model = SchoolClass
        django_get_or_create = ["school", "grade", "number"]

    school = factory.SubFactory(SchoolFactory)
    grade = 9
    number = factory.Sequence(lambda n: n + 1)


class StudentFactory(DjangoModelFactory):
    class Meta:
        model = Student

    student_number = factory.Sequence(lambda n: f"G{n + 1:08d}")
    name = factory.Sequence(lambda n: f"学生{n + 1}")
    school_class = factory.SubFactory(ClassFactory)
    school = factory.SelfAttribute("school_class.school")


class AcademicYearFactory(DjangoModelFactory):
    class Meta:
        model = AcademicYear
        django_get_or_create = ["name"]

    name = "2026-2027"
    start = datetime.date(2026, 9, 1)
    end = datetime.date(2027, 8, 31)


class TermFactory(DjangoModelFactory):
    class Meta:
        model = Term
        django_get_or_create = ["year", "number"]

    year = factory.SubFactory(AcademicYearFactory)
    number = 1
    start = datetime.date(2026, 9, 1)
    end = datetime.date(2027, 1, 31)


class AssignmentFactory(DjangoModelFactory):
    class Meta:
        model = TeachingAssignment

    academic_year = factory.SubFactory(AcademicYearFactory)
    school_class = factory.SubFactory(ClassFactory)
    subject = factory.SubFactory(SubjectFactory)
    teacher = factory.SubFactory(
        TeacherFactory, school=factory.SelfAttribute("..school_class.school")
    )


class ExchangeFactory(DjangoModelFactory):
    class Meta:
        model = TeacherExchange

    teacher = factory.SubFactory(TeacherFactory)
    from_school = factory.SelfAttribute("teacher.school")
    to_school = factory.SubFactory(SchoolFactory)
    start = datetime.date(2026, 9, 1)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n + 1}")
    role = Role.STAFF
    password = factory.django.Password("pass-Word-123")


class ExamFactory(DjangoModelFactory):
    """An exam open for upload with its subjects: ``ExamFactory(subjects={"语文": 120})``
    (default 语文 120, 数学 120, 英语 120)."""

    class Meta:
        model = Exam
        django_get_or_create = ["code"]
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"E{n + 1:03d}")
    name = factory.Sequence(lambda n: f"2026年秋季九年级第{n + 1}次月考")
    kind = "monthly"
    grade = 9
    date = datetime.date(2026, 10, 20)
    academic_year = factory.SubFactory(AcademicYearFactory)
    state = "open"

    @factory.post_generation
    def subjects(exam, create, extracted, **kwargs):
        if not create or exam.exam_subjects.exists():
            return
        subjects = extracted if extracted is not None else {"语文": 120, "数学": 120, "英语": 120}
        for order, (name, full) in enumerate(subjects.items()):
            ExamSubject.objects.create(
                exam=exam, subject=SubjectFactory(name=name), full_marks=full, order=order
            )
