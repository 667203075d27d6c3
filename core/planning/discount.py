"""Discounts: how deep each is, and which one suits a segment's price sensitivity.

Depth (0 = none … 1 = free) comes from a small table of the usual names, else from the name itself
(``N折`` → 1 - N/10, ``N元券`` → N/25 capped at 1). Rule: 高 sensitivity → the deepest paid offer (5折月卡,
alternative 10元券); 中 → a coupon (10元券); 低 → no discount (会员权益 instead). The past campaigns'
best-ROI discount for the segment is reported next to the rule as evidence.
"""

from __future__ import annotations

import re

import pandas as pd

from core.planning.facts import Fact
from core.planning.plan_models import DiscountChoice

KNOWN_DEPTH = {"无优惠": 0.0, "会员权益": 0.1, "10元券": 0.4, "5折月卡": 0.7, "免费试看": 1.0}
DISCOUNT_BY_SENSITIVITY = {"高": "5折月卡", "中": "10元券", "低": "无优惠"}
NO_DISCOUNT = "无优惠"


def discount_depth(name: str | None) -> float | None:
    if not name:
        return None
    if name in KNOWN_DEPTH:
        return KNOWN_DEPTH[name]
    if match := re.search(r"(\d+(?:\.\d+)?)\s*折", name):
        return max(0.0, min(1.0, 1 - float(match[1]) / 10))
    if match := re.search(r"(\d+(?:\.\d+)?)\s*元", name):
        return min(1.0, float(match[1]) / 25)
    return None


def choose_discount(sensitivity: str | None, segment_campaigns: pd.DataFrame) -> DiscountChoice:
    """The rule's discount for ``sensitivity`` plus the best mean-ROI discount among the segment's past
    campaigns (``segment_campaigns``: prepared campaign rows of the target segment)."""
    discount = DISCOUNT_BY_SENSITIVITY.get(sensitivity or "", "10元券")
    reasons = [
        Fact(code="price_sensitivity_rule", detail={"price_sensitivity": sensitivity, "discount": discount})
    ]
    if len(segment_campaigns):
        by_discount = segment_campaigns.groupby("discount")["roi"].agg(["mean", "count"])
        best = by_discount["mean"].idxmax()
        reasons.append(
            Fact(
                code="past_best_discount",
                value=float(by_discount.loc[best, "mean"]),
                detail={"discount": str(best), "campaigns": int(by_discount.loc[best, "count"])},
            )
        )
        if discount in by_discount.index:
            reasons.append(
                Fact(
                    code="past_roi_of_choice",
                    value=float(by_discount.loc[discount, "mean"]),
                    detail={"campaigns": int(by_discount.loc[discount, "count"])},
                )
            )
    return DiscountChoice(discount=discount, price_sensitivity=sensitivity, reasons=reasons)
