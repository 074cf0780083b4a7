"""Accountability pages (问责: 亮红灯, 约谈).

``/inspections/accountability/``: the records the user may see
(``selectors_accountability.accountability_for``), filtered by kind, school and academic
year; ``/inspections/accountability/new/``: admins and staff record one (403 for others),
optionally prefilled from ``?school=CODE`` and ``?visit=ID``. Docs: docs/accountability-demo.md.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bureau import access
from bureau.models import AcademicYear
from core.errors import DomainError
from inspections import selectors
from inspections.forms.visits import DATE_WIDGET
from inspections.models import AccountabilityKind, Visit, VisitStatus
from inspections.selectors.accountability import (
    accountability_filter,
    accountability_for,
)
from inspections.services.accountability import accountability_create

PAGE_SIZE = 50


@login_required
def accountability_list(request):
    user = request.user
    qs = accountability_for(user)
    kind = request.GET.get("kind", "")
    if kind not in AccountabilityKind.values:
        kind = ""
    years = list(AcademicYear.objects.order_by("-start"))
    year = next((y for y in years if y.name == request.GET.get("year")), None)
    schools = (
        access.schools_for(user)
        .filter(pk__in=qs.values_list("school_id", flat=True))
        .order_by("code")
    )
    school_code = request.GET.get("school", "")
    if school_code and not any(s.code == school_code for s in schools):
        school_code = ""
    qs = accountability_filter(qs, kind=kind, school_code=school_code, year=year)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/accountability_list.html",
        {
            "page": page,
            "kinds": AccountabilityKind.choices,
            "years": years,
            "schools": schools,
            "chosen": {"kind": kind, "year": year.name if year else "", "school": school_code},
            "may_record": access.can_record_accountability(user),
            "active_nav": "inspections",
        },
    )


# --- recording -----------------------------------------------------------------------------


class _VisitChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, visit):
        return f"{visit.date:%Y-%m-%d} {visit.get_kind_display()} · {visit.checklist.name}"


class _ExamChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, exam):
        return f"{exam.date:%Y-%m-%d} {exam.name}"


class AccountabilityForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("类型"), choices=AccountabilityKind.choices, widget=forms.RadioSelect
    )
    school = forms.ModelChoiceField(
        label=gettext_lazy("学校"),
        queryset=None,
        to_field_name="code",
        empty_label=gettext_lazy("请选择"),
    )
    person = forms.CharField(
        label=gettext_lazy("对象"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("如 校长 张三；留空表示针对学校。"),
    )
    date = forms.DateField(
        label=gettext_lazy("日期"),
        widget=DATE_WIDGET,
    )
    reason = forms.CharField(
        label=gettext_lazy("事由"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("请填写问责事由")},
    )
    visits = _VisitChoice(
        label=gettext_lazy("相关督导"),
        queryset=Visit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exams = _ExamChoice(
        label=gettext_lazy("相关考试"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=gettext_lazy("可多选（按住 Ctrl 或 ⌘）。"),
    )

    def __init__(self, *args, user, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = access.schools_for(user).order_by("code")
        self.fields["exams"].queryset = access.exams_for(user).order_by("-date", "code")
        if school is not None:
            # Only that school's submitted visits can be linked.
            self.fields["visits"].queryset = (
                selectors.visits_for(user)
                .filter(school=school, status=VisitStatus.SUBMITTED)
                .select_related("checklist")
                .order_by("-date", "-pk")
            )


def _chosen_school(request, user):
    code = (request.POST if request.method == "POST" else request.GET).get("school", "")
    return access.schools_for(user).filter(code=code).first() if code else None


@login_required
def accountability_new(request):
    user = request.user
    access.assert_can(access.can_record_accountability(user))
    school = _chosen_school(request, user)
    if request.method == "POST" and "refresh" not in request.POST:
        form = AccountabilityForm(request.POST, user=user, school=school)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = accountability_create(
                    kind=data["kind"],
                    school=data["school"],
                    person=data["person"],
                    date=data["date"],
                    reason=data["reason"],
                    visits=list(data["visits"]),
                    exams=list(data["exams"]),
                    user=user,
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("已记录问责：%(school)s %(kind)s。")
                    % {"school": record.school.name, "kind": record.get_kind_display()},
                )
                url = reverse("inspections:accountability")
                return redirect(f"{url}?{urlencode({'school': record.school.code})}")
    elif request.method == "POST":
        # "载入该校督导记录": show the form again with the chosen school's visits.
        initial = {k: request.POST.get(k, "") for k in ("kind", "person", "date", "reason")}
        initial["school"] = school
        initial["exams"] = request.POST.getlist("exams")
        form = AccountabilityForm(initial=initial, user=user, school=school)
    else:
        initial = {"date": timezone.localdate(), "kind": AccountabilityKind.WARNING}
        visit_id = request.GET.get("visit", "")
        if visit_id.isdigit():
            visit = selectors.visit_get_for(user, int(visit_id))
            school = visit.school
            initial["visits"] = [visit.pk] if visit.status == VisitStatus.SUBMITTED else []
        if school is not None:
            initial["school"] = school
        form = AccountabilityForm(initial=initial, user=user, school=school)
    return render(
        request,
        "inspections/accountability_form.html",
        {"form": form, "school": school, "active_nav": "inspections"},
    )
