"""Memory stays bounded across many renders: the build task collects after each PDF, so a
worker that renders bulletin after bulletin does not grow (and Celery replaces a child process
after CELERY_WORKER_MAX_TASKS_PER_CHILD tasks or CELERY_WORKER_MAX_MEMORY_PER_CHILD KiB)."""

import os

import pytest

from reports import tasks
from reports.services.bulletins import bulletin_get_or_create

from .world import PERIOD, build_world

pytestmark = pytest.mark.django_db


def rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux /proc")
def test_repeated_builds_do_not_grow_the_process(school, other_school, staff, inspector):
    build_world(school, other_school, staff, inspector)
    bulletin = bulletin_get_or_create(period=PERIOD)
    for _ in range(2):  # warm-up: fonts, matplotlib, WeasyPrint caches
        tasks.build_bulletin(bulletin.pk)
    before = rss_mib()
    for _ in range(5):
        tasks.build_bulletin(bulletin.pk)
    bulletin.refresh_from_db()
    assert bulletin.build_status == "done", bulletin.build_error
    # A leak of a rendered document (a few MiB each) would show as tens of MiB here.
    grown = rss_mib() - before
    assert grown < 25, f"grew {grown:.1f} MiB over 5 builds"
