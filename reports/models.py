"""Monthly bulletins (简报): one per month, numbered 第N期 within its year, built from the data
of the month as a PDF (stored under ``MEDIA_ROOT/bulletins/``, served through a view that
checks access) and read by leaders, who leave a read receipt."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class BuildStatus(models.TextChoices):
    IDLE = "idle", _("未生成")
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已生成")
    FAILED = "failed", _("生成失败")


class Bulletin(models.Model):
    period = models.DateField(_("月份"), unique=True, help_text=_("该月第一天"))
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveSmallIntegerField(_("期号"), help_text=_("当年第几期"))
    title = models.CharField(_("标题"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=10, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT
    )
    news = models.TextField(_("工作动态"), blank=True)
    examples = models.TextField(_("先进典型"), blank=True)
    content = models.JSONField(_("数据"), default=dict, blank=True, help_text=_("生成时的汇总数据"))
    pdf_name = models.CharField(max_length=80, blank=True)
    pages = models.PositiveSmallIntegerField(_("页数"), null=True, blank=True)
    build_status = models.CharField(
        _("生成状态"), max_length=10, choices=BuildStatus.choices, default=BuildStatus.IDLE
    )
    build_error = models.TextField(_("生成错误"), blank=True)
    built_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        ordering = ["-period"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="bulletin_year_number")
        ]
        verbose_name = _("简报")
        verbose_name_plural = _("简报")

    def __str__(self) -> str:
        return gettext("%(year)s年第%(number)s期") % {"year": self.year, "number": self.number}

    @property
    def period_label(self) -> str:
        return f"{self.period:%Y-%m}"


class BulletinRead(models.Model):
    """A read receipt: the first time a user opened a published bulletin."""

    bulletin = models.ForeignKey(
        Bulletin, verbose_name=_("简报"), on_delete=models.CASCADE, related_name="reads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("读者"),
        on_delete=models.CASCADE,
        related_name="bulletin_reads",
    )
    read_at = models.DateTimeField(_("阅读时间"), auto_now_add=True)

    class Meta:
        ordering = ["read_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "user"], name="bulletin_read_once")
        ]
        verbose_name = _("阅读记录")
        verbose_name_plural = _("阅读记录")

    def __str__(self) -> str:
        return f"{self.bulletin} {self.user}"
