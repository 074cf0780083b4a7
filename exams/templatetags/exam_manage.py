from django import template

from bureau import access

register = template.Library()


@register.inclusion_tag("exams/_exam_manage.html", takes_context=True)
def exam_manage_actions(context, exam):
    """The managers' buttons of an exam page: state moves, edit (drafts), recompute."""
    from exams.views.manage import state_actions

    request = context.get("request")
    user = getattr(request, "user", None)
    if not access.is_manager(user):
        return {"show": False}
    return {
        "show": True,
        "exam": exam,
        "actions": state_actions(exam),
        "editable": exam.state == "draft",
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("exams/_recompute_button.html", takes_context=True)
def stats_recompute_button(context, exam):
    """重新计算, beside the "统计计算中断" banner: for those who may recompute (managers)."""
    request = context.get("request")
    return {
        "show": access.is_manager(getattr(request, "user", None)),
        "exam": exam,
        "csrf_token": context.get("csrf_token"),
    }
