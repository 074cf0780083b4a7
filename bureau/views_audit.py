"""操作日志 (SPEC §9): the audit trail for system administrators, filtered and paginated."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from core.errors import DomainError

from . import access
from .audit import audit_models
from .selectors_audit import audit_display, audit_entries

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    model = forms.ChoiceField(label=_("对象类型"), required=False)
    object = forms.CharField(
        label=_("对象"), required=False, widget=forms.TextInput(attrs={"placeholder": "exam:CODE"})
    )
    user = forms.CharField(label=_("用户名"), required=False)
    start = forms.DateField(
        label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = [
            (name, f"{model._meta.verbose_name}（{name}）")
            for name, model in audit_models().items()
        ]
        self.fields["model"].choices = [
            ("", _("全部")),
            *sorted(names),
            ("roster", _("名册（roster）")),
        ]


@login_required
@require_GET
def audit_log(request):
    access.assert_can(access.can_read_audit(request.user))
    form = AuditFilterForm(request.GET or None)
    wanted = form.cleaned_data if form.is_valid() else {}
    try:
        entries = audit_entries(
            model=wanted.get("model") or None,
            object=wanted.get("object") or None,
            user=wanted.get("user") or None,
            start=wanted["start"].isoformat() if wanted.get("start") else None,
            end=wanted["end"].isoformat() if wanted.get("end") else None,
        )
    except DomainError:  # the form's choices allow no unknown model; kept for safety
        entries = audit_entries()
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "bureau/audit_log.html",
        {
            "form": form if request.GET else AuditFilterForm(),
            "page": page,
            "rows": [audit_display(e) for e in page.object_list],
            "active_nav": "audit",
        },
    )
