"""The checklist form: name, pass mark (typed as a percentage, stored as a fraction) and the
items as rows. A row left blank is ignored; each row's problems are shown on that row.

Levels are typed as ``好=10,中=6,差=2`` (also with ``，``、``；`` or spaces between them and ``：``
or ``:`` for ``=``). The rules the service checks (at least one item, weights above 0 …) come
back as its messages."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from inspections.models import ChecklistItem, ChecklistTemplate, ItemKind
from inspections.scoring import ordered_levels

NEW_ROWS = 5  # item rows of a new checklist
SPARE_ROWS = 3  # blank rows under the items of a checklist being revised
MAX_ROWS = 100

_LEVEL_EQUALS = re.compile(r"\s*[=:]\s*")
_LEVEL_SPLIT = re.compile(r"[,;、\s]+")
_LEVEL_PAIR = re.compile(r"^(?P<name>[^=:]+)=(?P<points>[-+]?\d+(?:\.\d+)?)$")


def number_text(value: float) -> str:
    """10.0 → "10", 0.5 → "0.5"."""
    return format(Decimal(str(value)).normalize(), "f")


def levels_text(levels: dict) -> str:
    """{"好": 10, "中": 6} → "好=10,中=6" (highest first)."""
    return ",".join(f"{name}={number_text(levels[name])}" for name in ordered_levels(levels))


def parse_levels(text: str) -> dict[str, float]:
    """ "好=10,中=6,差=2" → {"好": 10.0, "中": 6.0, "差": 2.0}; ValueError naming the bad part."""
    normal = _LEVEL_EQUALS.sub("=", unicodedata.normalize("NFKC", text or "").strip())
    levels: dict[str, float] = {}
    for part in filter(None, _LEVEL_SPLIT.split(normal)):
        match = _LEVEL_PAIR.match(part)
        if match is None:
            raise ValueError(part)
        name = match["name"].strip()
        if name in levels:
            raise ValueError(part)
        levels[name] = float(match["points"])
    return levels


class ChecklistForm(forms.Form):
    name = forms.CharField(label=_("检查表名称"), max_length=100)
    pass_mark = forms.DecimalField(
        label=_("合格线（%）"),
        min_value=Decimal("0.1"),
        max_value=Decimal("100"),
        max_digits=6,
        decimal_places=2,
        initial=60,
        help_text=_("得分率达到此百分比即为合格，如 60。"),
        error_messages={
            "min_value": _("合格线须在 0.1 到 100 之间"),
            "max_value": _("合格线须在 0.1 到 100 之间"),
            "invalid": _("合格线必须是数字"),
        },
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )

    def pass_fraction(self) -> float:
        return float(self.cleaned_data["pass_mark"] / 100)

    @staticmethod
    def initial_for(template: ChecklistTemplate) -> dict:
        return {"name": template.name, "pass_mark": number_text(round(template.pass_mark * 100, 4))}


class ItemRowForm(forms.Form):
    """One item; a row left blank is ignored."""

    group = forms.CharField(
        label=_("类别"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"list": "group-options", "autocomplete": "off"}),
    )
    text = forms.CharField(label=_("检查内容"), max_length=300, required=False)
    guidance = forms.CharField(
        label=_("评分说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ChoiceField(label=_("评分方式"), choices=ItemKind.choices, initial=ItemKind.POINTS)
    max_points = forms.DecimalField(
        label=_("满分"),
        required=False,
        min_value=Decimal("0.1"),
        max_digits=7,
        decimal_places=2,
        error_messages={"min_value": _("满分必须大于 0"), "invalid": _("满分必须是数字")},
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    weight = forms.DecimalField(
        label=_("权重"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=6,
        decimal_places=2,
        error_messages={"min_value": _("权重必须大于 0"), "invalid": _("权重必须是数字")},
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal", "placeholder": "1"}),
    )
    levels = forms.CharField(
        label=_("等级及分值"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "好=10,中=6,差=2"}),
    )

    # What a row needs filled in before it counts as "not blank".
    content_fields = ("group", "text", "guidance", "max_points", "levels")

    def is_blank(self) -> bool:
        return not any(
            (self.data.get(self.add_prefix(name)) or "").strip() for name in self.content_fields
        )

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        if not (data.get("group") or "").strip() and "group" not in self.errors:
            self.add_error("group", _("请填写类别"))
        if not (data.get("text") or "").strip() and "text" not in self.errors:
            self.add_error("text", _("请填写检查内容"))
        if data.get("kind") == ItemKind.LEVEL:
            try:
                levels = parse_levels(data.get("levels") or "")
            except ValueError as error:
                self.add_error(
                    "levels",
                    _("“%(part)s”看不懂：等级请写成 好=10,中=6,差=2") % {"part": error.args[0]},
                )
            else:
                if not levels:
                    self.add_error("levels", _("等级评分项须列出等级及分值，如 好=10,中=6,差=2"))
                elif max(levels.values()) <= 0:
                    self.add_error("levels", _("最高等级的分值必须大于 0"))
                elif min(levels.values()) < 0:
                    self.add_error("levels", _("等级分值不能为负"))
                else:
                    data["parsed_levels"] = levels
        elif data.get("max_points") is None and "max_points" not in self.errors:
            self.add_error("max_points", _("计分项须填写满分"))
        return data

    def item(self) -> dict | None:
        """The row as the service takes it; None for a blank row."""
        if self.is_blank():
            return None
        data = self.cleaned_data
        weight = data.get("weight")
        item = {
            "group": data["group"].strip(),
            "text": data["text"].strip(),
            "guidance": (data.get("guidance") or "").strip(),
            "kind": data["kind"],
            "weight": float(weight) if weight is not None else 1.0,
        }
        if data["kind"] == ItemKind.LEVEL:
            item["levels"] = data["parsed_levels"]
        else:
            item["max_points"] = float(data["max_points"])
        return item

    @staticmethod
    def initial_for(item: ChecklistItem) -> dict:
        row = {
            "group": item.group,
            "text": item.text,
            "guidance": item.guidance,
            "kind": item.kind,
            "weight": number_text(item.weight),
        }
        if item.kind == ItemKind.LEVEL:
            row["levels"] = levels_text(item.levels)
        else:
            row["max_points"] = number_text(item.max_points)
        return row


class BaseItemFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if all(form.is_blank() for form in self.forms):
            raise forms.ValidationError(_("检查表至少要有一个检查项"))


ItemFormSet = forms.formset_factory(
    ItemRowForm, formset=BaseItemFormSet, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS
)


def items_of(formset) -> list[dict]:
    return [item for item in (form.item() for form in formset.forms) if item is not None]
