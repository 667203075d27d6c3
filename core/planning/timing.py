"""When to run a campaign: the weekday profile of the target segments' DAU.

The cube has days, not hours, so the two windows are judged by days: ``weekend`` (Saturday and Sunday) and
``weekday_evening`` (Monday–Friday; evenings are the usual prime time of a video service). Each window's
index is its mean daily DAU over the last ``PROFILE_DAYS`` days divided by the mean over all days; the
windows are listed strongest first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.cube import DATE, daily_totals
from core.planning.plan_models import TimeWindow, TimingFacts

PROFILE_DAYS = 56


def weekday_timing(cube: pd.DataFrame) -> TimingFacts:
    daily = daily_totals(cube)
    daily = daily[daily[DATE] > daily[DATE].max() - pd.Timedelta(days=PROFILE_DAYS)]
    weekdays = daily[DATE].dt.day_of_week.to_numpy()
    dau = daily["dau"].to_numpy(float)
    overall = dau.mean() if len(dau) else 1.0
    sums = np.bincount(weekdays, weights=dau, minlength=7)
    counts = np.bincount(weekdays, minlength=7)
    index = np.divide(sums, counts * overall, out=np.ones(7), where=counts > 0)
    weekend = dau[weekdays >= 5].mean() / overall if (weekdays >= 5).any() else 1.0
    workday = dau[weekdays < 5].mean() / overall if (weekdays < 5).any() else 1.0
    windows = sorted(
        [
            TimeWindow(code="weekend", index=float(weekend)),
            TimeWindow(code="weekday_evening", index=float(workday)),
        ],
        key=lambda window: -window.index,
    )
    return TimingFacts(
        weekday_index=[float(v) for v in index],
        best_weekdays=[int(d) for d in np.argsort(-index, kind="stable")[:3]],
        windows=windows,
        days_used=len(daily),
    )
