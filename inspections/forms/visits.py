"""Forms of the visit pages: the list's filters, a new visit, coverage's filters, and reading
the phone scoring form (one field per item, named by the item's id).

The forms only collect and read what was typed; the rules (who, which checklist version,
ranges, complete before submitting) are the services' and come back as their messages. The
scoring form checks each item's number and level itself as well, so that a mistake is shown
next to its item rather than at the top of a long page."""

from __future__ import annotations

import math

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _

from bureau.models import Term
from inspections.models import VisitKind, VisitStatus
from inspections.selectors.pages import GroupRows, inspector_choices, latest_checklists
from schools.models import School, Stage, Zone

DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def school_filter_field() -> forms.ModelChoiceField:
    """The 学校 filter of the inspection lists: by code, 全部 when empty; the view gives the
    queryset (the schools the user may see)."""
    return forms.ModelChoiceField(
        label=_("学校"),
        required=False,
        queryset=School.objects.none(),
        to_field_name="code",
        empty_label=_("全部"),
    )


class TermChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class VisitFilterForm(forms.Form):
    school = school_filter_field()
    kind = forms.ChoiceField(
        label=_("督导类型"), required=False, choices=[("", _("全部")), *VisitKind.choices]
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *VisitStatus.choices]
    )
    term = TermChoiceField(
        label=_("学期"),
        required=False,
        queryset=Term.objects.select_related("year").order_by("-start"),
        empty_label=_("全部"),
    )

    def __init__(self, *args, schools, principal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools.order_by("code")
        if principal:
            # A principal sees only their own school's submitted visits.
            del self.fields["school"], self.fields["status"]

    def values(self) -> dict:
        """The valid filters; a wrong value is ignored (and reported by the page)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "school": data.get("school"),
            "kind": data.get("kind") or "",
            "status": data.get("status") or "",
            "term": data.get("term"),
        }


class VisitNewForm(forms.Form):
    school = forms.ModelChoiceField(
        label=_("学校"), queryset=School.objects.none(), to_field_name="code"
    )
    date = forms.DateField(label=_("督导日期"), widget=DATE_WIDGET)
    kind = forms.ChoiceField(label=_("督导类型"), choices=VisitKind.choices)
    checklist = forms.ModelChoiceField(
        label=_("检查表"), queryset=latest_checklists(), empty_label=None
    )
    inspectors = forms.ModelMultipleChoiceField(
        label=_("同行督导人员"),
        required=False,
        queryset=inspector_choices(),
        to_field_name="username",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("您本人（督导员）总会列为督导人员；可再勾选同行的人员。"),
    )

    def __init__(self, *args, schools, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools.filter(active=True).order_by("code")
        self.fields["checklist"].queryset = latest_checklists()
        self.fields["inspectors"].queryset = inspector_choices().exclude(pk=user.pk)
        self.fields["date"].initial = timezone.localdate()


class CoverageForm(forms.Form):
    term = TermChoiceField(
        label=_("学期"),
        required=False,
        queryset=Term.objects.select_related("year").order_by("-start"),
        empty_label=None,
    )
    stage = forms.ChoiceField(
        label=_("学段"), required=False, choices=[("", _("全部")), *Stage.choices]
    )
    township = forms.ChoiceField(label=_("乡镇"), required=False, choices=[])
    zone = forms.ModelChoiceField(
        label=_("协作区"), required=False, queryset=Zone.objects.all(), empty_label=_("全部")
    )

    def __init__(self, *args, townships: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", _("全部")), *((t, t) for t in townships)]

    def values(self) -> dict:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: data.get(k) for k in ("term", "stage", "township", "zone")}


# --- the scoring form ----------------------------------------------------------------------


def field_names(item_id: int) -> tuple[str, str, str]:
    return f"points-{item_id}", f"level-{item_id}", f"comment-{item_id}"


def read_scores(data, groups: list[GroupRows], *, stored: set[int]) -> tuple[list, dict]:
    """The scores typed in the scoring form, for ``visit_update``; and errors by item id.

    Puts what was typed into the rows (to show it again). An item is sent when it has a score,
    a level or a comment, or when it had something stored (so that clearing it clears it);
    items never touched are not sent, so a draft stores exactly what was scored."""
    scores, errors = [], {}
    for group in groups:
        for row in group.rows:
            item = row.item
            p_name, l_name, c_name = field_names(item.pk)
            comment = str(data.get(c_name, "")).strip()
            row.comment = comment
            entry = {"item": item.pk, "comment": comment}
            if row.is_level:
                level = str(data.get(l_name, "")).strip()
                row.level = level
                levels = dict(row.levels)
                if level and level not in levels:
                    errors[item.pk] = _g("请选择 %(levels)s 之一") % {"levels": "、".join(levels)}
                row.points = levels.get(level)
                entry["level"] = level if level in levels else ""
                filled = bool(level)
            else:
                raw = str(data.get(p_name, "")).strip().replace("，", ".").replace("。", ".")
                row.raw_points = raw
                points = None
                if raw:
                    try:
                        points = float(raw)
                    except ValueError:
                        errors[item.pk] = _g("得分必须是数字")
                    else:
                        if not math.isfinite(points) or not 0 <= points <= item.max_points:
                            errors[item.pk] = _g("得分须在 0 到 %(max)s 之间") % {
                                "max": f"{item.max_points:g}"
                            }
                            points = None
                row.points = points
                entry["points"] = points
                filled = bool(raw)
            if filled or comment or item.pk in stored:
                scores.append(entry)
    return scores, errors
