"""Who reads the audit trail and the access log (SPEC §9): the system administrators."""

from __future__ import annotations

from .roles import is_admin


def can_read_audit(user) -> bool:
    return is_admin(user)
