"""``generate_demo``: the whole deterministic demo dataset (cube, segments, campaigns, resources, truth).

Order of work, chosen so that a seed fixes every random draw whatever events are injected:

1. the calendar frame for the date range and the catalog's leaf table (no randomness);
2. the base cube from the first child generator of ``default_rng(seed)`` (:mod:`core.demo.cube`);
3. the events (the default scenario depends only on the dates) scale the cube in place;
4. campaigns from the second child generator, whose true effects then scale their target segments
   (:mod:`core.demo.campaign_effects`); resources and segment summaries from the catalog and cube.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.calendar import ChineseCalendar
from core.cube import DATE, MEASURES
from core.demo.campaign_effects import CampaignEffect, apply_campaign_effects, effects_to_json
from core.demo.campaigns import generate_campaigns
from core.demo.catalog import (
    DIMENSIONS,
    RESOURCES,
    SEGMENT,
    SEGMENTS,
    content_preference_text,
    leaf_table,
)
from core.demo.cube import BaseCube, NoiseLevels, build_base_cube
from core.demo.events import InjectedEvent, events_to_json
from core.demo.injections import apply_events
from core.demo.scenarios import default_scenario

METRIC_COLUMNS: tuple[str, ...] = (DATE, *DIMENSIONS, *MEASURES)
SEGMENT_COLUMNS: tuple[str, ...] = (
    "segment", "active_level", "membership_status", "size", "content_preference", "avg_watch_minutes",
    "price_sensitivity", "historical_cvr", "avg_arpu_contribution",
)  # fmt: skip
RESOURCE_COLUMNS: tuple[str, ...] = ("position", "max_capacity", "cost_per_10k", "elasticity")


@dataclass(frozen=True)
class DemoConfig:
    """Knobs of the generator that the public signature does not expose (the defaults are the demo)."""

    campaigns: int = 36
    # the cube carries each campaign's true effect on its target segment (the product's demo, `memberops
    # init --demo`, turns it on; benches and tests say which cube they measure)
    campaign_effects: bool = False
    noise: NoiseLevels = field(default_factory=NoiseLevels)


@dataclass
class DemoDataset:
    """The demo data: the metric cube, the catalog tables and the injected ground truth."""

    metrics: pd.DataFrame
    segments: pd.DataFrame
    campaigns: pd.DataFrame
    resources: pd.DataFrame
    ground_truth: list[InjectedEvent]
    campaign_effects: list[CampaignEffect] = field(default_factory=list)

    def ground_truth_json(self) -> str:
        return events_to_json(self.ground_truth)

    def campaign_effects_json(self) -> str:
        return effects_to_json(self.campaign_effects)

    def write(self, directory: Path) -> dict[str, Path]:
        """Write ``metrics.csv``, ``segments.csv``, ``campaigns.csv``, ``resources.csv`` and
        ``ground_truth.json`` and ``campaign_effects.json`` (UTF-8) into ``directory``; return the paths by
        table name."""
        directory.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        for name in ("metrics", "segments", "campaigns", "resources"):
            paths[name] = directory / f"{name}.csv"
            frame: pd.DataFrame = getattr(self, name)
            if name == "metrics":
                frame = frame.assign(**{DATE: frame[DATE].dt.strftime("%Y-%m-%d")})
            frame.to_csv(paths[name], index=False, encoding="utf-8")
        paths["ground_truth"] = directory / "ground_truth.json"
        paths["ground_truth"].write_text(self.ground_truth_json(), encoding="utf-8")
        if self.campaign_effects:
            paths["campaign_effects"] = directory / "campaign_effects.json"
            paths["campaign_effects"].write_text(self.campaign_effects_json(), encoding="utf-8")
        return paths


def generate_demo(
    *,
    end: dt.date,
    days: int = 180,
    seed: int = 7,
    events: list[InjectedEvent] | None = None,
    calendar: ChineseCalendar | None = None,
    config: DemoConfig | None = None,
) -> DemoDataset:
    """Generate ``days`` days of demo data ending at ``end`` (inclusive); ``events=None`` is the default
    showcase scenario, ``[]`` a clean cube."""
    if days < 1:
        raise ValueError("days must be at least 1")
    config = config or DemoConfig()
    calendar = calendar or ChineseCalendar()
    dates = pd.date_range(end=pd.Timestamp(end), periods=days, freq="D").astype("datetime64[ns]")
    day_kinds = calendar.frame(dates)
    cube_rng, campaign_rng = np.random.default_rng(seed).spawn(2)

    cube = build_base_cube(dates, day_kinds, leaf_table(), cube_rng, config.noise)
    truth = default_scenario(end, days, calendar) if events is None else list(events)
    apply_events(cube, truth)
    campaigns, effects = generate_campaigns(campaign_rng, dates, day_kinds, config.campaigns, truth)
    if config.campaign_effects:
        apply_campaign_effects(cube, effects)
    metrics = cube_frame(cube)
    return DemoDataset(
        metrics=metrics,
        segments=segment_table(metrics),
        campaigns=campaigns,
        resources=resource_table(),
        ground_truth=sorted(truth, key=lambda e: e.start),
        campaign_effects=effects if config.campaign_effects else [],
    )


def cube_frame(cube: BaseCube) -> pd.DataFrame:
    """Flatten the ``(days, leaves)`` matrices into the long metrics frame (day-major, leaf order).

    DAU and member counts are rounded to whole numbers and revenue to the fen, all stored as floats.
    """
    n_days, n_leaves = cube.dau.shape
    columns: dict[str, object] = {DATE: np.repeat(cube.dates.values, n_leaves)}
    for dimension in DIMENSIONS:
        columns[dimension] = np.tile(cube.leaves[dimension].to_numpy(dtype=object), n_days)
    columns["dau"] = np.round(cube.dau).ravel()
    columns["revenue"] = np.round(cube.revenue, 2).ravel()
    columns["new_members"] = np.round(cube.new_members).ravel()
    columns["renew_members"] = np.round(cube.renew_members).ravel()
    frame = pd.DataFrame(columns)
    for dimension in DIMENSIONS:
        frame[dimension] = frame[dimension].astype(str)
    return frame[list(METRIC_COLUMNS)]


def segment_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per segment: the catalog profile plus size, conversion and ARPU measured on the cube.

    ``size`` is the segment's mean daily DAU, ``historical_cvr`` its (new + renewed) / DAU and
    ``avg_arpu_contribution`` its revenue / DAU (元 per active user per day) over the whole range.
    """
    sums = metrics.groupby(SEGMENT, sort=False)[list(MEASURES)].sum()
    n_days = metrics[DATE].nunique()
    rows = []
    for profile in SEGMENTS:
        measured = sums.loc[profile.name]
        rows.append(
            {
                "segment": profile.name,
                "active_level": profile.active_level,
                "membership_status": profile.membership_status,
                "size": float(round(measured["dau"] / n_days)),
                "content_preference": content_preference_text(profile),
                "avg_watch_minutes": float(profile.avg_watch_minutes),
                "price_sensitivity": profile.price_sensitivity,
                "historical_cvr": round(
                    float((measured["new_members"] + measured["renew_members"]) / measured["dau"]), 5
                ),
                "avg_arpu_contribution": round(float(measured["revenue"] / measured["dau"]), 4),
            }
        )
    return pd.DataFrame(rows, columns=list(SEGMENT_COLUMNS))


def resource_table() -> pd.DataFrame:
    return pd.DataFrame(
        [(r.position, r.max_capacity, r.cost_per_10k, r.elasticity) for r in RESOURCES],
        columns=list(RESOURCE_COLUMNS),
    )
