"""Exam pages: the list of exams, one exam's analysis and one school's drill-down.

Every number comes from the statistics selectors (``exams.selectors.stats``), which scope
rows by role; these views only choose, round for display and lay out. Each table of the two
analysis pages is also a workbook: the same URL with ``?export=xlsx&table=<name>`` (names in
``exams.exports``; docs/exam-pages.md).
"""

from __future__ import annotations

from html import escape as html_escape
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from bureau import access
from bureau.models import AccessLog
from bureau.services import access_log_record
from core.errors import DomainError
from exams import exports
from exams.models import TOTAL, Exam, ExamKind, ExamState, ExamSubject, StatsStatus
from exams.selectors.pages import county_rows, not_counted_rows, not_counted_summary, upload_counts
from schools.models import Stage

PAGE_SIZE = 30
BAND_LABELS = [f"{10 * k}–{10 * (k + 1)}%" for k in range(10)]


def _stats():
    # Imported on use: the pages load with the rest of the site even while the read side
    # of the statistics is being deployed.
    from exams.selectors import stats as stats_selectors

    return stats_selectors


# --- the list ------------------------------------------------------------------------------


@login_required
@require_GET
def exam_list(request):
    user = request.user
    exams = access.exams_for(user).select_related("academic_year")
    chosen = {key: request.GET.get(key, "") for key in ("grade", "kind", "state")}
    if chosen["grade"].isdigit():
        exams = exams.filter(grade=int(chosen["grade"]))
    if chosen["kind"] in ExamKind.values:
        exams = exams.filter(kind=chosen["kind"])
    if chosen["state"] in ExamState.values:
        exams = exams.filter(state=chosen["state"])
    page = Paginator(exams.order_by("-date", "code"), PAGE_SIZE).get_page(request.GET.get("page"))
    manager = access.is_manager(user)
    counts = upload_counts(exams=list(page)) if manager else {}
    rows = [
        {"exam": e, "progress": counts.get(e.pk), "may_upload": access.can_upload(user, e)}
        for e in page
    ]
    states = ExamState.choices
    if access.role_of(user) not in access.ALL_SEEING:
        states = [c for c in states if c[0] != ExamState.DRAFT]
    return render(
        request,
        "exams/exam_list.html",
        {
            "page": page,
            "rows": rows,
            "chosen": chosen,
            "kinds": ExamKind.choices,
            "states": states,
            "grades": range(1, 13),
            "manager": manager,
            "busy": (StatsStatus.QUEUED, StatsStatus.RUNNING),
            "active_nav": "exams",
        },
    )


# --- shared pieces -------------------------------------------------------------------------


def _subjects(exam: Exam) -> list[tuple[str, float]]:
    return list(
        ExamSubject.objects.filter(exam=exam)
        .order_by("order", "id")
        .values_list("subject__name", "full_marks")
    )


def _chosen_subject(request, names: list[str]) -> str:
    wanted = request.GET.get("subject") or TOTAL
    return wanted if wanted in names or wanted == TOTAL else TOTAL


def _label(subject: str) -> str:
    return _("总分") if subject == TOTAL else subject


def _banner(exam: Exam) -> str:
    if exam.stats_interrupted:
        return _("统计计算中断：后台计算未能完成，页面显示的是上一次的结果")
    if exam.stats_status in (StatsStatus.QUEUED, StatsStatus.RUNNING):
        return _("统计正在后台更新，页面数字可能不是最新")
    if exam.stats_status == StatsStatus.FAILED:
        return _("最近一次统计计算失败，页面显示的是上一次的结果")
    if exam.stats_updated_at is None:
        return _("本次考试尚未计算统计，上传成绩后将自动计算")
    return ""


def _export_url(request, table: str, **extra) -> str:
    query = {k: v for k, v in request.GET.items() if k not in ("export", "table")}
    query.update(extra, export="xlsx", table=table)
    return f"{request.path}?{urlencode(query)}"


def _table(request, key, rows, *, columns=None, link=None, own_school=None, empty=""):
    """A table as the ``_table.html`` partial draws it (sortable, with an export link).

    The body is drawn here rather than by a template loop: a county's class table has some
    20,000 cells, and a template step per cell alone costs more than the page's budget."""
    columns = columns or exports.COLUMNS[key]
    body, cells = [], []
    for row, line in zip(rows, exports.cells(rows, columns), strict=True):
        tds = []
        for col, cell in zip(columns, line, strict=True):
            text = html_escape(cell["text"])
            url = link(row) if col.key == "school_name" and link else None
            if url:
                text = f'<a href="{html_escape(url)}">{text}</a>'
            elif col.key == "sample_label" and cell["text"] != "—":
                text = f'<span class="badge amber">{text}</span>'
            css = ' class="num"' if cell.get("num") else ""
            tds.append(f'<td{css} data-sort="{html_escape(cell["sort"])}">{text}</td>')
        own = own_school and row.get("school_code") == own_school
        body.append(('<tr class="own">' if own else "<tr>") + "".join(tds) + "</tr>")
        cells.append({"cells": line, "own": own})
    return {
        "key": key,
        "columns": columns,
        "rows": cells,
        "body": SafeString("\n".join(body)),
        "export_url": _export_url(request, key),
        "empty": empty or _("暂无数据"),
    }


def _export(request, exam, table: str, columns, rows, *, scope: str = ""):
    subject = _label(_chosen_subject(request, [s for s, _f in _subjects(exam)]))
    title = str(exports.TABLE_TITLES[table])
    parts = [exam.code, scope, title, subject]
    ascii_parts = [exam.code, scope, table]
    return exports.export_response(
        title=title,
        columns=columns,
        rows=rows,
        filename="-".join(p for p in parts if p) + ".xlsx",
        ascii_name="-".join(p for p in ascii_parts if p) + ".xlsx",
    )


def _with_labels(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["sample_label"] = exports.sample_label(row)
    return rows


# --- one exam ------------------------------------------------------------------------------


def _overview(user, exam, subjects: list[str]) -> list[dict]:
    rows = county_rows(user=user, exam=exam, subjects=subjects)
    for row in rows:
        row["subject_label"] = _label(row["subject"])
    return rows


def _bands(user, exam, subject: str, full_marks: float) -> list[dict]:
    found = _stats().band_rows(user=user, exam=exam, level="county", subject=subject)
    if not found:  # the county's row is not the user's to read (yet)
        return []
    counts = list(found[0].get("bands") or [])
    counts = (counts + [0] * 10)[:10]
    total = sum(counts)
    step = full_marks / 10
    return [
        {
            "label": BAND_LABELS[k],
            "range": f"{exports.display(step * k, exports.SCORE)}–"
            f"{exports.display(step * (k + 1), exports.SCORE)}",
            "count": n,
            "share": n / total if total else None,
        }
        for k, n in enumerate(counts)
    ]


def _gaps(exam, subject: str) -> list[dict]:
    rows = []
    for stage, gap in _stats().gaps_by_stage(exam=exam, subject=subject).items():
        if not gap or gap.get("max_gap") is None:
            continue
        high, low = gap.get("highest") or {}, gap.get("lowest") or {}
        rows.append(
            {
                "stage_label": Stage(stage).label if stage in Stage.values else str(stage),
                "schools": gap.get("schools"),
                "max_gap": gap["max_gap"],
                "highest_name": high.get("name") or high.get("code"),
                "highest_mean": high.get("mean"),
                "lowest_name": low.get("name") or low.get("code"),
                "lowest_mean": low.get("mean"),
            }
        )
    return rows


def _composite_chart(school_rows: list[dict], subject_label: str) -> dict:
    ranked = sorted(
        (r for r in school_rows if r.get("composite") is not None),
        key=lambda r: (-r["composite"], r["school_code"]),
    )
    return {
        "title": _("%(subject)s综合指数") % {"subject": subject_label},
        "type": "bar",
        "horizontal": True,
        "labels": [r["school_name"] for r in ranked],
        "values": [round(r["composite"], 2) for r in ranked],
        "height": max(200, 32 * len(ranked) + 60),
    }


def _band_chart(bands: list[dict], subject_label: str) -> dict:
    return {
        "title": _("%(subject)s分数段（全县）") % {"subject": subject_label},
        "type": "bar",
        "unit": _("人"),
        "labels": [b["label"] for b in bands],
        "values": [b["count"] for b in bands],
    }


@login_required
@require_GET
def exam_detail(request, code):
    user = request.user
    exam = access.exam_get_for(user, code)
    subjects = _subjects(exam)
    names = [s for s, _f in subjects]
    subject = _chosen_subject(request, names)
    full_marks = sum(f for _s, f in subjects) if subject == TOTAL else dict(subjects)[subject]
    stats = _stats()
    table = request.GET.get("table", "")
    exporting = request.GET.get("export") == "xlsx"
    if exporting and table not in exports.EXAM_TABLES:
        raise Http404(_("没有这个表格"))

    def wanted(name: str) -> bool:
        return not exporting or table == name

    baseline = exam.baseline if exam.baseline_id else None
    school_rows: list[dict] = []
    if wanted("schools") or wanted("value_added"):
        school_rows = stats.stat_rows(
            user=user, exam=exam, level="school", subject=subject, baseline=baseline
        )
    data: dict[str, list[dict]] = {"schools": school_rows, "value_added": []}
    if baseline:
        data["value_added"] = _with_labels(
            sorted(
                (r for r in school_rows if r.get("matched")),
                key=lambda r: (-(r.get("value_added") or 0), r["school_code"]),
            )
        )
    if wanted("overview"):
        data["overview"] = _overview(user, exam, names)
    if wanted("bands"):
        data["bands"] = _bands(user, exam, subject, full_marks)
    if wanted("classes"):
        data["classes"] = stats.stat_rows(user=user, exam=exam, level="class", subject=subject)
    data["teachers"] = []
    if subject != TOTAL and wanted("teachers"):
        data["teachers"] = stats.stat_rows(user=user, exam=exam, level="teacher", subject=subject)
    # The gaps name every school's mean: only for those who may read every school's row.
    county_visible = access.exam_stats_school_ids(user, exam, "school") is None
    data["gaps"] = _gaps(exam, subject) if wanted("gaps") and county_visible else []
    columns = {
        name: exports.columns_for(name, total=subject == TOTAL) for name in exports.EXAM_TABLES
    }
    if exporting:
        return _export(request, exam, table, columns[table], data[table])

    own = user.school.code if access.own_school_id(user) else None
    openable = None if own is None else {own}

    def link(row):
        if openable is None or row.get("school_code") in openable:
            return reverse("exams:school", args=[exam.code, row["school_code"]])
        return None

    hidden = "" if county_visible else _("考试发布后可查看全县数据")
    tables = {
        "overview": _table(request, "overview", data["overview"], empty=hidden),
        "schools": _table(
            request,
            "schools",
            data["schools"],
            columns=columns["schools"],
            link=link,
            own_school=own,
        ),
        "classes": _table(
            request,
            "classes",
            data["classes"],
            columns=columns["classes"],
            empty=_("暂无班级统计"),
        ),
        "teachers": _table(request, "teachers", data["teachers"], empty=_("暂无教师统计")),
        "value_added": _table(request, "value_added", data["value_added"], link=link),
        "bands": _table(request, "bands", data["bands"], empty=hidden),
        "gaps": _table(request, "gaps", data["gaps"], empty=hidden),
    }
    return render(
        request,
        "exams/exam_detail.html",
        {
            "exam": exam,
            "subjects": names,
            "subject": subject,
            "subject_label": _label(subject),
            "total": TOTAL,
            "full_marks": exports.display(full_marks, exports.SCORE),
            "banner": _banner(exam),
            "tables": tables,
            "composite_chart": _composite_chart(data["schools"], _label(subject)),
            "band_chart": _band_chart(data["bands"], _label(subject)),
            "baseline": baseline,
            "county_visible": county_visible,
            "own_school": own,
            "may_upload": access.can_upload(user, exam),
            "not_counted": _not_counted(user, exam),
            "active_nav": "exams",
        },
    )


def _not_counted(user, exam) -> dict:
    """How many students are not counted and why (for everyone), who they are (for those who
    may see their schools' students), and whether the user may change the marks."""
    summary = not_counted_summary(exam=exam)
    rows = not_counted_rows(user=user, exam=exam) if summary else []
    return {
        "count": sum(summary.values()),
        "reasons": [{"reason": r, "count": n} for r, n in summary.items()],
        "rows": rows,
        "may_mark": access.can_mark_not_counted(user),
        "editable": exam.state != ExamState.PUBLISHED,
    }


# --- one school of an exam -----------------------------------------------------------------


def _own_columns(table: str, subject: str = "") -> list:
    """A table's columns within one school: without the school."""
    columns = exports.columns_for(table, total=subject == TOTAL)
    return [c for c in columns if c.key != "school_name"]


@login_required
@require_GET
def exam_school(request, code, school_code):
    user = request.user
    exam = access.exam_get_for(user, code)
    # A principal's other school is "not found", like a school that does not exist.
    school = access.school_get_for(user, school_code)
    subjects = _subjects(exam)
    names = [s for s, _f in subjects]
    subject = _chosen_subject(request, names)
    stats = _stats()
    table = request.GET.get("table", "")
    exporting = request.GET.get("export") == "xlsx"
    if exporting and table not in exports.SCHOOL_TABLES:
        raise Http404(_("没有这个表格"))
    may_see_students = access.may_see_students_of(user, school.pk)
    class_name = request.GET.get("class", "").strip() or None

    if exporting and table == "students":
        if not may_see_students:
            raise PermissionDenied(_("无权查看学生明细"))
        try:
            students = stats.score_rows(
                user=user, exam=exam, school=school.code, class_name=class_name
            )
        except DomainError as exc:
            raise Http404(exc.message) from exc
        access_log_record(
            user=user,
            action=AccessLog.Action.EXPORT,
            what=f"{exam.code} {school.code} " + _("学生成绩导出"),
            school=school,
            exam=exam,
            count=len(students),
        )
        return _export(
            request, exam, "students", exports.student_columns(names), students, scope=school.code
        )
    code_ = school.code
    classes = stats.stat_rows(user=user, exam=exam, level="class", subject=subject, school=code_)
    teachers = []
    if subject != TOTAL:
        teachers = stats.stat_rows(
            user=user, exam=exam, level="teacher", subject=subject, school=code_
        )
    if exporting:
        rows = classes if table == "classes" else teachers
        return _export(request, exam, table, _own_columns(table, subject), rows, scope=school.code)

    summary = stats.stat_rows(user=user, exam=exam, level="school", subject=subject, school=code_)
    students_table = None
    if may_see_students:
        try:
            students = stats.score_rows(
                user=user, exam=exam, school=school.code, class_name=class_name
            )
        except DomainError:  # a class that this grade cannot have: the whole school
            class_name = None
            students = stats.score_rows(user=user, exam=exam, school=school.code)
        access_log_record(
            user=user,
            action=AccessLog.Action.VIEW,
            what=f"{exam.code} {school.code} " + _("学生成绩明细"),
            school=school,
            exam=exam,
            count=len(students),
        )
        students_table = _table(
            request,
            "students",
            students,
            columns=exports.student_columns(names),
            empty=_("暂无学生成绩"),
        )
    return render(
        request,
        "exams/exam_school.html",
        {
            "exam": exam,
            "school": school,
            "subjects": names,
            "subject": subject,
            "subject_label": _label(subject),
            "total": TOTAL,
            "banner": _banner(exam),
            "summary": summary[0] if summary else None,
            "tables": {
                "classes": _table(
                    request,
                    "classes",
                    classes,
                    columns=_own_columns("classes", subject),
                    empty=_("暂无班级统计"),
                ),
                "teachers": _table(
                    request,
                    "teachers",
                    teachers,
                    columns=_own_columns("teachers"),
                    empty=_("暂无教师统计"),
                ),
            },
            "class_names": sorted({r["class_name"] for r in classes if r.get("class_name")}),
            "class_name": class_name,
            "students": students_table,
            "may_see_students": may_see_students,
            "active_nav": "exams",
        },
    )
