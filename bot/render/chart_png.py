"""A card's chart as a PNG (matplotlib, Agg backend): trend with its expected band, bars, forecast.

Chinese labels need a CJK font: :func:`bot.render.chart_font.chart_font` finds one (or the team's
``CHART_FONT_FILE``); without one the chart is still drawn (CJK glyphs show as boxes) and ``/healthz`` says so.
"""

from __future__ import annotations

import io
import logging
import math
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from bot.render.chart_font import chart_font
from handlers.card import Chart, ChartSeries

logger = logging.getLogger(__name__)


def _values(values: list[float | None]) -> list[float]:
    return [math.nan if v is None else v for v in values]


def _draw_series(axes: plt.Axes, kind: str, series: ChartSeries, offset: float, width: float) -> None:
    positions = [i + offset for i in range(len(series.x))]
    if kind == "bar":
        axes.bar(positions, _values(series.y), width=width, label=series.name)
        return
    line = axes.plot(range(len(series.x)), _values(series.y), label=series.name, linewidth=1.6)[0]
    if series.lower is not None and series.upper is not None:
        axes.fill_between(
            range(len(series.x)),
            _values(series.lower),
            _values(series.upper),
            color=line.get_color(),
            alpha=0.18,
            linewidth=0,
        )
    marked = [i for i in series.highlight if 0 <= i < len(series.y) and series.y[i] is not None]
    if marked:
        axes.scatter(marked, [series.y[i] for i in marked], color="#d62728", zorder=3, s=28)


def render_chart_png(chart: Chart, *, width_in: float = 8.0, height_in: float = 4.0, dpi: int = 110) -> bytes:
    """PNG bytes of ``chart``; x labels are thinned to about 10 so dates stay readable."""
    family = chart_font().family
    rc = {"font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"], "axes.unicode_minus": False}
    with plt.rc_context(rc), warnings.catch_warnings():
        if family is None:  # already warned once: one line in the log, not one per missing glyph
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        if chart.kind == "panel":
            return _panel_png(chart, width_in, height_in * 1.6, dpi)
        figure, axes = plt.subplots(figsize=(width_in, height_in), dpi=dpi)
        try:
            count = max((len(s.x) for s in chart.series), default=0)
            width = 0.8 / max(len(chart.series), 1)
            for index, series in enumerate(chart.series):
                _draw_series(axes, chart.kind, series, (index - (len(chart.series) - 1) / 2) * width, width)
            labels = chart.series[0].x if chart.series else []
            step = max(1, math.ceil(count / 10))
            axes.set_xticks(range(0, len(labels), step), labels[::step], rotation=30, ha="right", fontsize=8)
            axes.set_title(chart.title)
            if chart.y_label:
                axes.set_ylabel(chart.y_label)
            if len(chart.series) > 1:
                axes.legend(fontsize=8)
            axes.grid(alpha=0.3)
            return _png(figure)
        finally:
            plt.close(figure)


def _panel_png(chart: Chart, width_in: float, height_in: float, dpi: int) -> bytes:
    """Small multiples: each series in its own panel (two a row) with its band and marked days."""
    rows = max(1, math.ceil(len(chart.series) / 2))
    figure, grid = plt.subplots(rows, 2, figsize=(width_in, height_in), dpi=dpi, squeeze=False)
    try:
        for axes, series in zip(grid.flat, chart.series, strict=False):
            _draw_series(axes, "trend", series, 0.0, 0.8)
            step = max(1, math.ceil(len(series.x) / 4))
            axes.set_xticks(range(0, len(series.x), step), [x[5:] for x in series.x[::step]], fontsize=7)
            axes.set_title(series.name, fontsize=9)
            axes.grid(alpha=0.3)
        for axes in list(grid.flat)[len(chart.series) :]:
            axes.set_visible(False)
        figure.suptitle(chart.title, fontsize=10)
        return _png(figure)
    finally:
        plt.close(figure)


def _png(figure: plt.Figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
