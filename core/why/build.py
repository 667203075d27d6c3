"""``build_why_facts``: one metric's change over a period against its baseline period, and where it comes from.

Both periods are aggregated per leaf (one row per combination of the dimensions outside the scope), as
daily averages so that a week reads in the same units as a day. The baseline period's leaves are the
"expected" side of :func:`core.rootcause.localise`, which returns the slices carrying the change with their
additive shares, and for a ratio metric (边现, conversion) the split of the change into a mix effect (the
composition of the denominator moved) and a rate effect (the ratio inside the groups moved).

For a day, the detection baseline (the scan's expected value and band for that day, from
:func:`core.why.trend.metric_trend`) is reported beside the week-ago comparison when it can be scored.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from core.calendar import ChineseCalendar
from core.cube import DATE, METRICS
from core.cube_reader import CubeReader, as_reader
from core.detection.calendar_effects import calendar_notes
from core.detection.models import Alert, RootCause
from core.rootcause import localise
from core.rootcause.models import Localisation, MixRateSplit
from core.why.models import WhyAlert, WhyFacts, WhyMixRate, WhyPeriod, WhySlice, WhyTrend
from core.why.significance import Z_NORMAL, change_noise, change_z, is_significant, normal_range

_FLAT = 1e-9


class WhyDataError(ValueError):
    """The period or its baseline has no usable data; carries both languages."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


def build_why_facts(
    cube: pd.DataFrame | CubeReader,
    *,
    metric: str,
    period: WhyPeriod,
    scope: Mapping[str, str] | None = None,
    calendar: ChineseCalendar,
    language: str = "zh",
    alerts: Iterable[Alert] = (),
    trend: WhyTrend | None = None,
) -> WhyFacts:
    definition = METRICS[metric]
    scope = dict(scope or {})
    measures = list(dict.fromkeys(definition.numerator + definition.denominator))
    reader = as_reader(cube)
    dimensions = [d for d in reader.dimensions() if d not in scope]
    inside = reader.leaves([*period.dates(), *period.baseline_dates()], scope)
    actual = _leaf_means(inside, period.dates(), dimensions, measures)
    base = _leaf_means(inside, period.baseline_dates(), dimensions, measures)
    _require(actual, period.start, period.end, language)
    _require(base, period.baseline_start, period.baseline_end, language)

    leaves = _joined(actual, base, dimensions, measures)
    value = _metric(leaves, definition.numerator, definition.denominator, "")
    baseline = _metric(leaves, definition.numerator, definition.denominator, "_expected")
    if not (math.isfinite(value) and math.isfinite(baseline)):
        raise WhyDataError(
            f"{definition.zh} 在 {period.start} 或其基线期无法计算（分母为 0）",
            f"{definition.en} cannot be computed for {period.start} or its baseline (zero denominator)",
        )
    change = value - baseline
    flat = abs(change) <= _FLAT * max(abs(value), abs(baseline), 1e-300)
    located = (
        None
        if flat or not dimensions
        else localise(leaves, dimensions, definition.numerator, definition.denominator)
    )
    facts = WhyFacts(
        metric=metric,
        metric_label=definition.label(language),
        unit=definition.unit,
        is_ratio=definition.is_ratio,
        scope=scope,
        period=period,
        comparison="same_weekday" if period.kind == "day" else "previous_period",
        daily_average=period.kind != "day" and not definition.is_ratio,
        value=value,
        baseline=baseline,
        change=change,
        pct_change=value / baseline - 1 if baseline else None,
        direction="flat" if flat else ("up" if change > 0 else "down"),
        slices=_slices(located),
        explained_share=float(located.explained_total) if located else 0.0,
        mix_rate=mix_rate_facts(located.mix_rate if located else None),
        calendar_notes=_period_notes(period.dates(), calendar, language),
        baseline_calendar_notes=_period_notes(period.baseline_dates(), calendar, language),
        alerts=[why_alert(a) for a in alerts if period.start <= a.date <= period.end],
    )
    facts.baseline_calendar_notes = [
        n for n in facts.baseline_calendar_notes if n not in facts.calendar_notes
    ]
    return _with_significance(_with_expected(facts, trend, alerts), reader)


def why_slice(cause: RootCause) -> WhySlice:
    """An alert's root-cause slice as a ``/why`` slice: the same fields (its own move and z included)."""
    return WhySlice.model_validate(cause.model_dump())


def why_alert(alert: Alert) -> WhyAlert:
    return WhyAlert(
        date=alert.date,
        metric=alert.metric,
        metric_label=alert.metric_label,
        scope=dict(alert.scope),
        value=alert.value,
        expected=alert.expected,
        pct_change=alert.pct_change,
        severity=alert.severity,
        direction=alert.direction,
        root_causes=[why_slice(r) for r in alert.root_causes],
    )


def mix_rate_facts(split: MixRateSplit | Mapping | None) -> WhyMixRate | None:
    """The mix/rate split with each effect's share of the change (None without a split or a change)."""
    if split is None:
        return None
    data = split.model_dump() if isinstance(split, MixRateSplit) else dict(split)
    total = float(data.get("total_change") or 0.0)
    if not total or not math.isfinite(total):
        return None
    mix, rate = float(data["mix"]), float(data["rate"])
    return WhyMixRate(
        dimensions=list(data["dimensions"]),
        total_change=total,
        mix=mix,
        rate=rate,
        mix_share=mix / total,
        rate_share=rate / total,
    )


def _leaf_means(
    frame: pd.DataFrame, dates: Sequence[dt.date], dimensions: list[str], measures: list[str]
) -> pd.DataFrame:
    days = frame[frame[DATE].isin(pd.to_datetime(list(dates)))]
    if days.empty:
        return pd.DataFrame(columns=[*dimensions, *measures])
    if not dimensions:
        return (days[measures].sum() / len(dates)).to_frame().T
    sums = days.groupby(dimensions, observed=True, sort=True)[measures].sum() / len(dates)
    return sums.reset_index()


def _require(leaves: pd.DataFrame, start: dt.date, end: dt.date, language: str) -> None:
    if leaves.empty:
        span = str(start) if start == end else f"{start} ~ {end}"
        raise WhyDataError(f"{span} 没有数据", f"There is no data for {span}")


def _joined(
    actual: pd.DataFrame, base: pd.DataFrame, dimensions: list[str], measures: list[str]
) -> pd.DataFrame:
    """One row per leaf of either period: actual measures and the baseline's as ``{measure}_expected``."""
    base = base.rename(columns={m: f"{m}_expected" for m in measures})
    if not dimensions:
        return pd.concat([actual.reset_index(drop=True), base.reset_index(drop=True)], axis=1)
    leaves = actual.merge(base, on=dimensions, how="outer")
    columns = [*measures, *(f"{m}_expected" for m in measures)]
    leaves[columns] = leaves[columns].fillna(0.0)
    return leaves


def _metric(
    leaves: pd.DataFrame, numerator: tuple[str, ...], denominator: tuple[str, ...], suffix: str
) -> float:
    top = float(np.nansum([leaves[c + suffix].sum() for c in numerator]))
    if not denominator:
        return top
    bottom = float(np.nansum([leaves[c + suffix].sum() for c in denominator]))
    return top / bottom if bottom else math.nan


def _slices(located: Localisation | None) -> list[WhySlice]:
    if located is None:
        return []
    return [
        WhySlice(
            slice=dict(s.slice),
            share=s.share,
            actual=s.actual if math.isfinite(s.actual) else None,
            expected=s.expected if math.isfinite(s.expected) else None,
            change=s.actual / s.expected - 1 if s.expected and math.isfinite(s.actual / s.expected) else None,
        )
        for s in located.slices
    ]


def _with_significance(facts: WhyFacts, reader: CubeReader) -> WhyFacts:
    """The change's z against its own history, whether it is within the normal range, and each slice's
    own z (a slice is a cause only when its own change is significant)."""
    period, metric = facts.period, facts.metric
    daily = reader.daily(facts.scope, period.end)
    facts.z = change_z(daily, metric, period)
    if facts.lower is not None and facts.upper is not None:  # a day the scan scores: its band decides
        facts.within_normal_range = facts.lower <= facts.value <= facts.upper
        facts.normal_low, facts.normal_high = facts.lower, facts.upper
    elif facts.z is not None:
        facts.within_normal_range = abs(facts.z) < Z_NORMAL
        noise = change_noise(daily, metric, period)
        if noise is not None and math.isfinite(facts.baseline):
            facts.normal_low, facts.normal_high = normal_range(facts.baseline, noise)
    for item in facts.slices:
        daily = reader.daily({**facts.scope, **item.slice}, period.end)
        item.z = change_z(daily, metric, period)
        item.significant = is_significant(item.z, item.change, facts.direction)
    return facts


def _period_notes(dates: Sequence[dt.date], calendar: ChineseCalendar, language: str) -> list[str]:
    """Calendar notes of the days (dated when the period has several days), without repeats."""
    notes: list[str] = []
    for day in dates:
        for note in calendar_notes(calendar.info(day), language):
            text = note if len(dates) == 1 else f"{day}: {note}"
            if text not in notes:
                notes.append(text)
    return notes


def _with_expected(facts: WhyFacts, trend: WhyTrend | None, alerts: Iterable[Alert]) -> WhyFacts:
    """Add the detection baseline of a day period: the scan's alert's own when it alerted on this metric
    and scope that day (it scores the series beside every overlapping slice, which a trend scored on its
    own does not, so the alert and the normal range never disagree), else the trend's (when that day could
    be scored)."""
    if facts.period.kind != "day":
        return facts
    day = facts.period.end
    alert = next((a for a in alerts if (a.date, a.metric, a.scope) == (day, facts.metric, facts.scope)), None)
    if alert is not None:
        expected, lower, upper = alert.expected, alert.lower, alert.upper
    elif trend is not None and trend.dates and trend.dates[-1] == day:
        expected, lower, upper = trend.expected[-1], trend.lower[-1], trend.upper[-1]
    else:
        return facts
    if expected is None or expected == 0:
        return facts
    facts.expected, facts.lower, facts.upper = expected, lower, upper
    facts.pct_vs_expected = facts.value / expected - 1
    return facts
