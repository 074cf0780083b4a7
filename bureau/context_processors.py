from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from . import access


def navigation(request):
    """The navigation that fits the user's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "bureau_name": settings.TIZHI_BUREAU_NAME}
    items = [(_("首页"), reverse("dashboard"), "dashboard")]
    if access.sees_all_schools(user):
        items.append((_("学校"), reverse("schools:list"), "schools"))
    elif user.school_id:
        items.append((_("本校"), reverse("schools:detail", args=[user.school.code]), "schools"))
    items.append((_("教师"), reverse("schools:teachers"), "teachers"))
    items.append((_("交流轮岗"), reverse("schools:exchanges"), "exchanges"))
    items.append((_("考试"), reverse("exams:list"), "exams"))
    if access.is_manager(user):
        items.append((_("名册导入"), reverse("schools:roster_import"), "roster"))
    if access.is_admin(user):
        items.append((_("系统管理"), reverse("admin:index"), "admin"))
    return {
        "nav": [{"label": label, "url": url, "key": key} for label, url, key in items],
        "bureau_name": settings.TIZHI_BUREAU_NAME,
        "user_role_label": user.get_effective_role_display(),
    }
