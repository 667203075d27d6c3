"""The anchor for ``bench/retro_quality.py``: pysyncon's synthetic control (Abadie & Gardeazabal), bench-only.

pysyncon is not a dependency of the product; ``make bench`` installs it with the ``bench`` extra
(``pip install -e '.[dev,bench]'``). Without it, :func:`available` is False and the bench prints why.

The classic outcome-lags set-up: per measure (revenue, DAU), every series divided by its own pre-period mean
(a segment's level need not sit inside the controls' hull), the weights W ≥ 0, ΣW = 1 that fit the treated
slice's ``PRE_DAYS`` pre-period days (V the identity: each pre-period day counts the same), and the synthetic
slice over the campaign's days scaled back by the treated pre-period mean (days any series lacks are left out of
the fit and of the window's sums; controls missing more than 10 % of the days are dropped). 边现's counterfactual is the
synthetic revenue over the synthetic DAU. No interval: the anchor's figures are its error and bias.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections.abc import Mapping

import numpy as np
import pandas as pd

PRE_DAYS = 84


def available() -> bool:
    return importlib.util.find_spec("pysyncon") is not None


def synth_lift(
    treated: pd.DataFrame, controls: Mapping[str, pd.DataFrame], start: dt.date, end: dt.date
) -> dict[str, float] | None:
    """The anchor's lift of 边现 (``arpu``) and ``revenue`` over ``start``–``end`` (None: too little history)."""
    from pysyncon import Synth

    launch = pd.Timestamp(start)
    pre = pd.date_range(end=launch - pd.Timedelta(days=1), periods=PRE_DAYS, freq="D")
    days = pd.date_range(launch, pd.Timestamp(end), freq="D")
    if pre[0] < treated.index.min():
        return None
    frames = {name: frame.reindex(pre.append(days)) for name, frame in controls.items()}
    whole = {n: f for n, f in frames.items() if f[["revenue", "dau"]].notna().mean().min() >= 0.9}
    if not whole:
        return None
    own = treated.reindex(pre.append(days))
    observed = own[["revenue", "dau"]].notna().all(axis=1)
    for frame in whole.values():
        observed &= frame[["revenue", "dau"]].notna().all(axis=1)
    fit, window = pre[observed.loc[pre].to_numpy()], days[observed.loc[days].to_numpy()]
    if len(fit) < PRE_DAYS // 2 or len(window) < (len(days) + 1) // 2:
        return None
    synthetic = {}
    for measure in ("revenue", "dau"):
        series = pd.DataFrame({name: frame[measure] for name, frame in whole.items()}).astype(float)
        mine = own[measure].astype(float)
        scale, control_scale = float(mine.loc[fit].mean()), series.loc[fit].mean()
        z0, z1 = series / control_scale, (mine / scale).rename("treated")
        model = Synth()
        model.fit(X0=z0.loc[fit], X1=z1.loc[fit], Z0=z0.loc[fit], Z1=z1.loc[fit], custom_V=np.ones(len(fit)))
        weights = np.asarray(model.W, dtype=float)
        synthetic[measure] = float((z0.loc[window].to_numpy() @ weights).sum()) * scale
    actual_revenue = float(own.loc[window, "revenue"].sum())
    actual_dau = float(own.loc[window, "dau"].sum())
    return {
        "revenue": actual_revenue / synthetic["revenue"] - 1,
        "arpu": (actual_revenue / actual_dau) / (synthetic["revenue"] / synthetic["dau"]) - 1,
    }
