"""One domain error type, turned into a clear message by the API and the web views."""

from __future__ import annotations

from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    """A business rule said no. ``message`` is shown to the user (Chinese by default);
    ``details`` carries structured problems (e.g. every bad cell of an upload)."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, details: list | dict | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = str(message)
        self.details = details
        self.code = code


class NotAllowed(DomainError):
    """The user may see the object but not do this to it: answered 403."""

    status_code = status.HTTP_403_FORBIDDEN

    def __init__(self, message: str):
        super().__init__(message, code="permission_denied")


def api_exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.details is not None:
            body["errors"] = exc.details
        return Response(body, status=exc.status_code)
    return exception_handler(exc, context)
