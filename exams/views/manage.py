"""Setting up and running an exam in the browser (managers: admins and bureau staff).

``/exams/new/`` and ``/exams/<code>/edit/`` (drafts only) show one form for the exam and its
subjects, handed once to ``exam_create`` / ``exam_update``; ``/exams/<code>/state/`` moves the
exam along ``STATE_FLOW``; ``/exams/<code>/recompute/`` queues its statistics;
``/exams/<code>/not-counted/`` marks a student as not counted (不计入统计) or counted again. Other roles get
403; an unknown exam 404 (``access.exam_get_for``). Docs: docs/exam-pages.md.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bureau import access
from core.errors import DomainError
from exams.forms import (
    NEW_ROWS,
    SPARE_ROWS,
    ExamForm,
    SubjectFormSet,
    SubjectRowForm,
    subject_names,
)
from exams.models import Exam, ExamState
from exams.services.entries import entry_set_not_counted
from exams.services.exams import STATE_FLOW, exam_create, exam_set_state, exam_update
from exams.services.stats import stats_request

PREFIX = "subjects"

# The state buttons of the exam page, in this order (forward moves first).
STATE_ACTIONS = {
    (ExamState.DRAFT, ExamState.OPEN): gettext_lazy("开放上传"),
    (ExamState.OPEN, ExamState.CLOSED): gettext_lazy("截止上传"),
    (ExamState.CLOSED, ExamState.PUBLISHED): gettext_lazy("发布结果"),
    (ExamState.OPEN, ExamState.DRAFT): gettext_lazy("退回草稿"),
    (ExamState.CLOSED, ExamState.OPEN): gettext_lazy("重新开放"),
    (ExamState.PUBLISHED, ExamState.CLOSED): gettext_lazy("撤回发布"),
}


FORWARD_MOVES = set(list(STATE_ACTIONS)[:3])


def state_actions(exam: Exam) -> list[dict]:
    """The moves allowed from the exam's state: target ``state``, button ``label``, and
    whether it is the ``forward`` move."""
    allowed = STATE_FLOW[ExamState(exam.state)]
    return [
        {"state": target.value, "label": label, "forward": (source, target) in FORWARD_MOVES}
        for (source, target), label in STATE_ACTIONS.items()
        if source == exam.state and target in allowed
    ]


def _managed_exam(request, code: str) -> Exam:
    access.assert_can(access.is_manager(request.user))
    return access.exam_get_for(request.user, code)


# --- the form ------------------------------------------------------------------------------


def _rows_from_post(data) -> list[dict]:
    """The subject rows as typed, for re-showing them with one more row."""
    try:
        total = min(int(data.get(f"{PREFIX}-TOTAL_FORMS", 0)), 29)
    except ValueError:
        total = 0
    names = list(SubjectRowForm.base_fields)
    return [{name: data.get(f"{PREFIX}-{i}-{name}", "") for name in names} for i in range(total)]


def _exam_form(request, *, exam: Exam | None):
    """GET: the form (blank, or the exam's values); POST with ``add_row``: what was typed, one
    row more; POST: the bound form, its subjects and whether to save."""
    if request.method == "POST" and "add_row" not in request.POST:
        form = ExamForm(
            request.POST, exam=exam, initial=ExamForm.initial_for(exam) if exam else None
        )
        formset = SubjectFormSet(request.POST, prefix=PREFIX)
        return form, formset, True
    if request.method == "POST":
        initial = {key: request.POST.get(key, "") for key in ExamForm.base_fields}
        initial.update({k: v for k, v in request.POST.items() if k.startswith("weight_")})
        if exam is not None:
            initial["code"] = exam.code
        rows = _rows_from_post(request.POST) + [{}]
    elif exam is not None:
        initial = ExamForm.initial_for(exam)
        stored = exam.exam_subjects.select_related("subject").order_by("order", "id")
        rows = [SubjectRowForm.initial_for(s) for s in stored] + [{}] * SPARE_ROWS
    else:
        initial = None
        rows = [{}] * NEW_ROWS
    form = ExamForm(initial=initial, exam=exam)
    formset = SubjectFormSet(initial=rows, prefix=PREFIX)
    return form, formset, False


def _render(request, form, formset, *, exam: Exam | None):
    return render(
        request,
        "exams/exam_form.html",
        {
            "form": form,
            "formset": formset,
            "exam": exam,
            "subject_names": subject_names(),
            "active_nav": "exams",
        },
    )


def _subjects(formset) -> list:
    return [line for line in (f.line() for f in formset.forms) if line is not None]


@login_required
def exam_new(request):
    access.assert_can(access.is_manager(request.user))
    form, formset, submitted = _exam_form(request, exam=None)
    if submitted and form.is_valid() & formset.is_valid():
        data = form.cleaned_data
        try:
            exam = exam_create(
                code=data["code"],
                name=data["name"].strip(),
                kind=data["kind"],
                grade=data["grade"],
                date=data["date"],
                subjects=_subjects(formset),
                rate_base=data["rate_base"],
                rank_method=data["rank_method"],
                weights=form.weights(),
                baseline=data["baseline"],
                user=request.user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("已创建考试“%(name)s”（草稿）。核对无误后点“开放上传”，学校即可上传成绩。")
                % {"name": exam.name},
            )
            return redirect(exam)
    return _render(request, form, formset, exam=None)


@login_required
def exam_edit(request, code):
    exam = _managed_exam(request, code)
    if exam.state != ExamState.DRAFT:
        messages.error(
            request,
            _("考试已是“%(state)s”状态，不能修改；如需修改，请先退回草稿。")
            % {"state": exam.get_state_display()},
        )
        return redirect(exam)
    form, formset, submitted = _exam_form(request, exam=exam)
    if submitted and form.is_valid() & formset.is_valid():
        data = form.cleaned_data
        try:
            exam = exam_update(
                exam=exam,
                name=data["name"].strip(),
                kind=data["kind"],
                grade=data["grade"],
                date=data["date"],
                subjects=_subjects(formset),
                rate_base=data["rate_base"],
                rank_method=data["rank_method"],
                weights=form.weights(),
                baseline=data["baseline"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已保存考试“%(name)s”。") % {"name": exam.name})
            return redirect(exam)
    return _render(request, form, formset, exam=exam)


# --- state and statistics ------------------------------------------------------------------


@login_required
@require_POST
def exam_state(request, code):
    exam = _managed_exam(request, code)
    target = request.POST.get("state", "")
    try:
        exam_set_state(exam=exam, state=target)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("考试状态已改为“%(state)s”。") % {"state": exam.get_state_display()}
        )
    return redirect(exam)


@login_required
@require_POST
def exam_recompute(request, code):
    exam = _managed_exam(request, code)
    stats_request(exam=exam)
    messages.success(request, _("已开始重新计算统计，稍后刷新页面查看。"))
    return redirect(exam)


@login_required
@require_POST
def exam_not_counted(request, code):
    """Marks one student (``student_number``) not counted with ``reason``, or counted again
    when the reason is blank."""
    exam = _managed_exam(request, code)
    number = (request.POST.get("student_number") or "").strip()
    reason = request.POST.get("reason") or ""
    try:
        entry_set_not_counted(exam=exam, student_number=number, reason=reason, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        if reason.strip():
            text = _("学籍号 %(number)s 已设为不计入统计（%(reason)s），统计正在后台更新。")
        else:
            text = _("学籍号 %(number)s 已恢复计入统计，统计正在后台更新。")
        messages.success(request, text % {"number": number, "reason": reason.strip()})
    return redirect(f"{exam.get_absolute_url()}#not-counted")
