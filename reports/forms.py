"""Forms of the bulletin pages: a draft's texts, and the month to build."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.services.bulletins import TEXT_MAX, TITLE_MAX


class BulletinForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=TITLE_MAX)
    news = forms.CharField(
        label=_("工作动态"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("本月的重点工作、会议和活动。空一行另起一段。不要写学生姓名。"),
    )
    examples = forms.CharField(
        label=_("先进典型"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("值得推广的学校、教师和做法。空一行另起一段。不要写学生姓名。"),
    )


class MonthField(forms.DateField):
    """An ``<input type="month">``: "2026-10" is the first of October 2026."""

    widget = forms.DateInput(format="%Y-%m", attrs={"type": "month"})
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if isinstance(day, datetime.date) else day


class BuildMonthForm(forms.Form):
    period = MonthField(label=_("月份"), error_messages={"invalid": _("请选择月份，如 2026-10")})
