"""Ids typed or followed by the user (``/api/v1/visits/abc/``): a malformed one is simply not
found, like an id that does not exist, never a server error."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

#: The largest value of a BigAutoField (PostgreSQL bigint, SQLite integer).
MAX_ID = 2**63 - 1


def id_from(value) -> int | None:
    """``value`` as a primary key (a whole number 1 … 2⁶³−1 or its decimal digits), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text.isascii() or not text.isdigit():
            return None
        number = int(text)
    return number if 0 < number <= MAX_ID else None


def id_or_404(value, message: str | None = None) -> int:
    """``id_from(value)``, or Http404 with ``message`` (the same answer as an absent object)."""
    number = id_from(value)
    if number is None:
        raise Http404(message or _("记录不存在"))
    return number
