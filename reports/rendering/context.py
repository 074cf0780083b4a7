"""Rendering a bulletin: the context of its sections, the HTML that becomes the PDF, and its
charts (drawn once per distinct content, cached). No service is imported here: building,
numbering and publishing are ``reports.services.bulletins``'s."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from reports.models import Bulletin


def css_string(text: str) -> str:
    """``text`` safe inside a double-quoted CSS string in a ``<style>`` element."""
    out = []
    for ch in str(text):
        if ch in '\\"<>&' or ord(ch) < 0x20:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return "".join(out)


def issue_label(bulletin: Bulletin) -> str:
    return _("%(year)s年第%(number)s期") % {"year": bulletin.year, "number": bulletin.number}


def bulletin_context(bulletin: Bulletin, *, charts: bool = True) -> dict:
    """What ``reports/_sections.html`` needs (the site can include it with this context):
    ``title`` (student names masked), ``content``, ``exams`` (content's exams, each with its ``chart`` as a ``data:`` URI or
    None), ``charts``, ``news_paragraphs`` and ``example_paragraphs`` (split on blank lines,
    student names masked; the template escapes them). ``charts=False`` skips drawing (e.g. for
    a quick HTML view)."""
    from reports.rendering.charts import data_uri

    content = bulletin.content or {}
    drawn = _charts(content) if charts else {"exams": {}, "inspections": None}
    sources = {
        "exams": {code: data_uri(png) for code, png in drawn["exams"].items()},
        "inspections": data_uri(drawn["inspections"]),
    }
    return _sections_context(bulletin, sources)


def _sections_context(bulletin: Bulletin, sources: dict) -> dict:
    """The context of ``reports/_sections.html`` with the given ``src`` of each chart
    ({"exams": {code: src}, "inspections": src or None})."""
    from reports.rendering.sections import mask_students, student_names

    content = bulletin.content or {}
    names = (
        student_names() if (bulletin.title or bulletin.news or bulletin.examples) else frozenset()
    )
    return {
        "bulletin": bulletin,
        "title": mask_students(bulletin.title, names),
        "content": content,
        "exams": [
            {**exam, "chart": sources["exams"].get(exam.get("code"))}
            for exam in content.get("exams") or []
        ],
        "charts": sources,
        "news_paragraphs": paragraphs(mask_students(bulletin.news, names)),
        "example_paragraphs": paragraphs(mask_students(bulletin.examples, names)),
    }


CHARTS_CACHE_SECONDS = 7 * 24 * 3600


def _chart_key(content: dict) -> str:
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
    return f"bulletin-charts:{CHART_CACHE_VERSION}:{digest}"


def _charts(content: dict) -> dict:
    """The content's charts (PNG bytes), drawn once per distinct content (the page version of
    a bulletin is opened far more often than it is built; drawing costs about half a second)."""
    return PendingCharts(content, aside=False).drawn()


class PendingCharts:
    """The content's charts: from the cache when drawn before, else drawn — for the PDF by a
    forked child (``reports.rendering.aside``, ``aside=True``) while the HTML is written and parsed, else
    here when first asked for — and cached. ``get(name)`` is the PDF fetcher's way to them;
    ``error`` is what drawing raised, if anything."""

    def __init__(self, content: dict, *, aside: bool = True):
        from reports.rendering.aside import Aside
        from reports.rendering.charts import charts_for

        self.content = content
        self._key = _chart_key(content)
        self._drawn = cache.get(self._key)
        self._aside = None
        if self._drawn is None:
            self._aside = Aside(charts_for, content, fork=aside)
        self._by_name: dict[str, bytes] | None = None
        self.error: Exception | None = None

    def drawn(self) -> dict:
        """``charts_for``'s result; raises what drawing raised."""
        if self._drawn is None:
            self._drawn = self._aside.result()
            cache.set(self._key, self._drawn, CHARTS_CACHE_SECONDS)
        return self._drawn

    def get(self, name: str) -> bytes | None:
        from reports.rendering.charts import by_name

        if self._by_name is None:
            try:
                drawn = self.drawn()
            except Exception as exc:  # noqa: BLE001 - bulletin_build reports it
                self.error = exc
                drawn = {"exams": {}, "inspections": None}
            self._by_name = by_name(self.content, drawn)
        return self._by_name.get(name)

    def close(self) -> None:
        if self._aside is not None:
            self._aside.close()


# Bump when the charts' look changes, so that cached drawings are not reused.
CHART_CACHE_VERSION = 3


def render_html(bulletin: Bulletin, *, charts: dict | None = None) -> str:
    """The HTML that WeasyPrint turns into the PDF (sections from ``bulletin.content``).

    ``charts``: the ``src`` of each chart in the shape of ``reports.rendering.charts.chart_names``
    (``chart:`` names, served by the PDF fetcher); by default the charts are drawn (or taken
    from the cache) and embedded as ``data:`` URIs, so that the HTML stands alone."""
    bureau = settings.TIZHI_BUREAU_NAME
    label = issue_label(bulletin)
    issued = (
        timezone.localtime(bulletin.published_at).date()
        if bulletin.published_at
        else timezone.localdate()
    )
    header = _("%(bureau)s 聚力提质简报 %(issue)s") % {
        "bureau": bureau,
        "issue": _("第%(number)s期") % {"number": bulletin.number},
    }
    return render_to_string(
        "reports/pdf/bulletin.html",
        {
            **(
                bulletin_context(bulletin)
                if charts is None
                else _sections_context(bulletin, charts)
            ),
            "bureau_name": bureau,
            "issue_label": label,
            "issued_on": _("%(y)s年%(m)s月%(d)s日")
            % {"y": issued.year, "m": issued.month, "d": issued.day},
            # Inside <style>: CSS-escaped, not HTML-escaped (a style element is raw text).
            "running_header": mark_safe(css_string(header)),  # noqa: S308 - escaped above
        },
    )


def paragraphs(text: str) -> list[str]:
    """Free text split on blank lines; single line breaks kept inside a paragraph."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    parts = []
    block: list[str] = []
    for line in text.split("\n"):
        if line.strip():
            block.append(line.strip())
        elif block:
            parts.append("\n".join(block))
            block = []
    if block:
        parts.append("\n".join(block))
    return parts
