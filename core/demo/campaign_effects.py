"""What each demo campaign really did to its target segment: the ground truth the retros are checked on.

A campaign's record (``campaigns.csv``) is what the team wrote down: the lift among the users its positions
reached, and on a holiday the holiday's own DAU rise counted as the campaign's. The cube carries the true
effect on the whole target segment over the campaign's days:

* 边现 × ``1 + arpu_lift`` with ``arpu_lift = recorded arpu_lift × reach`` (the reached users' lift,
  diluted over the segment — the record's ROI already counts only the reached share);
* DAU, revenue and members × ``1 + dau_lift`` with ``dau_lift = (recorded DAU lift − the holiday's 3 %)
  × reach``: a holiday's natural rise is the calendar's, not the campaign's.

So revenue moves by ``(1 + arpu_lift)(1 + dau_lift) − 1`` and conversion does not move. Mismatched
campaigns have a negative 边现 effect, small ones none to speak of; free-trial acquisition campaigns carry
their effect through their ``free_trial_surge`` event instead. Overlapping campaigns on one segment
compound multiplicatively, as in life.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from pydantic import BaseModel, TypeAdapter

from core.demo.catalog import slice_mask
from core.demo.cube import BaseCube


class CampaignEffect(BaseModel):
    """The true effect of one campaign on its target slice over ``start``–``end`` (lifts as fractions)."""

    campaign_id: str
    slice: dict[str, str]
    start: dt.date
    end: dt.date
    arpu_lift: float
    dau_lift: float

    def move(self, metric: str) -> float:
        """How the effect moves ``metric`` on its slice (a fraction): 边现 by its lift, the volumes by the
        DAU lift, revenue by both, conversion not at all."""
        if metric == "arpu":
            return self.arpu_lift
        if metric == "revenue":
            return (1.0 + self.arpu_lift) * (1.0 + self.dau_lift) - 1.0
        return 0.0 if metric == "conversion" else self.dau_lift


def apply_campaign_effects(cube: BaseCube, effects: list[CampaignEffect]) -> None:
    """Scale the cube's measures in place over each effect's days and slice (outside the range: nothing)."""
    dates = cube.dates
    for effect in effects:
        days = np.flatnonzero((dates >= np.datetime64(effect.start)) & (dates <= np.datetime64(effect.end)))
        leaves = np.flatnonzero(slice_mask(cube.leaves, effect.slice))
        if len(days) == 0 or len(leaves) == 0:
            continue
        block = np.ix_(days, leaves)
        volume = 1.0 + effect.dau_lift
        cube.dau[block] *= volume
        cube.new_members[block] *= volume
        cube.renew_members[block] *= volume
        cube.revenue[block] *= volume * (1.0 + effect.arpu_lift)


_EFFECT_LIST = TypeAdapter(list[CampaignEffect])


def effects_to_json(effects: list[CampaignEffect]) -> str:
    return _EFFECT_LIST.dump_json(effects, indent=2).decode("utf-8")


def effects_from_json(text: str | bytes) -> list[CampaignEffect]:
    return _EFFECT_LIST.validate_json(text)
