"""``/why`` separates noise from causes: a change inside its own normal range says so first, and a slice is a
cause only when its own change is significant against its own history (``core.why.significance``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from core.calendar import ChineseCalendar
from core.narrators.explanation import narrate_explanation
from core.why import build_why_facts, week_period
from core.why.json_contract import facts_to_json
from core.why.periods import range_period
from core.why.significance import change_z, period_metric

LAST = dt.date(2026, 11, 22)  # a Sunday: the last week is 11-16 ~ 11-22
WEEK = week_period(dt.date(2026, 11, 16), LAST)
CALENDAR = ChineseCalendar()


def noisy_cube(drop: float = 0.0, seed: int = 7) -> pd.DataFrame:
    """16 weeks of 2 segments x 3 platforms with 3 % daily noise per cell; ``drop`` cuts the revenue of
    segment A on TV in the last week."""
    rng = np.random.default_rng(seed)
    rows = []
    start = LAST - dt.timedelta(days=16 * 7 - 1)
    for offset in range(16 * 7):
        day = start + dt.timedelta(days=offset)
        for segment in ("A", "B"):
            for platform in ("TV", "手机", "PC"):
                dau = 1000.0 * rng.lognormal(0, 0.03)
                arpu = 0.5 * rng.lognormal(0, 0.03)
                if drop and day >= WEEK.start and (segment, platform) == ("A", "TV"):
                    arpu *= 1 - drop
                rows.append(
                    {"date": pd.Timestamp(day), "segment": segment, "platform": platform, "dau": dau,
                     "revenue": dau * arpu, "new_members": dau * 0.02, "renew_members": dau * 0.03}
                )  # fmt: skip
    return pd.DataFrame(rows)


def week_facts(cube: pd.DataFrame, metric: str = "revenue"):
    return build_why_facts(cube, metric=metric, period=WEEK, calendar=CALENDAR)


def test_an_ordinary_week_is_within_the_normal_range_and_names_no_cause() -> None:
    facts = week_facts(noisy_cube())
    assert facts.within_normal_range is True
    assert facts.z is not None and abs(facts.z) < 3
    assert all(s.significant is False and s.z is not None and abs(s.z) < 3 for s in facts.slices)
    story = narrate_explanation(facts, "zh")
    assert story.core_causes[0].startswith("整体的收入变化") and "在正常波动范围内" in story.core_causes[0]
    assert story.core_causes[1:] == ["没有显著异常的切片"]
    assert story.actions[0].startswith("无需处理")
    english = narrate_explanation(facts, "en")
    assert "within the normal range" in english.core_causes[0]


def test_a_real_slice_drop_is_significant_and_is_the_cause() -> None:
    facts = week_facts(noisy_cube(drop=0.3))
    assert facts.within_normal_range is False and facts.z is not None and facts.z < -3
    top = facts.slices[0]
    assert top.slice == {"segment": "A", "platform": "TV"}
    assert top.significant is True and top.z is not None and top.z < -3
    assert all(s.significant is False for s in facts.slices[1:])
    story = narrate_explanation(facts, "zh")
    assert story.core_causes[0].startswith("A × TV 贡献了收入下降的")
    assert not any("没有显著异常" in c for c in story.core_causes)


def test_the_json_contract_carries_noise_and_significance() -> None:
    body = facts_to_json(week_facts(noisy_cube(drop=0.3)))
    assert (body["metric"], body["start"], body["end"]) == ("revenue", "2026-11-16", "2026-11-22")
    assert body["within_normal_range"] is False
    assert body["change"] == pytest.approx(body["value"] / body["baseline"] - 1)
    assert body["difference"] == pytest.approx(body["value"] - body["baseline"])
    first = body["root_causes"][0]
    assert first["slice"] == {"segment": "A", "platform": "TV"} and first["significant"] is True
    assert first["z"] < -3 and first["share"] > 0


def test_z_needs_enough_history_and_shifts_whole_weeks() -> None:
    cube = noisy_cube()
    daily = cube.groupby("date")[["dau", "revenue", "new_members", "renew_members"]].sum()
    assert change_z(daily, "arpu", WEEK) is not None
    assert change_z(daily.iloc[-20:], "arpu", WEEK) is None  # two earlier comparisons only
    assert period_metric(daily, "dau", WEEK.dates()) == pytest.approx(daily["dau"].iloc[-7:].mean())


def test_a_range_is_compared_with_whole_weeks_earlier() -> None:
    period = range_period(dt.date(2026, 11, 9), LAST)  # 14 days
    assert (period.kind, period.baseline_start, period.baseline_end) == (
        "range",
        dt.date(2026, 10, 26),
        dt.date(2026, 11, 8),
    )
    eight = range_period(dt.date(2026, 11, 15), LAST)
    assert eight.baseline_start == dt.date(2026, 11, 1)  # weekdays line up: two weeks back
    assert range_period(WEEK.start, WEEK.end) == WEEK
    with pytest.raises(ValueError):
        range_period(dt.date(2026, 10, 1), LAST)


def test_a_slice_that_is_not_significant_is_not_called_a_cause() -> None:
    facts = week_facts(noisy_cube(drop=0.3))
    facts.slices[0].significant = False  # as if its own history moved this much every week
    story = narrate_explanation(facts, "zh")
    assert not any("A × TV" in c for c in story.core_causes)
    assert "没有显著异常的切片：整体的变化分散在各切片，每个切片的变化都在自身正常波动内" in story.core_causes
    assert not story.actions[0].startswith("检查")  # no slice to act on
