from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    LEADER = "leader", _("局领导")
    STAFF = "staff", _("局机关/教研室")
    INSPECTOR = "inspector", _("督导员/教研员")
    PRINCIPAL = "principal", _("校长")


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.STAFF)
    school = models.ForeignKey(
        "schools.School",
        verbose_name=_("学校"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            # A principal without a school would see the county dashboard with zeros; the
            # database refuses it too, whichever path (admin, CLI, a script) saves the user.
            models.CheckConstraint(
                condition=~models.Q(role="principal") | models.Q(school__isnull=False),
                name="principal_has_school",
                violation_error_message=_("校长账户必须指定学校"),
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def clean(self):
        super().clean()
        if self.role == Role.PRINCIPAL and self.school_id is None:
            raise ValidationError({"school": _("校长账户必须指定学校")})

    @property
    def effective_role(self) -> str:
        """Superusers count as admins whatever their stored role."""
        return Role.ADMIN if self.is_superuser else self.role

    def get_effective_role_display(self) -> str:
        return Role(self.effective_role).label


class AcademicYear(models.Model):
    """学年, e.g. 2025-2026, from 1 September to 31 August."""

    name = models.CharField(_("学年"), max_length=20, unique=True)
    start = models.DateField(_("开始"))
    end = models.DateField(_("结束"))

    class Meta:
        ordering = ["-start"]
        verbose_name = _("学年")
        verbose_name_plural = _("学年")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def for_date(cls, day) -> "AcademicYear | None":
        return cls.objects.filter(start__lte=day, end__gte=day).first()

    @classmethod
    def current(cls) -> "AcademicYear | None":
        return cls.for_date(timezone.localdate()) or cls.objects.first()


class Term(models.Model):
    """学期: the first (autumn) or second (spring) term of an academic year."""

    year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField(
        _("学期"), choices=[(1, _("第一学期")), (2, _("第二学期"))]
    )
    start = models.DateField(_("开始"))
    end = models.DateField(_("结束"))

    class Meta:
        ordering = ["-start"]
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="term_unique")]
        verbose_name = _("学期")
        verbose_name_plural = _("学期")

    def __str__(self) -> str:
        return f"{self.year.name} {self.get_number_display()}"

    @classmethod
    def for_date(cls, day) -> "Term | None":
        return cls.objects.select_related("year").filter(start__lte=day, end__gte=day).first()

    @classmethod
    def current(cls) -> "Term | None":
        return cls.for_date(timezone.localdate()) or cls.objects.select_related("year").first()


class AccessLog(models.Model):
    """Who viewed or exported student-level data, when, and what."""

    class Action(models.TextChoices):
        VIEW = "view", _("查看")
        EXPORT = "export", _("导出")

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="access_logs")
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    what = models.CharField(_("内容"), max_length=200)
    school = models.ForeignKey(
        "schools.School",
        verbose_name=_("学校"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    exam = models.ForeignKey(
        "exams.Exam",
        verbose_name=_("考试"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rows = models.PositiveIntegerField(_("行数"), default=0)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("学生数据访问日志")
        verbose_name_plural = _("学生数据访问日志")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.get_action_display()} {self.what}"


class Heartbeat(models.Model):
    """Written by a Celery task: proves that the broker and a worker reach the database."""

    label = models.CharField(max_length=100, unique=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return self.label


class RequestKey(models.Model):
    """A create request's one-time key: a form's hidden token, or an API client's
    ``Idempotency-Key``. A repeat of the same request (a double click, a retry after a lost
    answer) finds the record the first one made instead of making a second
    (``bureau.idempotency.request_once``)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=100)
    # A hash of the API request's body: the same key with another body is refused.
    fingerprint = models.CharField(max_length=64, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="request_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
