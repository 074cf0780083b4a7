"""Pages of rectifications (整改), lesson observations (推门听课), quota compliance and the
liaison (包联) overview. Docs: docs/rectifications-observations.md.

Every lookup goes through the scoped selectors (another school's task is a 404, as one that
does not exist); every write through ``inspections.services``. A ``NotAllowed`` from a
service is answered 403 with its message shown; another ``DomainError`` is shown on the page
with what was typed kept.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bureau import access, idempotency
from bureau.models import Role, Term, User
from core.errors import DomainError, NotAllowed
from inspections import selectors, services
from inspections.forms.rectifications import (
    AnswerForm,
    ObservationFilterForm,
    ObservationForm,
    RectificationFilterForm,
    RectificationForm,
    TermForm,
    VerifyForm,
)
from inspections.models import Observation, RectificationStatus
from inspections.selectors.liaison import liaison_overview, liaison_schools

PAGE_SIZE = 50
DEFAULT_DAYS = 30  # a new task's deadline, counted from today, unless changed


def _page(request, items):
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _forbidden(request, template: str, context: dict, error: NotAllowed):
    messages.error(request, error.message)
    return render(request, template, context, status=403)


# --- rectifications ------------------------------------------------------------------------


@login_required
def rectification_list(request):
    user = request.user
    today = timezone.localdate()
    schools = None if access.is_principal(user) else access.schools_for(user).order_by("code")
    form = RectificationFilterForm(request.GET or None, schools=schools)
    data = form.cleaned_data if form.is_valid() else {}
    scope = selectors.rectifications_for(user)
    if data.get("school"):
        scope = scope.filter(school=data["school"])
    if data.get("severity"):
        scope = scope.filter(severity=data["severity"])
    # The counts on top: the scope, school and severity chosen, every status.
    by_status = dict(scope.values_list("status").annotate(n=Count("pk")))
    counts = [
        {"value": value, "label": label, "n": by_status.get(value, 0)}
        for value, label in RectificationStatus.choices
    ]
    overdue_count = selectors.rectifications_overdue(scope, True, today).count()
    tasks = scope
    if data.get("status"):
        tasks = tasks.filter(status=data["status"])
    if data.get("overdue"):
        tasks = selectors.rectifications_overdue(tasks, data["overdue"] == "yes", today)
    tasks = tasks.annotate(
        late=Case(
            When(selectors.overdue_condition(today), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("late", "deadline", "pk")
    page = _page(request, tasks)
    selectors.with_lateness(page.object_list, today)
    return render(
        request,
        "inspections/rectification_list.html",
        {
            "form": form,
            "page": page,
            "counts": counts,
            "overdue_count": overdue_count,
            "may_create": access.can_record_visits(user),
            "active_nav": "rectifications",
        },
    )


def _detail_context(request, task, *, answer_form=None, verify_form=None) -> dict:
    user = request.user
    today = timezone.localdate()
    selectors.with_lateness([task], today)
    may_answer = access.can_answer_rectification(user, task) and task.status in services.ANSWERABLE
    may_verify = access.can_record_visits(user) and task.status == RectificationStatus.ANSWERED
    return {
        "task": task,
        "history": list(task.events.all()),
        "answer_form": (answer_form or AnswerForm()) if may_answer else None,
        "verify_form": (verify_form or VerifyForm()) if may_verify else None,
        "active_nav": "rectifications",
    }


@login_required
def rectification_detail(request, pk):
    task = selectors.rectification_get_for(request.user, pk)
    return render(request, "inspections/rectification_detail.html", _detail_context(request, task))


@login_required
@require_POST
def rectification_answer(request, pk):
    task = selectors.rectification_get_for(request.user, pk)
    form = AnswerForm(request.POST)
    form.is_valid()
    try:
        services.rectification_answer(task=task, user=request.user, text=form.answer_text())
    except NotAllowed as error:
        return _forbidden(
            request, "inspections/rectification_detail.html", _detail_context(request, task), error
        )
    except DomainError as error:
        messages.error(request, error.message)
        context = _detail_context(request, task, answer_form=form)
        return render(request, "inspections/rectification_detail.html", context)
    messages.success(request, _("已提交整改答复，等待督导员验收。"))
    return redirect("inspections:rectification_detail", pk=task.pk)


@login_required
@require_POST
def rectification_verify(request, pk):
    task = selectors.rectification_get_for(request.user, pk)
    form = VerifyForm(request.POST)
    accepted = form.is_valid() and form.cleaned_data["decision"] == "accept"
    try:
        if not form.is_valid():
            # Checked after the role, so that a principal is told they may not verify.
            if not access.can_record_visits(request.user):
                raise NotAllowed(_("只有督导员、局机关工作人员或管理员可以验收整改"))
            raise DomainError(_("请选择“通过销号”或“退回”"))
        services.rectification_verify(
            task=task,
            user=request.user,
            accepted=accepted,
            reason=form.cleaned_data.get("reason", ""),
        )
    except NotAllowed as error:
        return _forbidden(
            request, "inspections/rectification_detail.html", _detail_context(request, task), error
        )
    except DomainError as error:
        messages.error(request, error.message)
        context = _detail_context(request, task, verify_form=form)
        return render(request, "inspections/rectification_detail.html", context)
    if accepted:
        messages.success(request, _("整改已通过验收，已销号。"))
    else:
        messages.success(request, _("已退回学校重新整改。"))
    return redirect("inspections:rectification_detail", pk=task.pk)


@login_required
def rectification_new(request):
    user = request.user
    access.assert_can(access.can_record_visits(user))
    visit = None
    if request.GET.get("visit"):
        try:
            visit = selectors.visit_get_for(user, int(request.GET["visit"]))
        except ValueError as exc:
            raise Http404(_("督导记录不存在")) from exc
    schools = None if visit else access.schools_for(user).filter(active=True).order_by("code")
    if request.method == "POST":
        form = RectificationForm(request.POST, schools=schools)
        if form.is_valid():
            data = form.cleaned_data
            try:
                task = services.rectification_create(
                    user=user,
                    school=visit.school if visit else data["school"],
                    visit=visit,
                    title=data["title"],
                    detail=data["detail"],
                    severity=data["severity"],
                    deadline=data["deadline"],
                    responsible=data["responsible"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("已下达整改：%(title)s") % {"title": task.title})
                return redirect("inspections:rectification_detail", pk=task.pk)
    else:
        initial = {
            "severity": "medium",
            "deadline": timezone.localdate() + datetime.timedelta(days=DEFAULT_DAYS),
        }
        if visit:
            initial["detail"] = visit.findings
        form = RectificationForm(initial=initial, schools=schools)
    return render(
        request,
        "inspections/rectification_form.html",
        {"form": form, "visit": visit, "active_nav": "rectifications"},
    )


# --- observations --------------------------------------------------------------------------


@login_required
def observation_list(request):
    user = request.user
    schools = None if access.is_principal(user) else access.schools_for(user).order_by("code")
    form = ObservationFilterForm(request.GET or None, schools=schools)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.observations_for(user)
    if data.get("school"):
        rows = rows.filter(school=data["school"])
    if data.get("observer"):
        rows = rows.filter(observer__username=data["observer"].strip())
    if data.get("term"):
        rows = rows.filter(date__range=(data["term"].start, data["term"].end))
    if data.get("announced"):
        rows = rows.filter(announced=data["announced"] == "yes")
    return render(
        request,
        "inspections/observation_list.html",
        {
            "form": form,
            "page": _page(request, rows),
            "may_record": access.can_observe(user),
            "active_nav": "observations",
        },
    )


@login_required
def observation_new(request):
    """Principals pick among their school's teachers; others first pick a school
    (``?school=CODE``), then a teacher of it."""
    user = request.user
    access.assert_can(access.can_observe(user))
    if access.is_principal(user):
        school = user.school
        schools = None
    else:
        schools = access.schools_for(user).filter(active=True).order_by("code")
        code = request.GET.get("school")
        school = schools.filter(code=code).first() if code else None
        if code and school is None:
            raise Http404(_("学校不存在"))
    form = None
    if school is not None:
        teachers = (
            access.teachers_for(user).filter(school=school, active=True).order_by("name", "pk")
        )
        if request.method == "POST":
            form = ObservationForm(request.POST, teachers=teachers)
            # The form's one-time token: a second post of it records nothing more.
            token = idempotency.form_token_of(request)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    observation, created = idempotency.request_once(
                        user=user,
                        scope="observation",
                        key=token,
                        model=Observation,
                        create=lambda: services.observation_create(user=user, **data),
                    )
                except NotAllowed as error:
                    context = {
                        "form": form,
                        "school": school,
                        "schools": schools,
                        "form_token": token,
                    }
                    return _forbidden(request, "inspections/observation_form.html", context, error)
                except DomainError as error:
                    form.add_error(None, error.message)
                else:
                    if created:
                        messages.success(
                            request,
                            _("已记录听课：%(teacher)s，%(date)s")
                            % {"teacher": data["teacher"].name, "date": data["date"]},
                        )
                    else:
                        messages.info(
                            request,
                            _("这份听课记录已经保存过（%(teacher)s，%(date)s），没有重复记录。")
                            % {"teacher": observation.teacher.name, "date": observation.date},
                        )
                    return redirect("inspections:observations")
        else:
            form = ObservationForm(
                teachers=teachers, initial={"date": timezone.localdate(), "announced": "no"}
            )
    return render(
        request,
        "inspections/observation_form.html",
        {
            "form": form,
            "school": school,
            "schools": schools,
            "form_token": (request.method == "POST" and idempotency.form_token_of(request))
            or idempotency.new_form_token(),
            "active_nav": "observations",
        },
    )


# --- compliance ----------------------------------------------------------------------------


def _progress(done: int, quota: int) -> int:
    """Percent of the quota done, 0..100, for the bar."""
    return min(100, round(100 * done / quota)) if quota else 100


def _behind_first(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: (-r["behind"], r["school"] or "", r["user"]))


@login_required
def compliance(request):
    user = request.user
    access.assert_can(access.role_of(user) is not None)
    form = TermForm(request.GET or None)
    term = form.cleaned_data.get("term") if form.is_valid() else None
    term = term or Term.current()
    try:
        rows = selectors.observation_compliance(user, term=term)
    except DomainError as error:
        messages.error(request, error.message)
        rows = []
    names = dict(access.schools_for(user).values_list("code", "name"))
    labels = dict(Role.choices)
    for row in rows:
        row["school_name"] = names.get(row["school"], "")
        row["role_label"] = labels.get(row["role"], row["role"])
        row["progress"] = _progress(row["done"], row["quota"])
    by_school: dict[str, dict] = {}
    for row in rows:
        if row["role"] != Role.PRINCIPAL or not row["school"]:
            continue
        entry = by_school.setdefault(
            row["school"],
            {"school": row["school"], "user": "", "school_name": row["school_name"], "people": []},
        )
        entry["people"].append(row["name"])
        entry["done"] = entry.get("done", 0) + row["done"]
        entry["quota"] = entry.get("quota", 0) + row["quota"]
        entry["behind"] = entry.get("behind", 0) + row["behind"]
    schools = list(by_school.values())
    for entry in schools:
        entry["progress"] = _progress(entry["done"], entry["quota"])
    if term is not None and not form.is_bound:
        form = TermForm(initial={"term": term})
    return render(
        request,
        "inspections/compliance.html",
        {
            "form": form,
            "term": term,
            "rows": _behind_first(rows),
            "schools": _behind_first(schools),
            "behind_count": sum(1 for r in rows if r["behind"]),
            "active_nav": "observations",
        },
    )


# --- liaison (包联) ------------------------------------------------------------------------


@login_required
def liaison(request):
    viewer = request.user
    role = access.role_of(viewer)
    # Principals are not liaisons: the page is for bureau people.
    access.assert_can(role is not None and role != Role.PRINCIPAL)
    person = viewer
    username = request.GET.get("user", "").strip()
    if username and username != viewer.username:
        access.assert_can(access.is_manager(viewer))
        person = User.objects.filter(username=username).first()
        if person is None:
            raise Http404(_("用户不存在"))
    liaisons = None
    if access.is_manager(viewer):
        liaisons = (
            User.objects.filter(liaison_schools__isnull=False).distinct().order_by("username")
        )
    return render(
        request,
        "inspections/liaison.html",
        {
            "person": person,
            "overview": liaison_overview(viewer=viewer, liaison=person),
            "term": Term.current(),
            "liaisons": liaisons,
            "own": person == viewer,
            "has_schools": bool(liaison_schools(person)),
            "active_nav": "liaison",
        },
    )
