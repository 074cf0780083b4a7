"""Registry pages: schools, one school's profile, teachers and their structure, exchanges."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from bureau import access
from bureau.models import AcademicYear
from core.errors import DomainError
from schools import selectors
from schools.exchanges import (
    MAX_AGE_FEMALE,
    MAX_AGE_MALE,
    MIN_YEARS_AT_SCHOOL,
    TARGET_BACKBONE_SHARE,
    TARGET_SHARE,
)
from schools.filters import SchoolFilter, TeacherFilter
from schools.forms import ExchangeForm
from schools.profile import profile_blocks
from schools.services.exchanges import exchange_create
from schools.structure import STANDARD_WEEKLY_LOAD, structure_summary

PAGE_SIZE = 50


def _page(request, items):
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def school_list(request):
    # Principals have their own school's page instead (the navigation links to it).
    access.assert_can(access.sees_all_schools(request.user))
    school_filter = SchoolFilter(request.GET, queryset=access.schools_for(request.user))
    schools = school_filter.qs.order_by("code")
    page = _page(request, selectors.schools_with_counts(schools))
    for s in page:
        s.ratio = selectors.ratio(s.n_students, s.n_teachers)
    return render(
        request,
        "schools/school_list.html",
        {
            "filter": school_filter,
            "page": page,
            "summary": selectors.school_list_summary(schools),
            "active_nav": "schools",
        },
    )


@login_required
def school_detail(request, code):
    school = access.school_get_for(request.user, code)
    profile = selectors.school_profile(user=request.user, school=school)
    teachers = access.teachers_for(request.user).filter(school=school, active=True)
    structure = selectors.structure_of(teachers)
    shortage = selectors.shortage_for(
        user=request.user, schools=access.schools_for(request.user).filter(pk=school.pk)
    )
    blocks, block_variables = profile_blocks(user=request.user, school=school)
    return render(
        request,
        "schools/school_detail.html",
        {
            "school": school,
            **profile,
            "structure": structure,
            "charts": selectors.structure_charts(structure),
            "summary": structure_summary(structure, scope=school.name),
            "shortage": shortage,
            "load": STANDARD_WEEKLY_LOAD,
            **block_variables,
            "profile_blocks": blocks,
            "active_nav": "schools",
        },
    )


@login_required
def teacher_list(request):
    user = request.user
    teacher_filter = TeacherFilter(request.GET, queryset=access.teachers_for(user), request=request)
    teachers = teacher_filter.qs.select_related("school", "subject").order_by(
        "school__code", "staff_number"
    )
    structure = selectors.structure_of(teacher_filter.qs)
    page = _page(request, teachers)
    year = timezone.localdate().year
    for t in page:
        t.age = year - t.birth_year
    schools = access.schools_for(user)
    # Invalid filter values are ignored (and reported by the form); the rest still apply.
    teacher_filter.is_valid()
    data = teacher_filter.form.cleaned_data
    if data.get("school"):
        schools = schools.filter(pk=data["school"].pk)
    if data.get("locality"):
        schools = schools.filter(locality=data["locality"])
    if access.sees_all_schools(user):
        scope = _("所选范围") if _filtered(data) else _("全县")
    else:
        scope = _("本校")
    noun = _("在岗教师") if data.get("active") == "yes" else _("教师")
    return render(
        request,
        "schools/teacher_list.html",
        {
            "filter": teacher_filter,
            "page": page,
            "structure": structure,
            "charts": selectors.structure_charts(structure),
            "summary": structure_summary(structure, scope=scope, noun=noun),
            "shortage": selectors.shortage_for(user=user, schools=schools),
            "load": STANDARD_WEEKLY_LOAD,
            "active_nav": "teachers",
        },
    )


def _filtered(data: dict) -> bool:
    return any(value for key, value in data.items() if key != "active")


@login_required
def exchange_list(request):
    user = request.user
    exchanges = (
        access.exchanges_for(user)
        .select_related("teacher", "from_school", "to_school")
        .order_by("-start", "teacher__staff_number")
    )
    period = selectors.academic_period(request.GET.get("year") or None)
    rows, overall = selectors.exchange_overview(user=user, period=period)
    return render(
        request,
        "schools/exchange_list.html",
        {
            "page": _page(request, exchanges),
            "period": period,
            "years": AcademicYear.objects.all(),
            "rows": rows,
            "overall": overall,
            "overall_label": _("全县") if access.sees_all_schools(user) else _("合计"),
            "target_share": TARGET_SHARE,
            "target_backbone": TARGET_BACKBONE_SHARE,
            "rules": {
                "male": MAX_AGE_MALE,
                "female": MAX_AGE_FEMALE,
                "years": MIN_YEARS_AT_SCHOOL,
            },
            "can_create": access.is_manager(user),
            "active_nav": "exchanges",
        },
    )


@login_required
def exchange_new(request):
    access.assert_can(access.is_manager(request.user))
    initial = {"teacher": request.GET.get("teacher", "")}
    form = ExchangeForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exchange = exchange_create(
                teacher=data["teacher"],
                to_school=data["to_school"],
                start=data["start"],
                end=data["end"],
                backbone=data["backbone"],
                note=data["note"],
                user=request.user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("已登记交流：%(teacher)s，%(from)s → %(to)s。")
                % {
                    "teacher": exchange.teacher.name,
                    "from": exchange.from_school.name,
                    "to": exchange.to_school.name,
                },
            )
            return redirect("schools:exchanges")
    return render(request, "schools/exchange_form.html", {"form": form, "active_nav": "exchanges"})
