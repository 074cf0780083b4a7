"""Quality targets (目标管理, SPEC §6): a county goal of an academic year, its school quotas
with every change kept, principals' acknowledgements, entered indicator values and the
progress rows the background job stores."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

DEFAULT_CLASS_LIMIT = 55  # 大班额: a class of more than 55 students
DEFAULT_GREEN = 1.0
DEFAULT_AMBER = 0.9


class Measure(models.TextChoices):
    COUNT_OVER_LINE = "count_over_line", _("达线人数")
    COUNT_TOP_N = "count_top_n", _("前N名人数")
    RATE = "rate", _("比率")
    MEAN_VS_REFERENCE = "mean_vs_reference", _("均分与参照差")
    MAX_GAP = "max_gap", _("最大距")
    REGISTRY = "registry", _("学籍与师资指标")
    ENTERED = "entered", _("填报指标")


class Line(models.TextChoices):
    EXCELLENT = "excellent", _("优秀线")
    GOOD = "good", _("良好线")
    PASS = "pass", _("及格线")


class Metric(models.TextChoices):
    EXCELLENT_RATE = "excellent_rate", _("优秀率")
    PASS_RATE = "pass_rate", _("及格率")
    LOW_RATE = "low_rate", _("低分率")
    MEAN_RATE = "mean_rate", _("得分率")
    COMPOSITE = "composite", _("综合指数")
    PARTICIPATION = "participation", _("参考率")


class RegistryItem(models.TextChoices):
    CERTIFIED_RATE = "certified_rate", _("持证上岗率")
    BACKBONE_COUNT = "backbone_count", _("骨干教师人数")
    EXCHANGE_SHARE = "exchange_share", _("交流轮岗比例")
    EXCHANGE_BACKBONE_SHARE = "exchange_backbone_share", _("交流骨干教师占比")
    LARGE_CLASSES = "large_classes", _("大班额班级数")


class Direction(models.TextChoices):
    HIGHER = "higher", _("越高越好")
    LOWER = "lower", _("越低越好")


class Basis(models.TextChoices):
    ENROLLED = "enrolled", _("按在校生人数")
    BASELINE = "baseline", _("按基线考试实际")
    BLEND = "blend", _("综合（人数×比率）")
    CUSTOM = "custom", _("自定权重")
    EQUAL = "equal", _("平均分配")


class TargetStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已下达")


class Status(models.TextChoices):
    GREEN = "green", _("达标")
    AMBER = "amber", _("接近")
    RED = "red", _("落后")


COUNT_MEASURES = {Measure.COUNT_OVER_LINE, Measure.COUNT_TOP_N}


class Target(models.Model):
    code = models.SlugField(_("目标代码"), max_length=40, unique=True)
    year = models.ForeignKey(
        "bureau.AcademicYear", verbose_name=_("学年"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("目标名称"), max_length=100)
    measure = models.CharField(_("测量方式"), max_length=20, choices=Measure.choices)
    grade = models.PositiveSmallIntegerField(_("年级"), null=True, blank=True)
    stage = models.CharField(_("学段"), max_length=16, blank=True)
    subject = models.CharField(_("学科"), max_length=20, blank=True)  # a subject or "total"
    line = models.CharField(_("分数线"), max_length=10, choices=Line.choices, blank=True)
    top_n = models.PositiveIntegerField(_("前N名"), null=True, blank=True)
    metric = models.CharField(_("指标"), max_length=30, blank=True)
    reference = models.FloatField(_("参照值"), null=True, blank=True)
    indicator = models.CharField(_("填报指标名称"), max_length=50, blank=True)
    class_limit = models.PositiveSmallIntegerField(_("大班额人数线"), default=DEFAULT_CLASS_LIMIT)
    value = models.FloatField(_("县目标值"))
    direction = models.CharField(
        _("方向"), max_length=8, choices=Direction.choices, default=Direction.HIGHER
    )
    relative = models.BooleanField(_("相对上年"), default=False)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("上年目标"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    basis = models.CharField(_("分配依据"), max_length=10, choices=Basis.choices, blank=True)
    baseline_exam = models.ForeignKey(
        "exams.Exam",
        verbose_name=_("基线考试"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    alpha = models.FloatField(_("α（本校比率权重）"), default=0.5)
    weights = models.JSONField(_("自定权重"), default=dict, blank=True)
    school_values = models.JSONField(_("学校目标值"), default=dict, blank=True)
    schools = models.ManyToManyField(
        "schools.School", verbose_name=_("学校"), related_name="targets"
    )
    green = models.FloatField(_("达标线"), default=DEFAULT_GREEN)
    amber = models.FloatField(_("接近线"), default=DEFAULT_AMBER)
    status = models.CharField(
        _("状态"), max_length=10, choices=TargetStatus.choices, default=TargetStatus.DRAFT
    )
    published_at = models.DateTimeField(_("下达时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("下达人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    changed_at = models.DateTimeField(_("修改时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["changed_at"])

    class Meta:
        ordering = ["year", "code"]
        verbose_name = _("目标")
        verbose_name_plural = _("目标")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("targets:detail", args=[self.code])

    @property
    def is_count(self) -> bool:
        return self.measure in COUNT_MEASURES or (
            self.measure == Measure.REGISTRY and self.metric == RegistryItem.BACKBONE_COUNT
        )

    @property
    def is_published(self) -> bool:
        return self.status == TargetStatus.PUBLISHED


class Allocation(models.Model):
    """A school's quota of a count target; ``fixed`` quotas were set by hand with a reason."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="allocations")
    school = models.ForeignKey(
        "schools.School", verbose_name=_("学校"), on_delete=models.CASCADE, related_name="+"
    )
    weight = models.FloatField(_("权重"), null=True)
    share = models.FloatField(_("应得份额"), default=0)
    quota = models.PositiveIntegerField(_("名额"))
    fixed = models.BooleanField(_("固定"), default=False)
    reason = models.CharField(_("固定理由"), max_length=200, blank=True)

    class Meta:
        ordering = ["target", "school__code"]
        constraints = [
            models.UniqueConstraint(fields=["target", "school"], name="allocation_unique")
        ]
        verbose_name = _("名额分配")
        verbose_name_plural = _("名额分配")

    def __str__(self) -> str:
        return f"{self.target.code} {self.school_id}: {self.quota}"


class AllocationChange(models.Model):
    """One change of a school's quota: who, when, from, to, why."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="changes")
    school = models.ForeignKey(
        "schools.School", verbose_name=_("学校"), on_delete=models.CASCADE, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    from_quota = models.PositiveIntegerField(_("原名额"), null=True)
    to_quota = models.PositiveIntegerField(_("新名额"))
    reason = models.CharField(_("理由"), max_length=200)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("名额变更")
        verbose_name_plural = _("名额变更")

    def __str__(self) -> str:
        return f"{self.target.code} {self.school_id}: {self.from_quota} → {self.to_quota}"


class Acknowledgement(models.Model):
    """签收: the principal confirmed the school received its targets."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="acknowledgements")
    school = models.ForeignKey(
        "schools.School", verbose_name=_("学校"), on_delete=models.CASCADE, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签收人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("签收时间"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["target", "school"], name="acknowledgement_unique")
        ]
        verbose_name = _("目标签收")
        verbose_name_plural = _("目标签收")

    def __str__(self) -> str:
        return f"{self.target.code} {self.school_id}"


class IndicatorEntry(models.Model):
    """A value of an entered indicator for a school (or the county: no school), a term or the
    whole year, with an optional evidence file; counts once staff confirmed it."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="entries")
    school = models.ForeignKey(
        "schools.School",
        verbose_name=_("学校"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    term = models.ForeignKey(
        "bureau.Term",
        verbose_name=_("学期"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    value = models.FloatField(_("数值"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    evidence_name = models.CharField(_("佐证材料"), max_length=120, blank=True)
    evidence_stored = models.CharField(max_length=80, blank=True)
    evidence_type = models.CharField(max_length=100, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        ordering = ["-entered_at", "-pk"]
        verbose_name = _("指标填报")
        verbose_name_plural = _("指标填报")

    def __str__(self) -> str:
        return f"{self.target.code} {self.school_id}: {self.value}"

    @property
    def confirmed(self) -> bool:
        return self.confirmed_at is not None


class Progress(models.Model):
    """A stored progress row of a target (``school`` None: the county) against one exam (None
    for measures read from the registry or entries), written by the progress job."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="progress")
    exam = models.ForeignKey(
        "exams.Exam", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_value = models.FloatField(null=True)
    actual = models.FloatField(null=True)
    attainment = models.FloatField(null=True)
    status = models.CharField(max_length=8, choices=Status.choices, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["target", "exam"], name="target_progress_exam")]
        verbose_name = _("目标进展")
        verbose_name_plural = _("目标进展")

    def __str__(self) -> str:
        return f"{self.target_id}/{self.exam_id}/{self.school_id}: {self.actual}"
