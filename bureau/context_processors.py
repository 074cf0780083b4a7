from django.conf import settings
from django.urls import reverse
from django.utils.translation import pgettext

from inspections.selectors.liaison import is_liaison
from reports import selectors as reports_selectors

from . import access


def navigation(request):
    """The navigation that fits the user's role. Labels carry the context "nav": in English a
    menu says "Schools" where a column header says "School"."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "bureau_name": settings.TIZHI_BUREAU_NAME}
    items = [(pgettext("nav", "首页"), reverse("dashboard"), "dashboard")]
    if access.sees_all_schools(user):
        items.append((pgettext("nav", "学校"), reverse("schools:list"), "schools"))
    elif user.school_id:
        items.append(
            (pgettext("nav", "本校"), reverse("schools:detail", args=[user.school.code]), "schools")
        )
    items.append((pgettext("nav", "教师"), reverse("schools:teachers"), "teachers"))
    items.append((pgettext("nav", "交流轮岗"), reverse("schools:exchanges"), "exchanges"))
    items.append((pgettext("nav", "考试"), reverse("exams:list"), "exams"))
    items.append((pgettext("nav", "目标"), reverse("targets:board"), "targets"))
    items.append((pgettext("nav", "督导"), reverse("inspections:visits"), "inspections"))
    items.append((pgettext("nav", "整改"), reverse("inspections:rectifications"), "rectifications"))
    items.append((pgettext("nav", "听课"), reverse("inspections:observations"), "observations"))
    items.append((pgettext("nav", "简报"), reverse("reports:list"), "bulletins"))
    items.append((pgettext("nav", "奖励"), reverse("rewards:list"), "rewards"))
    if access.can_read_evaluations(user):
        items.append((pgettext("nav", "考核"), reverse("rewards:evaluations"), "evaluations"))
    if is_liaison(user):
        items.append((pgettext("nav", "包联"), reverse("inspections:liaison"), "liaison"))
    if access.is_manager(user):
        items.append((pgettext("nav", "名册导入"), reverse("schools:roster_import"), "roster"))
    if access.can_read_audit(user):
        items.append((pgettext("nav", "操作日志"), reverse("audit"), "audit"))
    if access.is_admin(user):
        items.append((pgettext("nav", "系统管理"), reverse("admin:index"), "admin"))
    unread = reports_selectors.unread_count(user)
    return {
        "nav": [
            {"label": label, "url": url, "key": key, "badge": unread if key == "bulletins" else 0}
            for label, url, key in items
        ],
        "bureau_name": settings.TIZHI_BUREAU_NAME,
        "user_role_label": user.get_effective_role_display(),
    }
