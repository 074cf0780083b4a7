from django import template

from core.formatting import duration_text, mask_name, percent

register = template.Library()


@register.filter
def pct(value, digits: int = 1) -> str:
    """0.1234 → "12.3%" (rates are stored as fractions, shown as percentages)."""
    return percent(value, digits)


@register.filter
def duration_zh(value) -> str:
    """timedelta(minutes=30) → "30 分钟"."""
    return duration_text(value)


@register.filter(name="mask_name")
def mask_name_filter(value) -> str:
    return mask_name(value)


@register.filter
def grade_name(value) -> str:
    """9 → 九年级, 10 → 高一."""
    from schools.models import GRADE_NAMES

    try:
        return GRADE_NAMES.get(int(value), str(value))
    except (TypeError, ValueError):
        return str(value)
