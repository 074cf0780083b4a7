from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Subject(models.Model):
    """A school subject (语文, 数学 …): what teachers teach and exams examine. Its table keeps
    the name it had when it lived in the exams app."""

    name = models.CharField(_("学科"), max_length=20, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        db_table = "exams_subject"
        ordering = ["order", "name"]
        verbose_name = _("学科")
        verbose_name_plural = _("学科")

    def __str__(self) -> str:
        return self.name


class Stage(models.TextChoices):
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    NINE_YEAR = "nine_year", _("九年一贯制")
    COMPLETE = "complete", _("完全中学")
    SENIOR = "senior", _("高中")
    KINDERGARTEN = "kindergarten", _("幼儿园")
    SPECIAL = "special", _("特殊教育")


class Locality(models.TextChoices):
    URBAN = "urban", _("城区")
    TOWN = "town", _("镇区")
    RURAL = "rural", _("乡村")


class Category(models.TextChoices):
    CENTRAL = "central", _("中心学校")
    REGULAR = "regular", _("完全学校")
    VILLAGE = "village", _("村小")
    TEACHING_POINT = "teaching_point", _("教学点")
    PRIVATE = "private", _("民办学校")


class Zone(models.Model):
    """教研协作区: a cluster of schools sharing teaching research."""

    name = models.CharField(_("名称"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("教研协作区")
        verbose_name_plural = _("教研协作区")

    def __str__(self) -> str:
        return self.name


class EducationGroup(models.Model):
    """教育集团: a lead school paired with weaker or rural schools."""

    name = models.CharField(_("名称"), max_length=80, unique=True)
    lead_school = models.ForeignKey(
        "School",
        verbose_name=_("牵头学校"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("教育集团")
        verbose_name_plural = _("教育集团")

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    code = models.CharField(_("学校代码"), max_length=20, unique=True)
    name = models.CharField(_("学校名称"), max_length=80)
    stage = models.CharField(_("学段"), max_length=16, choices=Stage.choices)
    locality = models.CharField(_("城乡"), max_length=8, choices=Locality.choices)
    category = models.CharField(
        _("类别"), max_length=16, choices=Category.choices, default=Category.REGULAR
    )
    township = models.CharField(_("乡镇"), max_length=50, blank=True)
    zone = models.ForeignKey(
        Zone,
        verbose_name=_("协作区"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="schools",
    )
    group = models.ForeignKey(
        EducationGroup,
        verbose_name=_("教育集团"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="schools",
    )
    boarding = models.BooleanField(_("寄宿制"), default=False)
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包联领导"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="liaison_schools",
    )
    active = models.BooleanField(_("在办"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("学校")
        verbose_name_plural = _("学校")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("schools:detail", args=[self.code])


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Education(models.TextChoices):
    POSTGRADUATE = "postgraduate", _("研究生")
    BACHELOR = "bachelor", _("本科")
    ASSOCIATE = "associate", _("专科")
    SECONDARY = "secondary", _("高中/中专及以下")


class Title(models.TextChoices):
    SENIOR_PROFESSOR = "professor", _("正高级")
    SENIOR = "senior", _("高级")
    FIRST = "first", _("一级")
    SECOND = "second", _("二级")
    THIRD = "third", _("三级")
    NONE = "none", _("未定级")


class Backbone(models.TextChoices):
    NONE = "", _("无")
    MASTER = "master", _("名师")
    LEADER = "leader", _("学科带头人")
    EXPERT = "expert", _("教学能手")
    RISING = "rising", _("教学新秀")


class Teacher(models.Model):
    staff_number = models.CharField(_("工号"), max_length=30, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"))
    school = models.ForeignKey(
        School, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="teachers"
    )
    education = models.CharField(_("学历"), max_length=16, choices=Education.choices)
    title = models.CharField(_("职称"), max_length=16, choices=Title.choices, default=Title.NONE)
    backbone = models.CharField(
        _("骨干级别"), max_length=16, choices=Backbone.choices, default=Backbone.NONE, blank=True
    )
    certified = models.BooleanField(_("持证"), default=True)
    subject = models.ForeignKey(
        Subject,
        verbose_name=_("任教学科"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teachers",
    )
    school_since = models.PositiveSmallIntegerField(_("来校年份"), null=True, blank=True)
    active = models.BooleanField(_("在岗"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["school__code", "staff_number"]
        verbose_name = _("教师")
        verbose_name_plural = _("教师")

    def __str__(self) -> str:
        return f"{self.name}（{self.staff_number}）"


GRADE_NAMES = {
    1: "一年级",
    2: "二年级",
    3: "三年级",
    4: "四年级",
    5: "五年级",
    6: "六年级",
    7: "七年级",
    8: "八年级",
    9: "九年级",
    10: "高一",
    11: "高二",
    12: "高三",
}
GRADE_SHORT = {
    1: "一",
    2: "二",
    3: "三",
    4: "四",
    5: "五",
    6: "六",
    7: "七",
    8: "八",
    9: "九",
    10: "高一",
    11: "高二",
    12: "高三",
}


#: 大班额: a class of more than this many students (the policy papers' limit).
LARGE_CLASS_OVER = 55


class SchoolClass(models.Model):
    school = models.ForeignKey(
        School, verbose_name=_("学校"), on_delete=models.CASCADE, related_name="classes"
    )
    grade = models.PositiveSmallIntegerField(_("年级"), choices=list(GRADE_NAMES.items()))
    number = models.PositiveSmallIntegerField(_("班号"))
    head_teacher = models.ForeignKey(
        Teacher,
        verbose_name=_("班主任"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="head_of",
    )

    class Meta:
        ordering = ["school__code", "grade", "number"]
        constraints = [
            models.UniqueConstraint(fields=["school", "grade", "number"], name="class_unique")
        ]
        verbose_name = _("班级")
        verbose_name_plural = _("班级")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """九(3)班 — the way schools write it."""
        return f"{GRADE_SHORT.get(self.grade, self.grade)}({self.number})班"


class Student(models.Model):
    """Only what the analysis needs: number, name, school, class (DESIGN: privacy of minors)."""

    student_number = models.CharField(_("学籍号"), max_length=30, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    school = models.ForeignKey(
        School, verbose_name=_("学校"), on_delete=models.PROTECT, related_name="students"
    )
    school_class = models.ForeignKey(
        SchoolClass,
        verbose_name=_("班级"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="students",
    )

    class Meta:
        ordering = ["school__code", "student_number"]
        verbose_name = _("学生")
        verbose_name_plural = _("学生")

    def __str__(self) -> str:
        return f"{self.name}（{self.student_number}）"


class TeachingAssignment(models.Model):
    """任课: who teaches which subject to which class in an academic year."""

    academic_year = models.ForeignKey(
        "bureau.AcademicYear",
        verbose_name=_("学年"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    school_class = models.ForeignKey(
        SchoolClass, verbose_name=_("班级"), on_delete=models.CASCADE, related_name="assignments"
    )
    subject = models.ForeignKey(
        Subject, verbose_name=_("学科"), on_delete=models.PROTECT, related_name="+"
    )
    teacher = models.ForeignKey(
        Teacher, verbose_name=_("教师"), on_delete=models.CASCADE, related_name="assignments"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["academic_year", "school_class", "subject"], name="assignment_unique"
            )
        ]
        verbose_name = _("任课")
        verbose_name_plural = _("任课")

    def __str__(self) -> str:
        return f"{self.school_class} {self.subject} {self.teacher.name}"


class TeacherExchange(models.Model):
    """交流轮岗: a teacher serving at another school for a period."""

    teacher = models.ForeignKey(
        Teacher, verbose_name=_("教师"), on_delete=models.CASCADE, related_name="exchanges"
    )
    from_school = models.ForeignKey(
        School, verbose_name=_("派出学校"), on_delete=models.PROTECT, related_name="exchanges_out"
    )
    to_school = models.ForeignKey(
        School, verbose_name=_("接收学校"), on_delete=models.PROTECT, related_name="exchanges_in"
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    backbone = models.BooleanField(_("骨干教师"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start"]
        verbose_name = _("交流轮岗")
        verbose_name_plural = _("交流轮岗")

    def __str__(self) -> str:
        return f"{self.teacher.name}: {self.from_school} → {self.to_school}"
