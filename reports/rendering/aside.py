"""A piece of work done by a forked child process while this one goes on.

A bulletin build spends about half a second drawing its charts (matplotlib) and two seconds
in WeasyPrint, and the machine has two CPUs: the charts are drawn by a child forked after the
sections are gathered, while this process renders the HTML and lets WeasyPrint parse it and
compute its styles; WeasyPrint asks for the charts (through the URL fetcher) only when it
builds the boxes of the ``<img>`` elements.

``os.fork`` rather than ``multiprocessing``: a Celery prefork worker is a daemonic process,
which ``multiprocessing`` forbids to have children, and a pool or a fresh interpreter would
cost more than the drawing. The child only computes (no database, no files): it sends back
its pickled result through a pipe and leaves with ``os._exit`` (no atexit handlers, no
closing of the parent's connections). Where forking is impossible the work is done in this
process when its result is first asked for; a child that dies or takes longer than
``timeout`` seconds is killed and the work is done here instead, so a result never goes
missing because of the child.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import select
import signal
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

_UNSET = object()


class Aside:
    """``fn(*args)`` computed in a forked child; ``result()`` waits for it (or raises what
    ``fn`` raised). Use as a context manager, so that the child is reaped in every case.
    ``fork=False``: computed here, when ``result()`` is first called."""

    def __init__(
        self, fn: Callable[..., Any], *args: Any, timeout: float = 120.0, fork: bool = True
    ):
        self._fn = fn
        self._args = args
        self._timeout = timeout
        self._result: Any = _UNSET
        self._error: BaseException | None = None
        self._pid = 0
        self._fd = -1
        self.forked = False
        if fork and hasattr(os, "fork"):
            self._start()

    def _start(self) -> None:
        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except OSError as exc:  # out of processes or memory: do the work here
            log.warning("fork failed (%s); the work is done in this process", exc)
            os.close(read_fd)
            os.close(write_fd)
            return
        if pid == 0:  # the child
            os.close(read_fd)
            status = 0
            try:
                try:
                    payload = pickle.dumps((True, self._fn(*self._args)))
                except BaseException as exc:  # noqa: BLE001 - sent to the parent
                    payload = pickle.dumps((False, exc))
                with os.fdopen(write_fd, "wb") as pipe:
                    pipe.write(payload)
            except BaseException:  # noqa: BLE001 - the parent falls back to doing it itself
                status = 1
            finally:
                os._exit(status)
        os.close(write_fd)
        self._pid, self._fd, self.forked = pid, read_fd, True

    def result(self) -> Any:
        if self._result is _UNSET and self._error is None:
            if self._pid:
                self._collect()
            if self._result is _UNSET and self._error is None:
                self._compute_here()
        if self._error is not None:
            raise self._error
        return self._result

    def _compute_here(self) -> None:
        try:
            self._result = self._fn(*self._args)
        except Exception as exc:  # noqa: BLE001 - raised again by result()
            self._error = exc

    def _collect(self) -> None:
        chunks: list[bytes] = []
        complete = False
        deadline = time.monotonic() + self._timeout
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self._fd], [], [], left)[0]:
                    log.warning(
                        "the forked child took over %ss; the work is done in this process",
                        self._timeout,
                    )
                    break
                chunk = os.read(self._fd, 1 << 20)
                if not chunk:
                    complete = True
                    break
                chunks.append(chunk)
        finally:
            # Interrupted (a time limit's signal, say) or too slow: the child is killed.
            self._reap(kill=not complete)
        if not complete or not chunks:
            if complete:
                log.warning(
                    "the forked child ended without a result; the work is done in this process"
                )
            return
        try:
            ok, value = pickle.loads(b"".join(chunks))  # noqa: S301 - our own child's bytes
        except Exception:  # noqa: BLE001 - a truncated message: do the work here
            log.warning(
                "the forked child sent an unreadable result; the work is done in this process"
            )
            return
        if ok:
            self._result = value
        else:
            self._error = value

    def _reap(self, *, kill: bool) -> None:
        if not self._pid:
            return
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)
        os.close(self._fd)
        self._pid, self._fd = 0, -1

    def close(self) -> None:
        """Stops a child whose result was not asked for."""
        self._reap(kill=True)

    def __enter__(self) -> Aside:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
