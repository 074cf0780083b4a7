"""Reads of reward schemes: totals against the budget, the lines a user may see."""

from __future__ import annotations

from django.db.models import Sum

from bureau import access

from ..models import AwardLine, LineAdjustment, Scheme


def scheme_totals(scheme: Scheme) -> dict:
    """The total before scaling, after scaling, the budget and the excess (0 when within)."""
    sums = AwardLine.objects.filter(award__scheme=scheme).aggregate(
        before=Sum("base_amount"), after=Sum("amount")
    )
    before, after = sums["before"] or 0, sums["after"] or 0
    return {
        "budget": scheme.budget,
        "total_before": before,
        "total": after,
        "over": max(0, after - scheme.budget),
        "scaled": before != after,
    }


def line_rows(*, user, scheme: Scheme) -> list[dict]:
    """SPEC §7 ``/schemes/{code}/awards/`` rows the user may see, amounts after scaling."""
    lines = access.award_lines_for(user, scheme).order_by("award__order", "award_id", "order")
    return [
        {
            "id": line.pk,
            "award": line.award.name,
            "recipient": line.recipient,
            "school": line.school.code if line.school else None,
            "school_name": line.school.name if line.school else None,
            "subject": line.subject or None,
            "class_name": line.class_name or None,
            "teacher": line.teacher or None,
            "teacher_name": line.teacher_name or None,
            "rank": line.rank,
            "value": None if line.value is None else round(line.value, 6),
            "computed_amount": line.computed_amount,
            "base_amount": line.base_amount,
            "amount": line.amount,
            "excluded": line.excluded,
            "reason": line.reason,
        }
        for line in lines
    ]


def scheme_awards(*, user, scheme: Scheme) -> list[dict]:
    """The page's what-if: each award with its visible lines and their sums."""
    lines = list(access.award_lines_for(user, scheme).order_by("award__order", "award_id", "order"))
    by_award: dict[int, list] = {}
    for line in lines:
        by_award.setdefault(line.award_id, []).append(line)
    out = []
    for award in scheme.awards.select_related("exam", "baseline_exam").order_by("order", "pk"):
        rows = by_award.get(award.pk, [])
        out.append(
            {
                "award": award,
                "lines": rows,
                "before": sum(x.base_amount for x in rows),
                "after": sum(x.amount for x in rows),
            }
        )
    return out


def adjustments_of(scheme: Scheme):
    return (
        LineAdjustment.objects.filter(award__scheme=scheme)
        .select_related("award", "by")
        .order_by("-at", "-pk")
    )
