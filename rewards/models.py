"""Reward schemes (奖励方案) with their awards and computed lines, and the year's evaluation
(考核): which exams it counts, its parameters, the decisions people record, and the 末位
warnings turned into accountability records (SPEC §7, docs/rewards.md)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from . import rules


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    COMPUTED = "computed", _("已计算")
    APPROVED = "approved", _("已批准")
    PUBLISHED = "published", _("已发布")


class ComputeStatus(models.TextChoices):
    NONE = "none", _("尚未计算")
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("计算失败")


class Rule(models.TextChoices):
    TOP_K = rules.TOP_K, _("前 k 名")
    THRESHOLD = rules.THRESHOLD, _("达到标准")
    PROGRESS = rules.PROGRESS, _("名次进步")
    PER_STUDENT = rules.PER_STUDENT, _("超目标按人计奖")
    TARGET_ATTAINED = rules.TARGET_ATTAINED, _("完成目标")
    MANUAL = rules.MANUAL, _("人工录入")


class Recipient(models.TextChoices):
    SCHOOL = rules.SCHOOL, _("学校")
    SUBJECT_GROUP = rules.SUBJECT_GROUP, _("学科组")
    CLASS = rules.CLASS, _("班级（班主任）")
    TEACHER = rules.TEACHER, _("教师")


class Scheme(models.Model):
    code = models.SlugField(_("方案代码"), max_length=40, unique=True)
    year = models.ForeignKey(
        "bureau.AcademicYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)
    budget = models.PositiveIntegerField(_("预算（元）"))
    scale_to_budget = models.BooleanField(_("超出预算时按比例缩减"), default=False)
    status = models.CharField(
        _("状态"), max_length=10, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT
    )
    compute_status = models.CharField(
        _("计算状态"), max_length=8, choices=ComputeStatus.choices, default=ComputeStatus.NONE
    )
    progress = models.PositiveSmallIntegerField(_("计算进度（%）"), default=0)
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    compute_error = models.TextField(_("计算错误"), blank=True)
    stale = models.BooleanField(
        _("需要重新计算"), default=False, help_text=_("计算后考试统计又有变化")
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year__start", "code"]
        verbose_name = _("奖励方案")
        verbose_name_plural = _("奖励方案")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("rewards:detail", args=[self.code])

    @property
    def locked(self) -> bool:
        return self.status in (SchemeStatus.APPROVED, SchemeStatus.PUBLISHED)


class Award(models.Model):
    """One award (奖项) of a scheme: its rule, recipients, measuring exam and amounts."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="awards")
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    name = models.CharField(_("奖项名称"), max_length=100)
    rule = models.CharField(_("规则"), max_length=16, choices=Rule.choices)
    recipient = models.CharField(
        _("获奖对象"), max_length=16, choices=Recipient.choices, default=Recipient.SCHOOL
    )
    exam = models.ForeignKey(
        "exams.Exam",
        verbose_name=_("考试"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.CharField(_("学科"), max_length=20, blank=True)
    metric = models.CharField(_("指标"), max_length=20, default="composite")
    k = models.PositiveIntegerField(_("k"), null=True, blank=True)
    value = models.FloatField(_("标准值"), null=True, blank=True)
    baseline_exam = models.ForeignKey(
        "exams.Exam",
        verbose_name=_("基线考试"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target = models.CharField(_("目标代码"), max_length=40, blank=True)
    amounts = models.JSONField(_("分档金额"), null=True, blank=True)
    amount = models.PositiveIntegerField(_("金额（元）"), null=True, blank=True)
    per_student = models.PositiveIntegerField(_("每人金额（元）"), null=True, blank=True)
    cap = models.PositiveIntegerField(_("封顶（元）"), null=True, blank=True)
    min_participation = models.FloatField(_("最低参考率"), null=True, blank=True)
    min_sat = models.PositiveIntegerField(_("最少实考人数"), null=True, blank=True)
    exclude = models.JSONField(_("排除学校"), default=list, blank=True)
    entries = models.JSONField(_("人工录入"), default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["scheme", "order", "pk"]
        verbose_name = _("奖项")
        verbose_name_plural = _("奖项")

    def __str__(self) -> str:
        return self.name


class AwardLine(models.Model):
    """One computed (or entered) line of an award: the recipient, the reason, the amount
    the rule gave, the amount after a person's adjustment, and after scaling to the budget."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="lines")
    order = models.PositiveIntegerField(default=0)
    key = models.CharField(max_length=80)
    recipient = models.CharField(_("获奖对象"), max_length=150)
    school = models.ForeignKey(
        "schools.School",
        verbose_name=_("学校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.CharField(_("学科"), max_length=20, blank=True)
    class_name = models.CharField(_("班级"), max_length=30, blank=True)
    teacher = models.CharField(_("教师工号"), max_length=30, blank=True)
    teacher_name = models.CharField(_("教师"), max_length=50, blank=True)
    rank = models.PositiveIntegerField(_("名次"), null=True, blank=True)
    value = models.FloatField(_("指标值"), null=True, blank=True)
    computed_amount = models.PositiveIntegerField(_("计算金额"))
    adjusted_amount = models.PositiveIntegerField(_("调整金额"), null=True, blank=True)
    excluded = models.BooleanField(_("已剔除"), default=False)
    base_amount = models.PositiveIntegerField(_("缩减前金额"))
    amount = models.PositiveIntegerField(_("金额"))
    reason = models.CharField(_("事由"), max_length=300)

    class Meta:
        ordering = ["award__order", "award_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["award", "key"], name="award_line_key_unique")
        ]
        verbose_name = _("获奖明细")
        verbose_name_plural = _("获奖明细")

    def __str__(self) -> str:
        return f"{self.award} {self.recipient} {self.amount}"


class LineAdjustment(models.Model):
    """A person's change of a line (amount or exclusion), with its required reason. Kept by
    award and line key, so that a recomputation applies it again."""

    award = models.ForeignKey(Award, on_delete=models.CASCADE, related_name="adjustments")
    key = models.CharField(max_length=80)
    recipient = models.CharField(_("获奖对象"), max_length=150)
    from_amount = models.PositiveIntegerField(_("原金额"))
    to_amount = models.PositiveIntegerField(_("新金额"), null=True, blank=True)
    from_excluded = models.BooleanField(_("原为剔除"), default=False)
    excluded = models.BooleanField(_("剔除"), default=False)
    reason = models.CharField(_("理由"), max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("调整人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("金额调整")
        verbose_name_plural = _("金额调整")

    def __str__(self) -> str:
        return f"{self.recipient}: {self.from_amount} → {self.to_amount}"


class ClassifyBy(models.TextChoices):
    COMPOSITE = "composite", _("综合指数百分位")
    ATTAINMENT = "attainment", _("目标完成率")


def default_cuts() -> list:
    return [0.75, 0.5, 0.25]


class Evaluation(models.Model):
    """The year's evaluation settings: the exams it counts (none chosen: every published exam
    of the year) and the parameters of SPEC §7's lists."""

    year = models.OneToOneField(
        "bureau.AcademicYear", verbose_name=_("学年"), on_delete=models.CASCADE, related_name="+"
    )
    exams = models.ManyToManyField("exams.Exam", verbose_name=_("计入考核的考试"), blank=True)
    last_k = models.PositiveSmallIntegerField(_("末位名次 k"), default=1)
    last_n = models.PositiveSmallIntegerField(_("连续次数 n"), default=2)
    far_p = models.FloatField(_("全县后 p%"), default=10)
    far_d = models.FloatField(_("低于全县均分（满分的比例）"), default=0.10)
    classify_by = models.CharField(
        _("分类依据"), max_length=12, choices=ClassifyBy.choices, default=ClassifyBy.COMPOSITE
    )
    cuts = models.JSONField(_("A/B/C 分界"), default=default_cuts)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("考核设置")
        verbose_name_plural = _("考核设置")

    def __str__(self) -> str:
        return str(self.year)


class DecisionKind(models.TextChoices):
    EXCELLENT = "excellent", _("评优资格")
    BACKBONE = "backbone", _("骨干资格")
    POST = "post", _("待聘或调整岗位")


class EvaluationDecision(models.Model):
    """A decision a person records about a listed teacher, with the reason: 评优 allowed or
    not, 调出骨干 or not, 待聘/调整 or not. Every decision is kept; the latest counts."""

    year = models.ForeignKey("bureau.AcademicYear", on_delete=models.CASCADE, related_name="+")
    teacher = models.ForeignKey(
        "schools.Teacher", verbose_name=_("教师"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("事项"), max_length=10, choices=DecisionKind.choices)
    keep = models.BooleanField(_("保留资格/岗位"))
    reason = models.CharField(_("理由"), max_length=300)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("考核决定")
        verbose_name_plural = _("考核决定")

    def __str__(self) -> str:
        return f"{self.teacher} {self.get_kind_display()}"


class LastPlaceAction(models.Model):
    """A 末位 warning turned into an accountability record (约谈), linked both ways: the
    record names the exams of the run, this row names the warning."""

    year = models.ForeignKey("bureau.AcademicYear", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    exam = models.ForeignKey("exams.Exam", on_delete=models.CASCADE, related_name="+")
    record = models.OneToOneField(
        "inspections.AccountabilityRecord", on_delete=models.CASCADE, related_name="last_place"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "exam"], name="last_place_action_unique")
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.exam}"
