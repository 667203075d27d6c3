"""Where the metric cube is read from: the embedded store (default) or a team's warehouse table.

``open_source(settings, engine)`` picks by ``METRICS_SOURCE``: empty means the embedded store that
``memberops import`` writes; a URL (``postgresql://``, ``mysql://``, ``mariadb://``, ``starrocks://``,
``doris://``) means the table ``METRICS_TABLE`` there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from storage.sources.base import CubeSource, DateRange, DayRows, SourceError
from storage.sources.embedded import EmbeddedSource
from storage.sources.warehouse import WarehouseSource

if TYPE_CHECKING:
    from core.config import Settings

__all__ = [
    "CubeSource",
    "DateRange",
    "DayRows",
    "EmbeddedSource",
    "SourceError",
    "WarehouseSource",
    "open_source",
]


def open_source(settings: Settings, engine: Engine) -> CubeSource:
    """The configured source; a malformed URL or measure mapping raises SourceError naming the setting.

    Nothing is connected here: the warehouse is reached (and its columns checked) on first use, so that a
    warehouse that is down at start-up does not keep the service from starting.
    """
    if settings.metrics_source is None or not settings.metrics_source.get_secret_value().strip():
        return EmbeddedSource(engine)
    return WarehouseSource(
        settings.metrics_source.get_secret_value(),
        table=settings.metrics_table or "",
        date_column=settings.metrics_date_column,
        dimensions=settings.metrics_dimensions,
        measures=settings.metrics_measures,
        timeout_s=settings.metrics_query_timeout_s,
        refresh_s=settings.metrics_refresh_s,
    )
