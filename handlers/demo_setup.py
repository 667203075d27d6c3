"""``memberops init --demo``: generate the deterministic demo data and load it, ground truth beside it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.engine import Engine

from core.calendar import ChineseCalendar
from core.cube import dimension_columns
from core.demo import DemoConfig, generate_demo
from handlers.data_import import campaign_tokens
from storage.catalog_repo import upsert_campaigns, upsert_resources, upsert_segments
from storage.import_log import record_import
from storage.metrics_repo import date_range, upsert_metrics

GROUND_TRUTH_FILE = "demo_ground_truth.json"
CAMPAIGN_EFFECTS_FILE = (
    "demo_campaign_effects.json"  # what each campaign really did (core.demo.campaign_effects)
)


class DemoSummary(BaseModel):
    loaded: bool
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    fact_rows: int = 0
    segments: int = 0
    campaigns: int = 0
    resources: int = 0
    anomalies: int = 0
    ground_truth_file: str | None = None
    campaign_effects_file: str | None = None


def database_is_empty(engine: Engine) -> bool:
    return date_range(engine)[2] == 0


def load_demo(
    engine: Engine,
    *,
    end: dt.date,
    days: int,
    seed: int,
    data_dir: Path,
    calendar: ChineseCalendar,
    force: bool = False,
    campaign_effects: bool = True,
) -> DemoSummary:
    """Load the demo unless data is already there (``force`` replaces the cube); ``campaign_effects``: the
    cube carries what each campaign really did (``core.demo.campaign_effects``), written beside the truth."""
    if not force and not database_is_empty(engine):
        first, last, rows = date_range(engine)
        return DemoSummary(loaded=False, first_day=first, last_day=last, fact_rows=rows)
    config = DemoConfig(campaign_effects=campaign_effects)
    demo = generate_demo(end=end, days=days, seed=seed, calendar=calendar, config=config)
    rows = upsert_metrics(engine, demo.metrics, dimension_columns(demo.metrics), replace=True)
    upsert_segments(engine, demo.segments)
    upsert_campaigns(engine, demo.campaigns, campaign_tokens(demo.campaigns))
    upsert_resources(engine, demo.resources)
    record_import(engine, kind="demo", source=f"demo seed={seed} days={days} end={end}", rows=rows)
    data_dir.mkdir(parents=True, exist_ok=True)
    truth = data_dir / GROUND_TRUTH_FILE
    truth.write_text(demo.ground_truth_json(), encoding="utf-8")
    effects = data_dir / CAMPAIGN_EFFECTS_FILE
    effects.unlink(missing_ok=True)  # a demo without effects leaves no stale truth of an earlier one
    if demo.campaign_effects:
        effects.write_text(demo.campaign_effects_json(), encoding="utf-8")
    first, last, _ = date_range(engine)
    return DemoSummary(
        loaded=True,
        first_day=first,
        last_day=last,
        fact_rows=rows,
        segments=len(demo.segments),
        campaigns=len(demo.campaigns),
        resources=len(demo.resources),
        anomalies=sum(1 for event in demo.ground_truth if not event.benign),
        ground_truth_file=str(truth),
        campaign_effects_file=str(effects) if demo.campaign_effects else None,
    )
