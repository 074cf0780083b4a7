"""Checklists (templates, items, weights) and visits with their item scores; rectifications
(整改) with their history; lesson observations (推门听课) and their quotas by role.

A template is versioned: once a visit (draft or submitted) uses it, it is ``frozen`` and a
revision makes a new version in the same ``family``, so that old visits keep the items they
were scored against (inspections.services.checklist_revise).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bureau.models import Role


class ItemKind(models.TextChoices):
    POINTS = "points", _("计分")
    LEVEL = "level", _("等级")


class VisitKind(models.TextChoices):
    ROUTINE = "routine", _("常规督导")
    SPECIAL = "special", _("专项督导")
    UNANNOUNCED = "unannounced", _("四不两直")
    TEACHING = "teaching", _("教学视导")


class VisitStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")


class ChecklistTemplate(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    family = models.UUIDField(_("版本族"), default=uuid.uuid4, db_index=True, editable=False)
    version = models.PositiveIntegerField(_("版本"), default=1)
    pass_mark = models.FloatField(
        _("合格线"),
        default=0.6,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("得分率的比例，如 0.6"),
    )
    frozen = models.BooleanField(_("已冻结"), default=False, help_text=_("已被督导记录使用"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["family", "version"], name="checklist_family_version")
        ]
        verbose_name = _("检查表")
        verbose_name_plural = _("检查表")

    def __str__(self) -> str:
        return gettext("%(name)s（第%(version)s版）") % {"name": self.name, "version": self.version}


class ChecklistItem(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("检查表"), on_delete=models.CASCADE, related_name="items"
    )
    group = models.CharField(
        _("类别"), max_length=50, help_text=_("如 备课、上课、作业、辅导、评价")
    )
    text = models.CharField(_("检查内容"), max_length=300)
    guidance = models.TextField(_("评分说明"), blank=True)
    kind = models.CharField(_("评分方式"), max_length=8, choices=ItemKind.choices)
    max_points = models.FloatField(_("满分"))
    weight = models.FloatField(_("权重"), default=1.0)
    levels = models.JSONField(
        _("等级"), default=dict, blank=True, help_text=_('等级及其分值，如 {"好": 10, "中": 6}')
    )
    order = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("检查项")
        verbose_name_plural = _("检查项")

    def __str__(self) -> str:
        return f"{self.group}·{self.text}"


class Visit(models.Model):
    school = models.ForeignKey(
        "schools.School", verbose_name=_("学校"), on_delete=models.PROTECT, related_name="visits"
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("督导类型"), max_length=12, choices=VisitKind.choices)
    checklist = models.ForeignKey(
        ChecklistTemplate, verbose_name=_("检查表"), on_delete=models.PROTECT, related_name="visits"
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("督导人员"), related_name="inspection_visits"
    )
    findings = models.TextField(_("发现的问题"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=VisitStatus.choices, default=VisitStatus.DRAFT
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("督导记录")
        verbose_name_plural = _("督导记录")

    def __str__(self) -> str:
        return f"{self.date} {self.school} {self.get_kind_display()}"

    @property
    def locked(self) -> bool:
        return self.status == VisitStatus.SUBMITTED


class VisitScore(models.Model):
    """One item's score in a visit. For a level item ``points`` holds the level's points."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("督导记录"), on_delete=models.CASCADE, related_name="scores"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("检查项"), on_delete=models.PROTECT, related_name="scores"
    )
    points = models.FloatField(_("得分"), null=True, blank=True)
    level = models.CharField(_("等级"), max_length=20, blank=True)
    comment = models.TextField(_("评语"), blank=True)

    class Meta:
        ordering = ["item__order", "item__pk"]
        constraints = [models.UniqueConstraint(fields=["visit", "item"], name="visit_score_unique")]
        verbose_name = _("评分")
        verbose_name_plural = _("评分")

    def __str__(self) -> str:
        return f"{self.item}: {self.level or self.points}"


class VisitAttachment(models.Model):
    """A photo or document of a visit. The file lives under ``MEDIA_ROOT/attachments/`` with a
    random name and is only ever served through a view that checks access."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("督导记录"), on_delete=models.CASCADE, related_name="attachments"
    )
    original_name = models.CharField(_("文件名"), max_length=120)
    stored_name = models.CharField(max_length=80, unique=True)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name


class VisitCorrection(models.Model):
    """An admin's change to a submitted (locked) visit: who, when, why, and what changed.

    ``changes`` is a list of ``{"field", "item", "before", "after"}`` (``item`` is the checklist
    item's id for a score change, else null)."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("督导记录"), on_delete=models.CASCADE, related_name="corrections"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更正人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    reason = models.TextField(_("更正原因"))
    changes = models.JSONField(_("更正内容"), default=list)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("督导记录更正")
        verbose_name_plural = _("督导记录更正")

    def __str__(self) -> str:
        return f"{self.visit_id} {self.at:%Y-%m-%d %H:%M}"


# --- rectifications (整改) -----------------------------------------------------------------


class Severity(models.TextChoices):
    LOW = "low", _("低")
    MEDIUM = "medium", _("中")
    HIGH = "high", _("高")


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("待整改")
    ANSWERED = "answered", _("已答复")
    REOPENED = "reopened", _("退回重改")
    CLOSED = "closed", _("已销号")


class RectificationAction(models.TextChoices):
    CREATED = "created", _("下达")
    ANSWERED = "answered", _("答复")
    REOPENED = "reopened", _("退回")
    CLOSED = "closed", _("销号")
    OVERDUE = "overdue", _("逾期")


class RectificationTask(models.Model):
    """A problem a school must put right by a deadline; its steps are RectificationEvents."""

    school = models.ForeignKey(
        "schools.School",
        verbose_name=_("学校"),
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("督导记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    title = models.CharField(_("问题"), max_length=200)
    detail = models.TextField(_("整改要求"), blank=True)
    severity = models.CharField(
        _("严重程度"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM
    )
    deadline = models.DateField(_("整改期限"))
    responsible = models.CharField(_("责任人"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("下达人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    overdue_since = models.DateField(
        _("逾期标记日期"),
        null=True,
        blank=True,
        help_text=_("每日任务首次发现逾期的日期；销号后保留"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")

    def __str__(self) -> str:
        return f"{self.school} {self.title}"

    def is_overdue(self, today) -> bool:
        return self.status != RectificationStatus.CLOSED and self.deadline < today


class RectificationEvent(models.Model):
    task = models.ForeignKey(
        RectificationTask,
        verbose_name=_("整改事项"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=10, choices=RectificationAction.choices)
    text = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("整改记录")
        verbose_name_plural = _("整改记录")

    def __str__(self) -> str:
        return f"{self.task_id} {self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


# --- lesson observations (推门听课) ---------------------------------------------------------


class Rating(models.TextChoices):
    EXCELLENT = "优", _("优")
    GOOD = "良", _("良")
    FAIR = "中", _("中")
    POOR = "差", _("差")


class QuotaPeriod(models.TextChoices):
    TERM = "term", _("每学期")
    YEAR = "year", _("每学年")


class Observation(models.Model):
    """One lesson sat in on (听课) by a principal, an inspector or bureau staff."""

    observer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("听课人"),
        on_delete=models.PROTECT,
        related_name="observations",
    )
    school = models.ForeignKey(
        "schools.School",
        verbose_name=_("学校"),
        on_delete=models.PROTECT,
        related_name="observations",
    )
    teacher = models.ForeignKey(
        "schools.Teacher",
        verbose_name=_("授课教师"),
        on_delete=models.PROTECT,
        related_name="observations",
    )
    class_name = models.CharField(_("班级"), max_length=50, blank=True)
    subject = models.CharField(_("学科"), max_length=30, blank=True)
    date = models.DateField(_("日期"))
    announced = models.BooleanField(_("提前通知"), default=False, help_text=_("否即推门听课"))
    rating = models.CharField(_("评价"), max_length=2, choices=Rating.choices)
    notes = models.TextField(_("听课记录"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("听课记录")
        verbose_name_plural = _("听课记录")

    def __str__(self) -> str:
        return f"{self.date} {self.observer} → {self.teacher}"


class ObservationQuota(models.Model):
    """How many lessons each user of a role is to sit in on, per term or per academic year."""

    role = models.CharField(
        _("角色"), max_length=16, choices=Role.choices, unique=True, db_index=True
    )
    per = models.CharField(_("周期"), max_length=4, choices=QuotaPeriod.choices)
    quota = models.PositiveIntegerField(_("听课节数"))

    class Meta:
        ordering = ["role"]
        verbose_name = _("听课任务")
        verbose_name_plural = _("听课任务")

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.get_per_display()} {self.quota}"


# --- accountability (问责: 亮红灯, 约谈) ---------------------------------------------------


class AccountabilityKind(models.TextChoices):
    WARNING = "warning", _("亮红灯")
    INTERVIEW = "interview", _("约谈")


class AccountabilityRecord(models.Model):
    """A warning (亮红灯) or an interview (约谈) of a school or of a person at it, linked to the
    visits and exams that caused it."""

    kind = models.CharField(_("类型"), max_length=10, choices=AccountabilityKind.choices)
    school = models.ForeignKey(
        "schools.School",
        verbose_name=_("学校"),
        on_delete=models.PROTECT,
        related_name="accountability_records",
    )
    person = models.CharField(
        _("对象"), max_length=100, blank=True, help_text=_("空白表示针对学校，如 校长 张三")
    )
    date = models.DateField(_("日期"))
    reason = models.TextField(_("事由"))
    visits = models.ManyToManyField(
        Visit, verbose_name=_("相关督导"), blank=True, related_name="accountability_records"
    )
    exams = models.ManyToManyField(
        "exams.Exam", verbose_name=_("相关考试"), blank=True, related_name="accountability_records"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("问责记录")
        verbose_name_plural = _("问责记录")

    def __str__(self) -> str:
        return f"{self.date} {self.school} {self.get_kind_display()}"
