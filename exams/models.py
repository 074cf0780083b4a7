from django.db import models
from django.utils.translation import gettext_lazy as _


class Subject(models.Model):
    name = models.CharField(_("学科"), max_length=20, unique=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("学科")
        verbose_name_plural = _("学科")

    def __str__(self) -> str:
        return self.name
