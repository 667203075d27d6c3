"""Charts read on a fresh machine: a CJK font is found (``make install`` installs one where it may; CI
does), the chart's Chinese labels are drawn with real glyphs, a bad CHART_FONT_FILE is said and passed
over, and /healthz names the font or why there is none."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from bot.render.chart_font import INSTALL_HINT, chart_font, configure_font_file, covers
from bot.render.chart_png import render_chart_png
from handlers.card import Chart, ChartSeries

LABELS = ["家庭向高活跃", "动漫偏好活跃", "新用户试看"]
CHART = Chart(
    kind="bar", title="边现 · 按人群 · 本周", series=[ChartSeries(name="边现", x=LABELS, y=[0.5, 0.4, 0.2])]
)


@pytest.fixture(autouse=True)
def fresh_font() -> Iterator[None]:
    configure_font_file(None)
    yield
    configure_font_file(None)


def glyph(path: str, char: str) -> np.ndarray:
    font = FT2Font(path)
    font.set_size(32, 72)
    font.set_text(char)
    font.draw_glyphs_to_bitmap()
    return np.asarray(font.get_image())


def test_a_cjk_font_is_found_and_its_glyphs_are_real() -> None:
    font = chart_font()
    assert font.cjk, f"no CJK font on this machine: {INSTALL_HINT} (make install does where it can)"
    assert font.file is not None and covers(font.file, "".join(LABELS) + CHART.title.replace(" · ", ""))
    first, second = glyph(font.file, "边"), glyph(font.file, "现")
    assert first.any() and second.any() and not np.array_equal(first, second)  # two real, different glyphs


def test_a_latin_font_draws_the_same_box_for_every_chinese_character() -> None:
    """What the check above catches: without the glyphs both characters are the same .notdef box."""
    dejavu = font_manager.findfont("DejaVu Sans")
    assert not covers(dejavu)
    with pytest.warns(UserWarning, match="missing from font"):  # what matplotlib says when it draws a box
        assert np.array_equal(glyph(dejavu, "边"), glyph(dejavu, "现"))


def test_rendering_the_chart_misses_no_glyph() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = render_chart_png(CHART)
    assert png.startswith(b"\x89PNG")
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert missing == []


def test_a_bad_chart_font_file_is_said_and_passed_over(tmp_path: Path) -> None:
    fake = tmp_path / "font.ttf"
    fake.write_text("not a font")
    configure_font_file(str(fake))
    font = chart_font()
    assert font.cjk and font.source != "CHART_FONT_FILE"
    assert font.reason is not None and "is not a font file with Chinese glyphs" in font.reason


def test_a_named_chart_font_file_is_used() -> None:
    found = chart_font().file
    assert found is not None
    configure_font_file(found)
    assert chart_font().source == "CHART_FONT_FILE" and chart_font().file == found


def test_healthz_names_the_font(tmp_path: Path) -> None:
    from bot.context import AppContext
    from bot.http_app import create_app
    from core.config import load_settings
    from storage.migrate import upgrade
    from tests.fakes.slack_api import ServerThread

    context = AppContext(load_settings(database_url=f"sqlite:///{tmp_path / 'h.db'}"))
    upgrade(context.engine)
    with ServerThread(create_app(context)) as server:
        body = httpx.get(f"{server.url}/healthz").json()
    assert body["chart_font"]["cjk"] is True and body["chart_font"]["family"]
