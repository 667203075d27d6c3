"""The demo's campaign effects: the cube carries each campaign's true effect on its target segment."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.demo import DemoConfig, generate_demo
from core.demo.campaign_effects import CampaignEffect, effects_from_json

END = dt.date(2026, 11, 23)


def _segment_window(metrics: pd.DataFrame, segment: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    dates = metrics["date"]
    mask = (metrics["segment"] == segment) & (dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))
    return metrics.loc[mask]


def test_effects_move_the_target_segment_by_their_lift_and_nothing_else() -> None:
    plain = generate_demo(end=END, days=120, seed=7, events=[])
    lifted = generate_demo(end=END, days=120, seed=7, events=[], config=DemoConfig(campaign_effects=True))
    assert plain.campaign_effects == []
    assert lifted.campaigns.equals(plain.campaigns)  # the records are the same draws either way
    effects = lifted.campaign_effects
    assert len(effects) == len(lifted.campaigns)  # no free-trial campaign without its event
    checked = 0
    for effect in effects:
        segment = effect.slice["segment"]
        alone = not any(
            other is not effect
            and other.slice == effect.slice
            and other.start <= effect.end
            and effect.start <= other.end
            for other in effects
        )
        if not alone:
            continue
        before = _segment_window(plain.metrics, segment, effect.start, effect.end)
        after = _segment_window(lifted.metrics, segment, effect.start, effect.end)
        arpu = (after["revenue"].sum() / after["dau"].sum()) / (before["revenue"].sum() / before["dau"].sum())
        dau = after["dau"].sum() / before["dau"].sum()
        assert abs(arpu - 1 - effect.arpu_lift) < 2e-3, effect
        assert abs(dau - 1 - effect.dau_lift) < 2e-3, effect
        checked += 1
    assert checked >= 3
    untouched = set(lifted.metrics["segment"].unique()) - {e.slice["segment"] for e in effects}
    for segment in untouched:
        assert _segment_window(lifted.metrics, segment, END - dt.timedelta(days=119), END).equals(
            _segment_window(plain.metrics, segment, END - dt.timedelta(days=119), END)
        )


def test_effects_are_written_beside_the_ground_truth(tmp_path) -> None:
    lifted = generate_demo(end=END, days=90, seed=3, events=[], config=DemoConfig(campaign_effects=True))
    paths = lifted.write(tmp_path)
    assert effects_from_json(paths["campaign_effects"].read_text(encoding="utf-8")) == lifted.campaign_effects
    assert "campaign_effects" not in generate_demo(end=END, days=90, seed=3, events=[]).write(tmp_path / "p")


def test_an_effect_moves_each_metric_as_the_cube_does() -> None:
    effect = CampaignEffect(campaign_id="C1", slice={}, start=END, end=END, arpu_lift=0.1, dau_lift=0.02)
    moves = {m: effect.move(m) for m in ("arpu", "revenue", "dau", "new_members", "conversion")}
    assert moves == pytest.approx(
        {"arpu": 0.1, "revenue": 0.122, "dau": 0.02, "new_members": 0.02, "conversion": 0}
    )
