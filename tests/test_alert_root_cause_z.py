"""Every root-cause slice of an alert carries its own z against its own noise (``core.detection.slice_noise``),
and only a significant one is the alert's cause."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.calendar import ChineseCalendar
from core.detection import scan
from core.detection.grouping import effective_cause
from core.detection.json_contract import alerts_to_json
from core.detection.models import Alert, RootCause
from core.detection.slice_noise import is_significant, poisson_noise, relative_noise, slice_z
from core.narrators.explanation import causal_slices, narrate_explanation
from core.why.from_alert import facts_from_alert

CALENDAR = ChineseCalendar()
LAST = dt.date(2026, 11, 18)  # a Wednesday, no holiday near


def cube(drop: float, seed: int = 3) -> pd.DataFrame:
    """120 days of 3 segments x 3 platforms x 2 content types, 2 % noise per cell; ``drop`` cuts the 边现
    of segment A on TV on the last day."""
    rng = np.random.default_rng(seed)
    rows = []
    for offset in range(120):
        day = LAST - dt.timedelta(days=119 - offset)
        for segment in ("A", "B", "C"):
            for platform in ("TV", "手机", "PC"):
                for content in ("剧集", "电影"):
                    dau = 5000.0 * rng.lognormal(0, 0.02)
                    arpu = 0.8 * rng.lognormal(0, 0.02)
                    if day == LAST and (segment, platform) == ("A", "TV"):
                        arpu *= 1 - drop
                    rows.append(
                        {"date": pd.Timestamp(day), "segment": segment, "platform": platform,
                         "content_type": content, "dau": round(dau), "revenue": round(dau * arpu, 2),
                         "new_members": round(dau * 0.01), "renew_members": round(dau * 0.015)}
                    )  # fmt: skip
    return pd.DataFrame(rows)


def test_a_real_slice_drop_names_its_slice_with_a_significant_z() -> None:
    result = scan(cube(drop=0.3), [LAST], calendar=CALENDAR)
    arpu = next(a for a in result.alerts if a.metric == "arpu")
    assert effective_cause(arpu) == {"segment": "A", "platform": "TV"}
    top = arpu.root_causes[0]
    assert top.significant is True
    assert top.z is not None and top.z <= -5
    assert top.change is not None and abs(top.change + 0.3) < 0.05
    assert top.actual is not None and top.expected is not None and top.actual < top.expected
    assert {"dau", "revenue", "arpu"} <= set(arpu.tree)  # the scope's metric tree on that day
    assert abs(arpu.tree["arpu"].change - arpu.pct_change) < 1e-4
    payload = alerts_to_json(result)
    cause = next(a for a in payload if a["metric"] == "arpu")["root_causes"][0]
    assert cause["significant"] is True and cause["z"] == top.z and cause["slice"] == top.slice


def test_a_slice_that_is_not_significant_is_not_called_a_cause() -> None:
    alert = Alert(
        date=LAST, metric="arpu", metric_label="边现", scope={"platform": "TV"}, value=0.9, expected=1.0,
        lower=0.95, upper=1.05, pct_change=-0.1, z=-2.0, z_raw=-4.0, severity="moderate", direction="down",
        root_causes=[RootCause(slice={"segment": "A"}, share=0.8, change=-0.02, z=-1.2, significant=False)],
    )  # fmt: skip
    facts = facts_from_alert(alert, "zh")
    assert facts.slices[0].z == -1.2 and facts.slices[0].significant is False
    assert causal_slices(facts) == []
    story = narrate_explanation(facts, "zh")
    spread = [c for c in story.core_causes if c.startswith("没有显著异常的切片")]
    assert spread and "TV" in spread[0] and "分散" in spread[0]
    assert not any("A" in c.split("：")[0] for c in story.core_causes if c not in spread)


def test_the_noise_scale_ignores_a_multi_day_incident_in_the_baseline_days() -> None:
    quiet = np.array([1.0, 1.01, 0.99, 1.0, 1.02, 0.98, 1.0])
    with_incident = np.array([1.0, 1.01, 0.99, 1.0, 1.02, 0.7, 0.7])  # two incident days among seven
    assert relative_noise(with_incident) is not None
    assert relative_noise(with_incident) < 2 * relative_noise(quiet)
    assert relative_noise(np.array([1.0, np.nan])) is None  # too few days to tell


def test_counting_noise_keeps_a_handful_of_members_from_being_significant() -> None:
    counting = poisson_noise(3, 5)
    assert counting > 0.7
    z = slice_z(-0.4, noise=0.01, count_noise=counting)
    assert z is not None and abs(z) < 1
    assert is_significant(z, -0.4, "down") is False
    assert is_significant(-6.0, -0.3, "down") is True
    assert is_significant(6.0, 0.3, "down") is False  # against the alert's direction: not its cause
    assert is_significant(None, -0.3, "down") is None


def uneven_cube(seed: int = 5) -> pd.DataFrame:
    """90 days; segment A holds 80 % of the DAU; on the last day every cell's DAU (and revenue with it)
    falls by 15 % – a move of the whole cube, not of segment A."""
    rng = np.random.default_rng(seed)
    rows = []
    for offset in range(90):
        day = LAST - dt.timedelta(days=89 - offset)
        for segment, weight in (("A", 8.0), ("B", 1.0), ("C", 1.0)):
            for platform in ("TV", "手机", "PC"):
                dau = 3000.0 * weight * rng.lognormal(0, 0.02) * (0.85 if day == LAST else 1.0)
                rows.append(
                    {"date": pd.Timestamp(day), "segment": segment, "platform": platform,
                     "dau": round(dau), "revenue": round(dau * 0.8 * rng.lognormal(0, 0.02), 2),
                     "new_members": round(dau * 0.01), "renew_members": round(dau * 0.015)}
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_a_uniform_move_names_no_slice_inside_its_scope() -> None:
    result = scan(uneven_cube(), [LAST], calendar=CALENDAR)
    dau = next(a for a in result.alerts if a.metric == "dau" and not a.scope)
    assert dau.root_causes == [] and effective_cause(dau) == {}
    assert dau.root_cause_note is not None and "uniform" in dau.root_cause_note
