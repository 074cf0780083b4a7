"""Private files: uploads, attachments and bulletin PDFs under ``MEDIA_ROOT/<folder>/``, each
under a random name (never a user's file name), only ever served through views that check
access (there is no MEDIA_URL)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings


def private_dir(folder: str) -> Path:
    return Path(settings.MEDIA_ROOT) / folder


def write_private(folder: str, data: bytes, *, suffix: str = "") -> Path:
    """Writes ``data`` under a new random name (32 hex digits + ``suffix``), whole or not at
    all: into a temporary file first, then renamed. Answers the file's path."""
    directory = private_dir(folder)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{secrets.token_hex(16)}{suffix}"
    partial = directory / f".{path.name}.part"
    try:
        with open(partial, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path
