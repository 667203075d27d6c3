"""Chart pictures: one plot, and the small multiples of ``/kpi`` (kind ``panel``: one small chart per series)."""

from __future__ import annotations

import io

from PIL import Image

from bot.render.chart_png import render_chart_png
from handlers.card import Chart, ChartSeries


def series(name: str, level: float) -> ChartSeries:
    x = [f"2026-11-{d:02d}" for d in range(1, 29)]
    y = [level * (1 + 0.01 * (i % 7)) for i in range(28)]
    return ChartSeries(
        name=name, x=x, y=y, lower=[v * 0.97 for v in y], upper=[v * 1.03 for v in y], highlight=[27]
    )


def test_a_panel_draws_each_series_in_its_own_small_chart() -> None:
    four = [series("DAU", 4e6), series("Revenue", 1.7e6), series("ARPU", 0.42), series("Conversion", 0.011)]
    panel = Image.open(io.BytesIO(render_chart_png(Chart(kind="panel", title="Last 28 days", series=four))))
    single = Image.open(io.BytesIO(render_chart_png(Chart(kind="trend", title="Last 28 days", series=four))))
    assert panel.format == "PNG" and single.format == "PNG"
    assert panel.size[1] > single.size[1]  # two rows of small charts, taller than one plot
    three = Image.open(io.BytesIO(render_chart_png(Chart(kind="panel", title="t", series=four[:3]))))
    assert three.size == panel.size  # an odd count leaves the last panel empty, same picture size
