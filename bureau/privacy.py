"""Student-level responses are never stored by a browser or a proxy (docs/access.md).

One mechanism, ``NoStoreStudentDataMiddleware``, answers ``Cache-Control: no-store, private``
(with ``no-cache, must-revalidate, max-age=0`` and an ``Expires`` in the past) when the
request showed students' names or scores. It knows that from:

- the access log: any ``AccessLog`` row written while the request runs (every page, export and
  API answer that shows student-level data writes one: SPEC §9), so a new such path is covered
  as soon as it logs;
- ``student_data`` on a view (or ``mark_student_data()`` inside one), for student-level
  responses about the user's own upload, which are not access-logged (the pre-filled results
  template, the upload preview and its annotated workbook);
- Django admin, every page of it (users, students, results).
"""

from __future__ import annotations

import contextvars
import functools

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.cache import add_never_cache_headers, patch_cache_control

from .models import AccessLog


class _Seen:
    __slots__ = ("student_data",)

    def __init__(self):
        self.student_data = False


# A mutable holder, so that a mark made in a copied context (a thread pool) still counts.
_current: contextvars.ContextVar[_Seen | None] = contextvars.ContextVar(
    "tizhi_student_data", default=None
)


def mark_student_data() -> None:
    """The response being made shows student-level data."""
    seen = _current.get()
    if seen is not None:
        seen.student_data = True


def student_data(view):
    """Marks a view (function, or method of a DRF viewset) as showing student-level data."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        mark_student_data()
        return view(*args, **kwargs)

    return wrapped


@receiver(post_save, sender=AccessLog, dispatch_uid="bureau.privacy.access_logged")
def _access_logged(sender, created=False, **kwargs):
    if created:
        mark_student_data()


def _is_admin(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return match is not None and "admin" in match.app_names


class NoStoreStudentDataMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        seen = _Seen()
        token = _current.set(seen)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        if seen.student_data or _is_admin(request):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
