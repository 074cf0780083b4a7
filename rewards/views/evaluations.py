"""Evaluation pages (教师与学校考核): ``/evaluations/`` with one list at a time (bottom half,
backbone review, far below peers, 末位 warnings, school classes), decisions recorded with a
reason, a 末位 warning turned into a 约谈 with one click, and the year's settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bureau import access
from bureau.models import AcademicYear
from core.errors import DomainError
from exams.models import Exam
from schools.models import Teacher

from ..forms import DecisionForm, EvaluationSettingsForm
from ..selectors.evaluations import DECISION_OF, LISTS, evaluation_of, evaluation_rows, year_get
from ..services.evaluations import decision_record, evaluation_configure, last_place_summon

LIST_LABELS = {
    "bottom_half": gettext_lazy("后二分之一（不得评优）"),
    "backbone_review": gettext_lazy("骨干复核"),
    "far_below": gettext_lazy("远低于同类（待聘或调整复核）"),
    "last_place": gettext_lazy("末位预警"),
    "classification": gettext_lazy("学校分类"),
}


def _year(request) -> AcademicYear:
    try:
        return year_get(request.GET.get("year") or request.POST.get("year"))
    except DomainError as exc:
        raise Http404(exc.message) from exc


@login_required
def evaluation_list(request):
    user = request.user
    if not access.can_read_evaluations(user):
        raise PermissionDenied(_("没有权限查看考核名单"))
    year = _year(request)
    name = request.GET.get("list") or "bottom_half"
    if name not in LISTS:
        name = "bottom_half"
    school = request.GET.get("school") or None
    rows = evaluation_rows(user=user, year=year, name=name, school=school)
    may_decide = access.can_decide_evaluations(user)
    return render(
        request,
        "rewards/evaluation_list.html",
        {
            "year": year,
            "years": AcademicYear.objects.order_by("-start"),
            "lists": list(LIST_LABELS.items()),
            "name": name,
            "label": LIST_LABELS[name],
            "rows": rows,
            "school": school or "",
            "teacher_list": name in DECISION_OF,
            "decision_kind": DECISION_OF.get(name),
            "may_decide": may_decide,
            "query": urlencode(
                {"year": year.name, "list": name, **({"school": school} if school else {})}
            ),
            "active_nav": "evaluations",
        },
    )


def _back(year, name):
    return redirect(
        reverse("rewards:evaluations") + "?" + urlencode({"year": year.name, "list": name})
    )


@login_required
@require_POST
def evaluation_decide(request):
    if not access.can_decide_evaluations(request.user):
        raise PermissionDenied(_("只有局机关工作人员或管理员可以记录考核决定"))
    year = _year(request)
    form = DecisionForm(request.POST)
    name = request.POST.get("list") or "bottom_half"
    if not form.is_valid():
        messages.error(request, _("请填写决定和理由"))
        return _back(year, name)
    teacher = Teacher.objects.filter(staff_number=form.cleaned_data["teacher"]).first()
    if teacher is None:
        raise Http404(_("教师不存在"))
    try:
        decision_record(
            year=year,
            teacher=teacher,
            kind=form.cleaned_data["kind"],
            keep=form.cleaned_data["keep"],
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已记录决定"))
    return _back(year, name)


@login_required
@require_POST
def evaluation_summon(request):
    if not access.can_decide_evaluations(request.user):
        raise PermissionDenied(_("只有局机关工作人员或管理员可以记录问责"))
    year = _year(request)
    try:
        record = last_place_summon(
            year=year,
            school_code=request.POST.get("school", ""),
            exam_code=request.POST.get("exam", ""),
            user=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("已转为约谈记录（%(school)s）") % {"school": record.school.name}
        )
    return _back(year, "last_place")


@login_required
def evaluation_settings(request):
    if not access.can_decide_evaluations(request.user):
        raise PermissionDenied(_("只有局机关工作人员或管理员可以修改考核设置"))
    year = _year(request)
    evaluation = evaluation_of(year)
    initial = {
        "exams": [e.code for e in evaluation.exams.all()] if evaluation.pk else [],
        "last_k": evaluation.last_k,
        "last_n": evaluation.last_n,
        "far_p": evaluation.far_p,
        "far_d": evaluation.far_d,
        "classify_by": evaluation.classify_by,
    }
    form = EvaluationSettingsForm(request.POST or None, initial=initial, year=year)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        exams = list(Exam.objects.filter(code__in=data.pop("exams")))
        try:
            evaluation_configure(year=year, user=request.user, exams=exams, **data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("考核设置已保存"))
            return _back(year, "bottom_half")
    return render(
        request,
        "rewards/evaluation_settings.html",
        {"form": form, "year": year, "active_nav": "evaluations"},
    )
