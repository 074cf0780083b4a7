"""HTML → PDF with WeasyPrint 70, behind a URL fetcher that fetches nothing from outside.

The only resources a bulletin needs are the charts, which ``reports.charts`` embeds as
``data:`` URIs; the stylesheet is inline. So the fetcher allows ``data:`` and refuses everything
else (``file://``, ``http(s)://``, ``ftp://`` …) by raising: an ``<img src="file:///etc/passwd">``
or ``<img src="http://10.0.0.1/">`` that reached the HTML would render as nothing. User text is
escaped by the templates anyway, so such a tag never reaches the HTML in the first place."""

from __future__ import annotations

from weasyprint import HTML
from weasyprint.urls import URLFetcher


class FetchRefused(ValueError):
    """A URL the bulletin renderer won't fetch."""


class SafeURLFetcher(URLFetcher):
    """A WeasyPrint fetcher that serves ``data:`` URIs only (decoded by urllib's DataHandler,
    no network, no files)."""

    def __init__(self):
        super().__init__(allowed_protocols=("data",), allow_redirects=False, timeout=5)

    def fetch(self, url, headers=None):
        if not isinstance(url, str) or not url[:5].lower() == "data:":
            raise FetchRefused(f"refused URL: {str(url)[:80]}")
        return super().fetch(url, headers)


def render_pdf(html: str) -> tuple[bytes, int]:
    """(PDF bytes, page count). No base URL: relative links resolve to nothing."""
    document = HTML(string=html, url_fetcher=SafeURLFetcher(), base_url=None).render()
    return document.write_pdf(), len(document.pages)
