"""The page version draws a bulletin's charts once per distinct content, not on every view."""

import datetime

import pytest
from django.core.cache import cache

from reports.models import Bulletin
from reports.rendering import charts
from reports.rendering import context as build

pytestmark = pytest.mark.django_db


def test_charts_are_drawn_once_per_content(monkeypatch):
    cache.clear()
    drawn = []

    def fake_charts_for(content):
        drawn.append(content)
        return {"exams": {}, "inspections": None}

    monkeypatch.setattr(charts, "charts_for", fake_charts_for)
    bulletin = Bulletin.objects.create(
        period=datetime.date(2026, 10, 1),
        year=2026,
        number=10,
        title="简报",
        content={"exams": [], "period": "2026-10"},
    )
    build.bulletin_context(bulletin)
    build.bulletin_context(bulletin)
    assert len(drawn) == 1
    bulletin.content = {"exams": [], "period": "2026-10", "visits": 3}
    build.bulletin_context(bulletin)
    assert len(drawn) == 2
    build.bulletin_context(bulletin, charts=False)
    assert len(drawn) == 2
