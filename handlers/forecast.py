"""``memberops forecast METRIC [dim=value …] [--days 30] [--as-of DATE]``: the forecast behind ``/goal``.

The metric and the slice are read as ``/why`` reads them (metric names and aliases, ``dim=value`` or a bare
value); the daily history of the slice up to ``as_of`` (default: the latest day with data) comes from the
cube reader, the forecast from :func:`core.planning.forecast.forecast_metric` (the one ``/goal`` uses).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from core.cube import DATE, METRICS, metric_values
from core.planning.forecast import ShortHistoryError, forecast_metric
from core.planning.goal_models import Forecast
from core.why.args import WhyParseError, parse_why_args
from handlers.context import HandlerContext
from handlers.errors import NoDataError, ShortHistoryUsageError, UsageError

EXAMPLES = (
    "memberops forecast 边现 --days 30 · memberops forecast 收入 segment=家庭向高活跃 --as-of 2026-11-01"
)
MAX_DAYS = 90


@dataclass(frozen=True)
class ForecastFacts:
    metric: str
    scope: dict[str, str]
    as_of: dt.date
    forecast: Forecast


def forecast_facts(words: str, days: int, as_of: dt.date | None, context: HandlerContext) -> ForecastFacts:
    reader = context.data.reader()
    first, latest = reader.span()
    if latest is None or first is None:
        raise NoDataError()
    if not 1 <= days <= MAX_DAYS:
        raise UsageError(f"--days 须在 1 到 {MAX_DAYS} 之间", f"--days must be 1 to {MAX_DAYS}", EXAMPLES)
    as_of = as_of or latest
    if not first <= as_of <= latest:
        raise UsageError(
            f"--as-of {as_of} 不在数据范围 {first}~{latest} 内",
            f"--as-of {as_of} is outside the data ({first}~{latest})",
            EXAMPLES,
        )
    try:
        request = parse_why_args(
            words, dimension_values=reader.dimension_values(), first_day=first, latest_day=latest,
            reference_day=as_of,
        )  # fmt: skip
    except WhyParseError as error:
        raise UsageError(error.zh, error.en, EXAMPLES) from error
    sums = reader.daily(request.scope, as_of)
    daily = pd.DataFrame({DATE: sums.index, request.metric: metric_values(sums, request.metric).to_numpy()})
    try:
        forecast = forecast_metric(daily, request.metric, days, calendar=context.calendar)
    except ShortHistoryError as error:
        raise ShortHistoryUsageError(error.days, error.needed, as_of, EXAMPLES) from error
    return ForecastFacts(request.metric, request.scope, as_of, forecast)


def forecast_to_json(facts: ForecastFacts) -> dict[str, object]:
    """``{"metric", "as_of", "days", "mean", "low", "high", "daily": [{"date", "mean", "low", "high"}]}``:
    mean / low / high of the daily average over the horizon, with the 80 % interval."""
    forecast = facts.forecast
    return {
        "metric": facts.metric,
        "metric_label": METRICS[facts.metric].zh,
        "scope": facts.scope,
        "as_of": facts.as_of.isoformat(),
        "days": len(forecast.points),
        "level": forecast.level,
        "method": forecast.method,
        "mean": forecast.mean,
        "low": forecast.mean_lower,
        "high": forecast.mean_upper,
        "daily": [
            {"date": p.date.isoformat(), "mean": p.value, "low": p.lower, "high": p.upper}
            for p in forecast.points
        ],
    }
