from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from exams.engine.statistics import COMPETITION, DEFAULT_LINES, DEFAULT_WEIGHTS, DENSE
from exams.engine.statistics import (
    TOTAL as TOTAL,  # re-exported: "total", the subject of total rows
)
from schools.models import Subject


def default_weights() -> dict:
    return dict(DEFAULT_WEIGHTS)


class ExamKind(models.TextChoices):
    ENTRANCE = "entrance", _("入学检测")
    UNIT = "unit", _("单元检测")
    MONTHLY = "monthly", _("月考")
    MIDTERM = "midterm", _("期中")
    FINAL = "final", _("期末")
    JOINT = "joint", _("联考")
    MONITORING = "monitoring", _("质量监测")
    ZHONGKAO = "zhongkao", _("中考")


class ExamState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("开放上传")
    CLOSED = "closed", _("已截止")
    PUBLISHED = "published", _("已发布")


class RateBase(models.TextChoices):
    SAT = "sat", _("实考人数")
    ENROLLED = "enrolled", _("应考人数")


class RankMethod(models.TextChoices):
    COMPETITION = COMPETITION, _("竞争排名（1224）")
    DENSE = DENSE, _("中式排名（1223）")


class StatsStatus(models.TextChoices):
    NONE = "none", _("尚未计算")
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    FRESH = "fresh", _("已更新")
    FAILED = "failed", _("计算失败")


class Exam(models.Model):
    code = models.SlugField(_("考试代码"), max_length=40, unique=True)
    name = models.CharField(_("考试名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=ExamKind.choices)
    grade = models.PositiveSmallIntegerField(_("年级"))
    date = models.DateField(_("考试日期"))
    academic_year = models.ForeignKey(
        "bureau.AcademicYear",
        verbose_name=_("学年"),
        on_delete=models.PROTECT,
        related_name="exams",
    )
    term = models.ForeignKey(
        "bureau.Term",
        verbose_name=_("学期"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exams",
    )
    rate_base = models.CharField(
        _("比率分母"), max_length=10, choices=RateBase.choices, default=RateBase.SAT
    )
    weights = models.JSONField(_("综合指数权重"), default=default_weights)
    rank_method = models.CharField(
        _("排名方式"), max_length=12, choices=RankMethod.choices, default=RankMethod.COMPETITION
    )
    baseline = models.ForeignKey(
        "self",
        verbose_name=_("增值基线考试"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=ExamState.choices, default=ExamState.DRAFT
    )
    stats_status = models.CharField(
        _("统计状态"), max_length=10, choices=StatsStatus.choices, default=StatsStatus.NONE
    )
    stats_updated_at = models.DateTimeField(_("统计更新时间"), null=True, blank=True)
    stats_error = models.TextField(_("统计错误"), blank=True)
    # When the running computation started: one still "running" well past the task's hard
    # time limit was interrupted (the worker died); see ``stats_interrupted``.
    stats_started_at = models.DateTimeField(_("统计开始时间"), null=True, blank=True)
    # The beat job re-queued an interrupted computation once; a second interruption is failed.
    stats_requeued = models.BooleanField(_("中断后已自动重新排队"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "code"]
        verbose_name = _("考试")
        verbose_name_plural = _("考试")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("exams:detail", args=[self.code])

    @property
    def stats_interrupted(self) -> bool:
        """统计计算中断: still "running" later than the hard time limit allows (the worker
        died with it), or failed after the one automatic re-queue was interrupted too."""
        from .services.stats import stats_interrupted

        return stats_interrupted(self)

    @property
    def stats_status_effective(self) -> str:
        """``stats_status``, with an interrupted run reported as ``failed``."""
        return StatsStatus.FAILED if self.stats_interrupted else self.stats_status


class ExamSubject(models.Model):
    """A subject of an exam with its full marks and lines (fractions of full marks)."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="exam_subjects")
    subject = models.ForeignKey(Subject, verbose_name=_("学科"), on_delete=models.PROTECT)
    full_marks = models.FloatField(_("满分"))
    excellent = models.FloatField(_("优秀线"), default=DEFAULT_LINES["excellent"])
    good = models.FloatField(_("良好线"), default=DEFAULT_LINES["good"])
    pass_line = models.FloatField(_("及格线"), default=DEFAULT_LINES["pass"])
    low = models.FloatField(_("低分线"), default=DEFAULT_LINES["low"])
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["exam", "order", "subject__order"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "subject"], name="exam_subject_unique")
        ]
        verbose_name = _("考试学科")
        verbose_name_plural = _("考试学科")

    def __str__(self) -> str:
        return f"{self.exam.code} {self.subject.name}"


class UploadStatus(models.TextChoices):
    CHECKED = "checked", _("已检查（未导入）")
    REJECTED = "rejected", _("有错误")
    COMMITTED = "committed", _("已导入")


class ResultUpload(models.Model):
    """One uploaded results file: what was checked, what was committed, by whom."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="uploads")
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="uploads"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    file_name = models.CharField(_("文件名"), max_length=120)
    stored_name = models.CharField(max_length=80)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(_("状态"), max_length=10, choices=UploadStatus.choices)
    rows = models.PositiveIntegerField(default=0)
    students = models.PositiveIntegerField(default=0)
    scores = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)
    warnings = models.JSONField(default=list)
    not_counted = models.JSONField(default=dict)  # 不计入统计: {reason: students}
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("成绩上传")
        verbose_name_plural = _("成绩上传")

    def __str__(self) -> str:
        return f"{self.exam.code} {self.file_name}"


NOT_COUNTED_MAX = 30  # characters of a reason


class ExamEntry(models.Model):
    """考生成绩行: one listed student in one exam, with a score (or absent) for every subject.

    Wide on purpose: one row per row of the results sheet, the shape the statistics engine
    reads (one row per student, one column per subject), and 9× fewer rows than one per
    subject for a 9-subject exam, which keeps the import's COPY, index upkeep and
    foreign-key checks small (a county file: 60,000 rows, not 540,000).

    ``scores`` maps the id of each subject of the exam, as a string, to the score or None
    (absent): ``{"3": 95.5, "4": null}``; every subject of the exam is a key. The school and
    class are the student's at the time of the exam. ``exams.selectors.entries.entries_frame`` reads
    an exam's rows as a frame.

    ``not_counted`` holds why a student is not counted (不计入统计: 随班就读, 作弊, 试卷作废…);
    blank for everyone counted. Such a student stays listed with the scores and is left out
    of every statistic and rank of the exam (docs/statistics.md)."""

    # The unique constraint and the index lead with exam: no index of its own.
    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="entries", db_index=False)
    student = models.ForeignKey("schools.Student", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    school_class = models.ForeignKey(
        "schools.SchoolClass", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    scores = models.JSONField(default=dict)
    not_counted = models.CharField(_("不计入统计原因"), max_length=NOT_COUNTED_MAX, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exam", "student"], name="exam_entry_unique")
        ]
        indexes = [models.Index(fields=["exam", "school"], name="exam_entry_exam_school")]
        verbose_name = _("考生成绩行")
        verbose_name_plural = _("考生成绩行")

    def __str__(self) -> str:
        return f"{self.exam_id}/{self.student_id}"


class Level(models.TextChoices):
    COUNTY = "county", _("全县")
    SCHOOL = "school", _("学校")
    CLASS = "class", _("班级")
    TEACHER = "teacher", _("教师")


class UnitStat(models.Model):
    """Computed statistics of one unit (county, school, class, teacher) in one subject or
    the total, stored unrounded so that pages read them without recomputing."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="stats")
    level = models.CharField(max_length=8, choices=Level.choices)
    subject = models.CharField(max_length=20)  # a subject name, or "total"
    school = models.ForeignKey(
        "schools.School", null=True, on_delete=models.CASCADE, related_name="+"
    )
    school_class = models.ForeignKey(
        "schools.SchoolClass", null=True, on_delete=models.CASCADE, related_name="+"
    )
    teacher = models.ForeignKey(
        "schools.Teacher", null=True, on_delete=models.CASCADE, related_name="+"
    )
    enrolled = models.PositiveIntegerField()
    sat = models.PositiveIntegerField()
    absent = models.PositiveIntegerField()
    participation = models.FloatField(null=True)
    mean = models.FloatField(null=True)
    mean_rate = models.FloatField(null=True)
    median = models.FloatField(null=True)
    max = models.FloatField(null=True)
    min = models.FloatField(null=True)
    std = models.FloatField(null=True)
    excellent_rate = models.FloatField(null=True)
    good_rate = models.FloatField(null=True)
    pass_rate = models.FloatField(null=True)
    low_rate = models.FloatField(null=True)
    over_mean_rate = models.FloatField(null=True)
    over_school_mean_rate = models.FloatField(null=True)  # classes and teachers
    composite = models.FloatField(null=True)
    rank = models.PositiveIntegerField(null=True)
    t_score = models.FloatField(null=True)
    all_pass_rate = models.FloatField(null=True)  # total rows
    all_excellent_rate = models.FloatField(null=True)  # total rows
    bands = models.JSONField(default=list)
    value_added = models.FloatField(null=True)
    matched = models.PositiveIntegerField(null=True)
    small_sample = models.BooleanField(null=True)

    class Meta:
        indexes = [models.Index(fields=["exam", "level", "subject"])]

    def __str__(self) -> str:
        return f"{self.exam_id} {self.level} {self.subject}"


class StudentResult(models.Model):
    """A student's total, ranks and standard scores in one exam. Ranks are internal (DESIGN:
    never circulated). ``z`` and ``t`` map each subject name and ``"total"`` to the number or
    None; a student not counted has a total but no rank and no standard score."""

    exam = models.ForeignKey(Exam, on_delete=models.CASCADE, related_name="student_results")
    student = models.ForeignKey("schools.Student", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    total = models.FloatField(null=True)
    county_rank = models.PositiveIntegerField(null=True)
    school_rank = models.PositiveIntegerField(null=True)
    subject_ranks = models.JSONField(default=dict)
    z = models.JSONField(default=dict)
    t = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["exam", "student"], name="student_result_unique")
        ]

    def __str__(self) -> str:
        return f"{self.exam_id}/{self.student_id}: {self.total}"
