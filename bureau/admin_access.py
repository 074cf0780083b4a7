"""Django admin pages of student-level data write the access log, as the site's pages do."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import AccessLog
from .services import access_log_record


class AccessLoggedAdminMixin:
    """One access-log row per list or record page shown (GET, answered 200)."""

    access_log_what = _("学生名单")

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "GET" and response.status_code == 200:
            changelist = getattr(response, "context_data", {}).get("cl")
            count = len(changelist.result_list) if changelist is not None else 0
            access_log_record(
                user=request.user,
                action=AccessLog.Action.VIEW,
                what=_("管理后台：%(what)s") % {"what": self.access_log_what},
                count=count,
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            record = self.get_object(request, object_id)
            access_log_record(
                user=request.user,
                action=AccessLog.Action.VIEW,
                what=_("管理后台：%(what)s %(record)s")
                % {"what": self.access_log_what, "record": record},
                school=getattr(record, "school", None),
                count=1,
            )
        return response
