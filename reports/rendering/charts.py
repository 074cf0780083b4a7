"""Charts of a bulletin: matplotlib (Agg) drawn from ``Bulletin.content`` as opaque PNG
(RGB, 200 dpi), returned as bytes. The site embeds them as ``data:`` URIs (``data_uri``); the
PDF renderer gets them through its URL fetcher under ``chart:`` names (``chart_names``).

The text is drawn by matplotlib with Noto Sans CJK SC, looked up by name through
``matplotlib.font_manager``; a missing font is an error, not boxes of tofu. Why PNG and not
SVG: docs/bulletins.md, "Charts".
"""

from __future__ import annotations

import base64
import io

import matplotlib
import numpy as np
from PIL import Image

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import NullLocator  # noqa: E402
from matplotlib.transforms import blended_transform_factory  # noqa: E402

FONT_FAMILY = "Noto Sans CJK SC"
BAR = "#2f6fb0"
ACCENT = "#c0392b"
GRID = "#d9d9d9"


class ChartFontMissing(RuntimeError):
    pass


def cjk_font_path() -> str:
    """The file of Noto Sans CJK SC (e.g. /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc).
    Raises ChartFontMissing when it is not installed (``apt-get install fonts-noto-cjk``)."""
    try:
        return font_manager.findfont(
            font_manager.FontProperties(family=FONT_FAMILY), fallback_to_default=False
        )
    except ValueError as exc:
        raise ChartFontMissing(
            _("字体 %(font)s 未安装（apt-get install fonts-noto-cjk），无法绘制图表")
            % {"font": FONT_FAMILY}
        ) from exc


def _style() -> dict:
    cjk_font_path()
    return {
        "font.family": [FONT_FAMILY],
        "font.size": 8,
        "axes.unicode_minus": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#888888",
    }


PNG_DPI = 150


def _png(fig) -> bytes:
    """The figure as an opaque RGB PNG. Without an alpha channel WeasyPrint embeds it with one
    image stream instead of splitting off a soft mask (one PNG encoding less per chart)."""
    try:
        fig.set_dpi(PNG_DPI)
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba())[:, :, :3]
        out = io.BytesIO()
        # zlib level 1: WeasyPrint decodes and re-encodes every PNG it embeds anyway.
        Image.fromarray(pixels, "RGB").save(
            out, format="PNG", dpi=(PNG_DPI, PNG_DPI), compress_level=1
        )
    finally:
        plt.close(fig)
    return out.getvalue()


def data_uri(png: bytes | None) -> str | None:
    """A chart as a ``data:`` URI for an ``<img>`` of the site."""
    if png is None:
        return None
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def composite_chart(schools: list[dict]) -> bytes | None:
    """Horizontal bars of the composite index of each ranked school, best on top."""
    rows = [s for s in schools if s.get("composite") is not None]
    if not rows:
        return None
    rows = sorted(rows, key=lambda s: (s["rank"] is None, s["rank"] or 0))
    names = [s["name"] for s in rows][::-1]
    values = [s["composite"] for s in rows][::-1]
    mean = sum(values) / len(values)
    height = min(9.0, 0.9 + 0.17 * len(rows))
    label_size = 7 if len(rows) > 25 else 8
    # Margins by hand: bbox_inches="tight" or a layout engine would lay all text out twice.
    label_inches = max(len(n) for n in names) * label_size / 72 + 0.15
    width = 6.3
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(width, height))
        fig.subplots_adjust(
            left=min(0.5, label_inches / width),
            right=0.97,
            top=1 - 0.15 / height,
            bottom=0.55 / height,
        )
        ax.barh(range(len(values)), values, color=BAR, height=0.7)
        # The schools' names as plain text left of the axis, not as tick labels: a matplotlib
        # tick is five artists (two marks, two labels, a grid line), a name is one.
        ax.yaxis.set_major_locator(NullLocator())
        names_at = blended_transform_factory(ax.transAxes, ax.transData)
        for y, name in enumerate(names):
            ax.text(
                -0.012, y, name, transform=names_at, ha="right", va="center", fontsize=label_size
            )
        ax.axvline(
            mean,
            color=ACCENT,
            linewidth=0.8,
            linestyle="--",
            label=_("各校平均 %(mean).1f") % {"mean": mean},
        )
        ax.legend(loc="lower right", fontsize=7, frameon=True, framealpha=0.9)
        ax.set_xlabel(_("综合指数"))
        ax.set_ylim(-0.6, len(values) - 0.4)
        ax.grid(axis="x", color=GRID, linewidth=0.5)
        ax.set_axisbelow(True)
        return _png(fig)


def inspection_chart(section: dict) -> bytes | None:
    """Visits by kind and the distribution of checklist percentages, side by side."""
    if not section or not section.get("visits"):
        return None
    kinds = section["by_kind"]
    bands = section["score_bands"]
    with plt.rc_context(_style()):
        fig, (left, right) = plt.subplots(1, 2, figsize=(6.3, 2.4))
        left.bar([k["label"] for k in kinds], [k["count"] for k in kinds], color=BAR, width=0.6)
        left.set_title(_("按督导类型"), fontsize=9)
        right.bar([b["label"] for b in bands], [b["count"] for b in bands], color=BAR, width=0.6)
        right.set_title(_("督导得分率分布"), fontsize=9)
        for ax, counts in ((left, kinds), (right, bands)):
            ax.grid(axis="y", color=GRID, linewidth=0.5)
            ax.set_axisbelow(True)
            ax.yaxis.get_major_locator().set_params(integer=True)
            ax.tick_params(axis="x", labelsize=7)
            for i, item in enumerate(counts):
                if item["count"]:
                    ax.text(i, item["count"], str(item["count"]), ha="center", va="bottom")
            ax.set_ylabel(_("次数"))
            ax.set_ylim(0, max([1, *(item["count"] for item in counts)]) * 1.18)
        fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.14, wspace=0.28)
        return _png(fig)


def _ranked(schools: list[dict]) -> bool:
    return any(s.get("composite") is not None for s in schools or [])


def chart_names(content: dict) -> dict:
    """The charts ``charts_for`` will draw for this content, each under a ``chart:`` name,
    in the same shape: known before drawing, so that the PDF's HTML can be written (and
    parsed) while the charts are drawn elsewhere (``reports.rendering.aside``)."""
    return {
        "exams": {
            exam["code"]: f"chart:exam-{i}"
            for i, exam in enumerate(content.get("exams") or [])
            if _ranked(exam.get("schools"))
        },
        "inspections": (
            "chart:inspections" if (content.get("inspections") or {}).get("visits") else None
        ),
    }


def charts_for(content: dict) -> dict:
    """{"exams": {exam code: PNG bytes}, "inspections": PNG bytes or None}, one chart for each
    name of ``chart_names``."""
    names = chart_names(content)
    return {
        "exams": {
            exam["code"]: composite_chart(exam.get("schools") or [])
            for exam in content.get("exams") or []
            if exam["code"] in names["exams"]
        },
        "inspections": inspection_chart(content.get("inspections") or {})
        if names["inspections"]
        else None,
    }


def by_name(content: dict, drawn: dict) -> dict[str, bytes]:
    """{chart name: PNG bytes} of ``charts_for``'s result, for the PDF renderer's fetcher."""
    names = chart_names(content)
    found = {names["exams"][code]: png for code, png in drawn["exams"].items() if png}
    if names["inspections"] and drawn.get("inspections"):
        found[names["inspections"]] = drawn["inspections"]
    return found
