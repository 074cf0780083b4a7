"""reports.rendering.aside.Aside: work done by a forked child, with the parent as the fallback."""

import os
import time

import pytest

from reports.rendering.aside import Aside

PARENT = os.getpid()


def whose_pid():
    return os.getpid()


def fails():
    raise ValueError("字体缺失")


def dies_in_the_child():
    if os.getpid() != PARENT:
        os._exit(3)
    return "done here"


def hangs_in_the_child():
    if os.getpid() != PARENT:
        time.sleep(60)
    return "done here"


def big():
    return {"chart": b"\x89PNG" + bytes(range(256)) * 4096}  # 1 MiB: more than a pipe holds


def test_the_work_is_done_by_a_child():
    with Aside(whose_pid) as aside:
        assert aside.forked
        child = aside.result()
    assert child != PARENT
    assert aside.result() == child  # asked again: the same answer, no second child


def test_a_result_larger_than_the_pipe_arrives_whole():
    with Aside(big) as aside:
        assert aside.result() == big()


def test_what_the_work_raises_is_raised_by_result():
    with Aside(fails) as aside, pytest.raises(ValueError, match="字体缺失"):
        aside.result()


def test_a_child_that_dies_leaves_the_work_to_the_parent(caplog):
    with Aside(dies_in_the_child) as aside:
        assert aside.result() == "done here"
    assert "ended without a result; the work is done in this process" in caplog.text


def test_a_child_that_takes_too_long_is_killed_and_the_parent_does_the_work(caplog):
    started = time.monotonic()
    with Aside(hangs_in_the_child, timeout=0.5) as aside:
        child = aside._pid
        assert aside.result() == "done here"
    assert time.monotonic() - started < 10
    assert "took over 0.5s; the work is done in this process" in caplog.text
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # killed and reaped: no child left behind


def test_a_result_not_asked_for_leaves_no_child_behind():
    with Aside(hangs_in_the_child) as aside:
        child = aside._pid
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)


def test_without_fork_the_parent_does_the_work(monkeypatch):
    monkeypatch.delattr(os, "fork")
    aside = Aside(whose_pid)
    assert not aside.forked
    assert aside.result() == PARENT


def test_asked_not_to_fork_the_parent_does_the_work():
    aside = Aside(whose_pid, fork=False)
    assert not aside.forked
    assert aside.result() == PARENT
