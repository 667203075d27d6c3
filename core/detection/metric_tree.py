"""The metric tree: revenue = DAU × 边现, members = DAU × conversion, and what it says about one alert.

An incident moves several metrics of one scope at once; the tree tells which moved *first*. A DAU drop
with 边现 flat takes revenue down by the same share ("收入 -9%，由 DAU -9% 引起；边现持平"); a conversion
drop takes the new and renewed members down ("新增会员 -12%，由转化率 -12% 引起；DAU 持平"). Grouping
(:mod:`core.detection.grouping`) heads an incident by a driver; :func:`tree_facts` states, for the
headline's scope and day, how the followers and the other driver moved, from the same scores the scan
used (``Alert.tree``).
"""

from __future__ import annotations

from pydantic import BaseModel

# follower -> (the two drivers it is the product of)
PRODUCTS: dict[str, tuple[str, str]] = {
    "revenue": ("dau", "arpu"),
    "new_members": ("dau", "conversion"),
    "renew_members": ("dau", "conversion"),
}
DRIVERS = ("arpu", "dau", "conversion")


class TreeMove(BaseModel):
    """One metric of the alert's scope on its day: its change against the detection baseline and its
    score (calibrated, adjusted: the alert's own scale)."""

    change: float
    z: float


class TreeFacts(BaseModel):
    """How the metric tree moved around a driver-led alert (see :func:`tree_facts`)."""

    driver: str
    driver_change: float
    followers: dict[str, float]  # follower -> its change, each moving with the driver beyond its range
    others: dict[str, float]  # the followers' other factors (边现 for revenue, conversion for members)
    flat: list[str]  # those of ``others`` that stayed inside their normal range


def tree_facts(metric: str, tree: dict[str, TreeMove], flat_z: float) -> TreeFacts | None:
    """The tree around an alert on ``metric``: the followers that moved with it beyond their range, and
    their other factors. None when ``metric`` is not a driver or nothing followed it."""
    if metric not in DRIVERS or metric not in tree:
        return None
    lead = tree[metric]
    followers = {
        follower: tree[follower].change
        for follower, factors in PRODUCTS.items()
        if metric in factors
        and follower in tree
        and abs(tree[follower].z) >= flat_z
        and (tree[follower].change > 0) == (lead.change > 0)
    }
    if not followers:
        return None
    others = {
        factor: tree[factor].change
        for follower in followers
        for factor in PRODUCTS[follower]
        if factor != metric and factor in tree
    }
    return TreeFacts(
        driver=metric,
        driver_change=lead.change,
        followers=followers,
        others=others,
        flat=[factor for factor in others if abs(tree[factor].z) < flat_z],
    )
