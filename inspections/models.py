"""Checklists (templates, items, weights) and visits with their item scores.

A template is versioned: once a visit (draft or submitted) uses it, it is ``frozen`` and a
revision makes a new version in the same ``family``, so that old visits keep the items they
were scored against (inspections.services.checklist_revise).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


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
