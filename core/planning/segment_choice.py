"""Ranking target segments for a strategy.

``score = 0.4 · response + 0.3 · value + 0.2 · size + 0.1 · cvr`` where each term is in [0, 1]:

* response – the median lift (on the goal's metric) of past campaigns on the segment, divided by the best
  positive median among all segments (0 without campaigns or with a non-positive median);
* value – ``avg_arpu_contribution`` / the largest one; size – ``size`` / the largest;
  cvr – ``historical_cvr`` / the largest.

Every term is also reported as a reason fact with its raw number (and the segment's rank for value).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.planning.facts import Fact
from core.planning.history_lifts import campaign_lifts
from core.planning.plan_models import SegmentChoice

SCORE_WEIGHTS = {"response": 0.4, "value": 0.3, "size": 0.2, "cvr": 0.1}


def _normalised(values: pd.Series) -> pd.Series:
    values = pd.to_numeric(values, errors="coerce").astype(float)
    top = values.max()
    return (values / top).fillna(0.0) if top and np.isfinite(top) and top > 0 else values * 0.0


def rank_segments(
    candidates: list[str], keyword: str | None, segments: pd.DataFrame, campaigns: pd.DataFrame, metric: str
) -> list[SegmentChoice]:
    """``candidates`` (segment names) best first, scored against all ``segments``."""
    table = segments.assign(segment=segments["segment"].astype(str)).set_index("segment")
    lifts, source = campaign_lifts(campaigns, metric)
    by_segment = lifts.groupby(campaigns["target_segment"]).agg(["median", "count"])
    medians = by_segment["median"].reindex(table.index)
    best_median = medians[medians > 0].max()
    response = (medians.clip(lower=0) / best_median).fillna(0.0) if best_median > 0 else medians * 0.0
    value = _normalised(table.get("avg_arpu_contribution", pd.Series(np.nan, index=table.index)))
    size = _normalised(table.get("size", pd.Series(np.nan, index=table.index)))
    cvr = _normalised(table.get("historical_cvr", pd.Series(np.nan, index=table.index)))
    score = (
        SCORE_WEIGHTS["response"] * response.fillna(0)
        + SCORE_WEIGHTS["value"] * value
        + SCORE_WEIGHTS["size"] * size
        + SCORE_WEIGHTS["cvr"] * cvr
    )
    value_rank = value.rank(ascending=False, method="min")
    choices = []
    for name in candidates:
        row = table.loc[name]
        reasons = []
        if keyword is not None:
            reasons.append(Fact(code="matches_goal_keyword", detail={"keyword": keyword}))
        reasons.append(
            Fact(
                code="arpu_contribution",
                value=_float(row.get("avg_arpu_contribution")),
                detail={"rank": int(value_rank[name]), "of": len(table)},
            )
        )
        count = int(by_segment["count"].get(name, 0))
        reasons.append(
            Fact(
                code="past_campaign_response",
                value=_float(medians.get(name)),
                detail={"campaigns": count, "source": source},
            )
        )
        reasons.append(Fact(code="segment_size", value=_float(row.get("size"))))
        reasons.append(Fact(code="historical_cvr", value=_float(row.get("historical_cvr"))))
        choices.append(
            SegmentChoice(
                segment=name,
                size=_float(row.get("size")),
                historical_cvr=_float(row.get("historical_cvr")),
                avg_arpu_contribution=_float(row.get("avg_arpu_contribution")),
                price_sensitivity=str(row["price_sensitivity"]) if "price_sensitivity" in row else None,
                score=float(score[name]),
                reasons=reasons,
            )
        )
    return sorted(choices, key=lambda choice: (-choice.score, choice.segment))


def _float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None
