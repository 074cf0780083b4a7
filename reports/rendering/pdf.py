"""HTML → PDF with WeasyPrint 70, behind a URL fetcher that fetches nothing from outside.

The only resources a bulletin needs are its charts; the stylesheet is inline. The fetcher
serves ``chart:<name>`` URLs from the ``resources`` function it is given (PNG bytes drawn by
``reports.rendering.charts``, see ``reports.rendering.context``) and ``data:`` URIs, and refuses everything else
(``file://``, ``http(s)://``, ``ftp://`` …) by raising: an ``<img src="file:///etc/passwd">``
or ``<img src="http://10.0.0.1/">`` that reached the HTML would render as nothing. User text is
escaped by the templates anyway, so such a tag never reaches the HTML in the first place."""

from __future__ import annotations

from collections.abc import Callable

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


class FetchRefused(ValueError):
    """A URL the bulletin renderer won't fetch."""


Resources = Callable[[str], bytes | None]


class SafeURLFetcher(URLFetcher):
    """A WeasyPrint fetcher that serves ``chart:`` names from ``resources`` (PNG bytes, or
    None for an unknown name) and ``data:`` URIs (decoded by urllib's DataHandler), nothing
    else: no network, no files."""

    def __init__(self, resources: Resources | None = None):
        super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=5)
        self._resources = resources

    def fetch(self, url, headers=None):
        if isinstance(url, str) and url[:6] == "chart:" and self._resources is not None:
            body = self._resources(url)
            if body is None:
                raise FetchRefused(f"no such chart: {url[:80]}")
            return URLFetcherResponse(url, body, {"Content-Type": "image/png"})
        if not isinstance(url, str) or not url[:5].lower() == "data:":
            raise FetchRefused(f"refused URL: {str(url)[:80]}")
        return super().fetch(url, headers)


def render_pdf(html: str, *, resources: Resources | None = None) -> tuple[bytes, int]:
    """(PDF bytes, page count). No base URL: relative links resolve to nothing. ``resources``
    serves the ``chart:`` URLs of the HTML."""
    fetcher = SafeURLFetcher(resources)
    document = HTML(string=html, url_fetcher=fetcher, base_url=None).render()
    return document.write_pdf(), len(document.pages)
