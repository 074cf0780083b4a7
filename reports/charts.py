"""Charts of a bulletin: matplotlib (Agg) drawn from ``Bulletin.content``, returned as
``data:`` URIs that the PDF template embeds (the only URLs the PDF renderer's fetcher accepts).

PNG at 200 dpi by default; ``CHART_FORMAT = "svg"`` gives SVG with the text as paths
(``svg.fonttype = "path"``; with ``"none"`` WeasyPrint's own SVG renderer would have to find
the CJK font for ``<text>`` elements). Either way the text is drawn by matplotlib with Noto Sans
CJK SC, looked up by name through ``matplotlib.font_manager``; a missing font is an error, not
boxes of tofu.
"""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402
from matplotlib import font_manager  # noqa: E402

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
        "svg.fonttype": "path",
        "svg.hashsalt": "tizhi-bulletin",  # stable element ids: the same chart, the same SVG
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#888888",
    }


# "png" (PNG_DPI) or "svg" (text as paths). Both render correctly in WeasyPrint; PNG is the
# default because WeasyPrint draws an SVG of glyph paths node by node, which cost about 1.5 s
# more per county bulletin (docs/bulletins.md, "Charts").
CHART_FORMAT = "png"
PNG_DPI = 200


def _data_uri(fig) -> str:
    out = io.BytesIO()
    try:
        if CHART_FORMAT == "png":
            fig.savefig(out, format="png", dpi=PNG_DPI, metadata={"Software": None})
            mime = "image/png"
        else:
            fig.savefig(out, format="svg", metadata={"Date": None})
            mime = "image/svg+xml"
    finally:
        plt.close(fig)
    return f"data:{mime};base64," + base64.b64encode(out.getvalue()).decode("ascii")


def composite_chart(schools: list[dict]) -> str | None:
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
        ax.set_yticks(range(len(values)), names, fontsize=label_size)
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
        return _data_uri(fig)


def inspection_chart(section: dict) -> str | None:
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
        return _data_uri(fig)


def charts_for(content: dict) -> dict:
    """{"exams": {exam code: uri}, "inspections": uri or None}."""
    return {
        "exams": {
            exam["code"]: composite_chart(exam.get("schools") or [])
            for exam in content.get("exams") or []
        },
        "inspections": inspection_chart(content.get("inspections") or {}),
    }
