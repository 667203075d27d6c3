"""The anchor for ``bench/forecast_quality.py``: statsforecast's AutoETS (weekly season), bench-only.

statsforecast is not a dependency of the product; ``make bench`` installs it with the ``bench`` extra
(``pip install -e '.[dev,bench]'``). Without it, :func:`available` is False and the bench says so.
"""

from __future__ import annotations

import importlib.util

import numpy as np

SEASON = 7


def available() -> bool:
    return importlib.util.find_spec("statsforecast") is not None


def ets_forecast(past: np.ndarray, horizon: int) -> np.ndarray:
    """AutoETS's point forecast of the next ``horizon`` days from ``past`` (model chosen by AICc)."""
    from statsforecast.models import AutoETS

    series = past[np.isfinite(past)].astype(float)
    return np.asarray(AutoETS(season_length=SEASON).forecast(y=series, h=horizon)["mean"], dtype=float)
