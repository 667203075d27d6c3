"""The library's outcomes as the planners learn from them: what a saved retro measured, else what was recorded.

Campaign records carry the team's recorded ``arpu_lift`` / ``revenue_lift`` / ``roi``; a retro saved to the
library adds ``measured_*`` (the lift against the counterfactual where one was fitted). /goal, /strategy and
/budget read the measured value where one exists — a campaign recorded at ROI 1.41 that measured 0.33 is
planned with 0.33 — and ``outcome_source`` says which one each row carries.
"""

from __future__ import annotations

import pandas as pd

OUTCOMES: tuple[str, ...] = ("arpu_lift", "revenue_lift", "roi")


def measured_first(campaigns: pd.DataFrame) -> pd.DataFrame:
    out = campaigns.copy()
    measured_any = pd.Series(False, index=out.index)
    for column in OUTCOMES:
        measured = f"measured_{column}"
        if measured not in out or column not in out:
            continue
        values = pd.to_numeric(out[measured], errors="coerce")
        measured_any |= values.notna()
        out[column] = values.combine_first(pd.to_numeric(out[column], errors="coerce"))
    out["outcome_source"] = measured_any.map({True: "measured", False: "recorded"})
    return out
