"""Choosing a content mix for a segment: its best-ROI past mix, else its own preference.

Past campaigns on the segment are grouped by mix; the mix with the highest mean ROI is used when that ROI
is at least the median ROI of all campaigns and its leading content is among the segment's top two
preferences (reasons ``best_roi_past_mix`` and ``matches_preference``). Otherwise the mix is the
preference itself: favourite 70 % + second 30 % (``segment_preference``), or 100 % with one preference.
"""

from __future__ import annotations

import re

import pandas as pd

from core.importing import content_mix_text
from core.planning.facts import Fact
from core.planning.plan_models import ContentMixChoice

PREFERENCE_SEPARATORS = re.compile(r"[>＞、,，|/;；\s]+")
DEFAULT_SPLIT = (0.7, 0.3)


def preferences(text: object) -> list[str]:
    return [part for part in PREFERENCE_SEPARATORS.split(str(text or "")) if part and part != "nan"]


def choose_content(segment: str, preference_text: object, campaigns: pd.DataFrame) -> ContentMixChoice:
    """``campaigns``: all prepared campaigns (the segment's are picked here)."""
    liked = preferences(preference_text)
    own = campaigns[(campaigns["target_segment"] == segment) & campaigns["roi"].notna()]
    own = own[own["mix"].map(bool)]
    if len(own):
        keys = own["mix"].map(content_mix_text)
        grouped = own.groupby(keys)["roi"].agg(["mean", "count"]).sort_values(["mean"], ascending=False)
        best_text = str(grouped.index[0])
        best_rows = own[keys == best_text]
        best_mix = dict(best_rows["mix"].iloc[0])
        leading = max(best_mix, key=best_mix.__getitem__)
        overall_median = float(campaigns["roi"].median())
        if grouped["mean"].iloc[0] >= overall_median and leading in liked[:2]:
            return ContentMixChoice(
                mix=best_mix,
                text=best_text,
                reasons=[
                    Fact(
                        code="best_roi_past_mix",
                        value=float(grouped["mean"].iloc[0]),
                        threshold=overall_median,
                        detail={"campaigns": int(grouped["count"].iloc[0])},
                    ),
                    Fact(
                        code="matches_preference",
                        detail={"content": leading, "rank": liked.index(leading) + 1},
                    ),
                ],
                source_campaign_ids=best_rows["campaign_id"].astype(str).tolist(),
            )
    if not liked:
        return ContentMixChoice(mix={}, text="", reasons=[Fact(code="no_content_preference")])
    mix = {liked[0]: 1.0} if len(liked) == 1 else dict(zip(liked[:2], DEFAULT_SPLIT, strict=True))
    return ContentMixChoice(
        mix=mix,
        text=content_mix_text(mix),
        reasons=[Fact(code="segment_preference", detail={"preference": "、".join(liked)})],
    )
