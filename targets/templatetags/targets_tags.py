from django import template
from django.utils.translation import gettext as _

from targets import describe
from targets.selectors.board import STATUS_LABELS

register = template.Library()


@register.filter
def target_figure(value, target):
    """A target's figure as people read it (rates as percentages)."""
    return describe.figure(target, value)


@register.filter
def attainment_pct(value):
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def status_label(status):
    return _(STATUS_LABELS[status]) if status else _("尚无数据")


@register.simple_tag
def how_measured(target):
    return describe.how_measured(target)


@register.simple_tag
def county_value(target):
    return describe.county_value(target)


@register.simple_tag(takes_context=True)
def school_target_lines(context, school):
    """The school's targets of the current year as the viewer may see them (profile and
    dashboard blocks; the schools and bureau apps do not import targets)."""
    from targets.selectors.board import school_lines

    user = context["request"].user
    if school is None or not user.is_authenticated:
        return []
    return school_lines(user=user, school=school)


@register.simple_tag(takes_context=True)
def red_target_rows(context, overview):
    """The red rows of the current year's targets among the schools of the liaison page's
    ``overview`` (dicts with ``school``)."""
    from targets.selectors.board import red_rows

    schools = [o["school"] for o in overview]
    return red_rows(user=context["request"].user, schools=schools)


@register.simple_tag(takes_context=True)
def unacknowledged_targets(context):
    """Published targets of the current year a principal has yet to acknowledge."""
    from bureau import access
    from bureau.models import AcademicYear
    from targets.models import Acknowledgement

    user = context["request"].user
    school_id = access.own_school_id(user)
    year = AcademicYear.current()
    if not school_id or year is None:
        return []
    done = Acknowledgement.objects.filter(school_id=school_id).values("target_id")
    return list(access.targets_for(user).filter(year=year).exclude(pk__in=done).order_by("code"))
