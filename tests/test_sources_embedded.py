"""The embedded store behind the same reader interface as a warehouse: the same scan either way."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from core.calendar import ChineseCalendar
from core.cube import dimension_columns
from core.cube_reader import FrameReader
from core.demo import generate_demo
from core.detection import scan
from storage.db import make_engine
from storage.metrics_repo import upsert_metrics
from storage.migrate import upgrade
from storage.sources import EmbeddedSource
from storage.sources.reader import SourceReader
from tests.support.rounding import rounded

END = dt.date(2026, 11, 20)


def test_a_reader_over_the_embedded_source_scans_like_the_frame(tmp_path: Path) -> None:
    demo = generate_demo(end=END, days=80, seed=5, calendar=ChineseCalendar())
    engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")
    upgrade(engine)
    upsert_metrics(engine, demo.metrics, dimension_columns(demo.metrics))
    source = EmbeddedSource(engine)
    reader, frame = SourceReader(source), FrameReader(demo.metrics)
    calendar = ChineseCalendar()
    days = [END - dt.timedelta(days=i) for i in range(10)]

    via_source = scan(reader, days, calendar=calendar).model_dump(mode="json")
    via_frame = scan(frame, days, calendar=calendar).model_dump(mode="json")
    assert via_source["alerts"] and rounded(via_source) == rounded(via_frame)  # DuckDB adds in its own order
    assert reader.dimension_values() == frame.dimension_values()
    scope = {"platform": "TV", "content_type": "家庭剧"}
    pd.testing.assert_frame_equal(reader.daily(scope, END), frame.daily(scope, END), rtol=1e-12)
    assert source.rows_read > 0
