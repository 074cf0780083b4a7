from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from bureau import access


@login_required
def school_list(request):
    access.assert_can(access.sees_all_schools(request.user))
    schools = access.schools_for(request.user).select_related("zone", "group")
    return render(
        request, "schools/school_list.html", {"schools": schools, "active_nav": "schools"}
    )


@login_required
def school_detail(request, code):
    school = access.school_get_for(request.user, code)
    return render(
        request, "schools/school_detail.html", {"school": school, "active_nav": "schools"}
    )


@login_required
def teacher_list(request):
    teachers = access.teachers_for(request.user).select_related("school", "subject")[:200]
    return render(
        request, "schools/teacher_list.html", {"teachers": teachers, "active_nav": "teachers"}
    )


@login_required
def exchange_list(request):
    exchanges = access.exchanges_for(request.user).select_related(
        "teacher", "from_school", "to_school"
    )
    return render(
        request, "schools/exchange_list.html", {"exchanges": exchanges, "active_nav": "exchanges"}
    )


@login_required
def roster_import(request):
    access.assert_can(access.is_manager(request.user))
    return render(request, "schools/roster_import.html", {"active_nav": "roster"})
