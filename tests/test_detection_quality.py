"""The detection quality floor on two demo scenarios, scored by ``bench/detection_quality.py``'s rules:
the injected anomalies are found with their root causes, benign holiday and free-trial surges stay quiet."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from bench.detection_quality import CUBE_DAYS, Tally, score_scenario
from core.calendar import ChineseCalendar
from core.demo import default_scenario, generate_demo, random_scenario
from core.detection import scan

CALENDAR = ChineseCalendar()
SCAN_DAYS = 120


def quality(end: dt.date, seed: int, random: bool) -> Tally:
    events = random_scenario(np.random.default_rng(seed), end, CUBE_DAYS, CALENDAR) if random else None
    demo = generate_demo(end=end, days=CUBE_DAYS, seed=seed, events=events, calendar=CALENDAR)
    truth = events if events is not None else default_scenario(end, CUBE_DAYS, CALENDAR)
    scanned = [d.date() for d in pd.date_range(end=end, periods=SCAN_DAYS)]
    result = scan(demo.metrics, scanned, calendar=CALENDAR, campaigns=demo.campaigns)
    return score_scenario(result.alerts, truth, scanned)


@pytest.mark.parametrize(
    ("end", "seed", "random"),
    [(dt.date(2025, 11, 23), 7, False), (dt.date(2025, 11, 23), 4, True)],
)
def test_quality_floor(end: dt.date, seed: int, random: bool) -> None:
    tally = quality(end, seed, random)
    assert tally.events >= 3
    assert tally.recall == 1.0, tally.misses
    assert tally.f1 >= 0.85, tally.false_list
    assert tally.rc_f1 >= 0.8, tally.wrong_causes
    assert tally.benign_holiday == 0 and tally.benign_trial == 0, tally.false_list
