"""Creates that happen once per request key (docs/operations.md, "Double submission").

A page's form carries a hidden one-time token (``form_token``, a random uuid rendered with the
form); an API client may send an ``Idempotency-Key`` header (or a ``request_key`` field in the
body). The first request with a key stores it, unique per (user, scope, key), in the same
transaction as the record it creates; a repeat, even one arriving while the first is still
running, waits on that unique row and then answers with the record the first one made. A create
that fails stores no key, so the corrected form can be sent again with the same token.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from core.errors import DomainError

from .models import RequestKey

FORM_FIELD = "form_token"
HEADER = "Idempotency-Key"
# Set on the API's answer to a repeat (same status and body as the first answer).
REPLAYED_HEADER = "Idempotent-Replayed"
BODY_FIELD = "request_key"
KEPT_DAYS = 7  # keys older than this are purged daily (bureau.tasks.purge_request_keys)
_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")  # printable ASCII, no spaces, at most 100


class KeyReused(DomainError):
    """The same key came with another request body: 422, as the IETF Idempotency-Key draft
    asks, rather than silently answering with a record the client did not describe."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY

    def __init__(self, message: str):
        super().__init__(message, code="idempotency_key_reused")


def new_form_token() -> str:
    return uuid.uuid4().hex


def key_clean(value) -> str:
    """A key as sent ("" when none); anything else than 1–100 printable ASCII characters is
    a DomainError naming the header."""
    value = (value or "").strip() if isinstance(value, str) else ""
    if value and not _KEY.match(value):
        raise DomainError(
            _("%(header)s 只能是 1–100 个可见的英文字符（如 UUID）") % {"header": HEADER}
        )
    return value


def form_token_of(request) -> str:
    """The page form's token, or "" for a missing or malformed one (then no protection)."""
    try:
        return key_clean(request.POST.get(FORM_FIELD, ""))
    except DomainError:
        return ""


def api_key_of(request) -> str:
    """The API request's key: the header, else the body's ``request_key``."""
    header = request.headers.get(HEADER)
    if header is not None:
        return key_clean(header)
    data = getattr(request, "data", None)
    value = data.get(BODY_FIELD) if hasattr(data, "get") else None
    return key_clean(value) if value is not None else ""


def body_fingerprint(data) -> str:
    """A hash of a request body, the key itself left out."""
    body = (
        {k: v for k, v in dict(data).items() if k != BODY_FIELD} if hasattr(data, "items") else data
    )
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def request_once(
    *, user, scope: str, key: str, model, create: Callable[[], object], fingerprint: str = ""
) -> tuple[object, bool]:
    """``create()`` once per (user, scope, key): answers (record, True) the first time and
    (the same record, False) on every repeat. Without a key, simply creates."""
    if not key:
        return create(), True
    try:
        with transaction.atomic():
            mark = RequestKey.objects.create(
                user=user, scope=scope, key=key, fingerprint=fingerprint
            )
    except IntegrityError:
        earlier = RequestKey.objects.get(user=user, scope=scope, key=key)
        if fingerprint and earlier.fingerprint and earlier.fingerprint != fingerprint:
            raise KeyReused(
                _("这个 %(header)s 已用于另一份内容的请求，请换一个新的") % {"header": HEADER}
            ) from None
        found = model.objects.filter(pk=earlier.object_id).first()
        if found is None:
            raise DomainError(
                _("这个请求已经处理过，但当时建立的记录已被删除"), code="idempotency_gone"
            ) from None
        return found, False
    record = create()
    mark.object_id = record.pk
    mark.save(update_fields=["object_id"])
    return record, True


def request_keys_purge(*, now=None) -> int:
    """Deletes the keys older than KEPT_DAYS; answers how many."""
    cutoff = (now or timezone.now()) - timedelta(days=KEPT_DAYS)
    deleted, _per_model = RequestKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
