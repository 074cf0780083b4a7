"""Template helper of the school profile's accountability block
(``templates/inspections/_school_accountability.html``)."""

from __future__ import annotations

from django import template

from inspections.selectors.accountability import accountability_for

register = template.Library()


@register.simple_tag
def school_accountability(school, user) -> list:
    """The school's warnings and interviews that ``user`` may see (none for a principal of
    another school), newest first."""
    if school is None or user is None:
        return []
    return list(accountability_for(user).filter(school=school))
