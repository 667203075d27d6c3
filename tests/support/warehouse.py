"""What the warehouse-source tests share: the team's column names, a configured table, the app database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from bot.context import AppContext
from core.config import load_settings
from core.cube import DATE, dimension_columns
from handlers.data_import import campaign_tokens
from storage.catalog_repo import upsert_campaigns, upsert_resources, upsert_segments
from storage.import_log import record_import
from storage.metrics_repo import upsert_metrics
from storage.migrate import upgrade
from storage.sources import WarehouseSource

END = dt.date(2026, 11, 20)
DAYS = 90
RENAMED = {DATE: "stat_date", "dau": "active_users", "revenue": "rev_yuan"}
MEASURE_MAPPING = "dau=active_users,revenue=rev_yuan"


@dataclass(frozen=True)
class Warehouse:
    kind: str
    url: str
    table: str
    dimensions: str

    def source(self, **overrides: object) -> WarehouseSource:
        options: dict[str, object] = {
            "table": self.table,
            "date_column": "stat_date",
            "dimensions": self.dimensions,
            "measures": MEASURE_MAPPING,
            **overrides,
        }
        url = str(options.pop("url", self.url))
        return WarehouseSource(url, **options)  # type: ignore[arg-type]

    def settings(self) -> dict[str, str]:
        return {
            "METRICS_SOURCE": self.url,
            "METRICS_TABLE": self.table,
            "METRICS_DATE_COLUMN": "stat_date",
            "METRICS_DIMENSIONS": self.dimensions,
            "METRICS_MEASURES": MEASURE_MAPPING,
        }


def app_database(tmp_path: Path, demo, *, with_cube: bool) -> str:
    """The product's own database: campaigns, segments, resources — and the cube only when embedded."""
    url = f"sqlite:///{tmp_path / ('embedded.db' if with_cube else 'app.db')}"
    engine = AppContext(load_settings(database_url=url)).engine
    upgrade(engine)
    rows = 0
    if with_cube:
        rows = upsert_metrics(engine, demo.metrics, dimension_columns(demo.metrics))
    upsert_segments(engine, demo.segments)
    upsert_campaigns(engine, demo.campaigns, campaign_tokens(demo.campaigns))
    upsert_resources(engine, demo.resources)
    record_import(engine, kind="demo", source="test", rows=rows)
    engine.dispose()
    return url


def context_for(database_url: str, warehouse: Warehouse | None = None, **overrides: object) -> AppContext:
    extra = {k.lower(): v for k, v in warehouse.settings().items()} if warehouse else {}
    return AppContext.from_environment(database_url=database_url, **{**extra, **overrides})
