"""``/why``: the facts of one metric's change for a day or a week against its comparable baseline.

Pure functions over the cube frame (no storage, no handlers): argument parsing (:mod:`core.why.args`),
periods and their baselines (:mod:`core.why.periods`), the detection trend and band
(:mod:`core.why.trend`), the facts themselves (:mod:`core.why.build`) and the same facts for one alert of
the scan (:mod:`core.why.from_alert`), so that one offline narrator explains both.
"""

from core.why.args import WhyParseError, WhyRequest, parse_why_args
from core.why.build import build_why_facts
from core.why.from_alert import facts_from_alert
from core.why.models import WhyAlert, WhyFacts, WhyMixRate, WhyPeriod, WhySlice, WhyTrend
from core.why.periods import day_period, week_period
from core.why.trend import metric_trend, series_count

__all__ = [
    "WhyAlert",
    "WhyFacts",
    "WhyMixRate",
    "WhyParseError",
    "WhyPeriod",
    "WhyRequest",
    "WhySlice",
    "WhyTrend",
    "build_why_facts",
    "day_period",
    "facts_from_alert",
    "metric_trend",
    "parse_why_args",
    "series_count",
    "week_period",
]
