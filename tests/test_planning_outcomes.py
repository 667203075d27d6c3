"""The planners learn from measured outcomes where a saved retro measured them (core/planning/outcomes.py)."""

from __future__ import annotations

import pandas as pd

from core.planning.outcomes import measured_first


def test_a_measured_outcome_replaces_the_recorded_one_and_says_so() -> None:
    library = pd.DataFrame(
        {
            "campaign_id": ["A", "B"],
            "roi": [1.41, 2.0],
            "arpu_lift": [0.05, 0.08],
            "revenue_lift": [0.06, 0.09],
            "measured_roi": [0.33, None],
            "measured_arpu_lift": [0.004, None],
            "measured_revenue_lift": [None, None],
        }
    )
    learned = measured_first(library).set_index("campaign_id")
    assert learned.loc["A", "roi"] == 0.33 and learned.loc["A", "arpu_lift"] == 0.004
    assert learned.loc["A", "revenue_lift"] == 0.06  # not measured: the recorded value stays
    assert (
        learned.loc["A", "outcome_source"] == "measured" and learned.loc["B", "outcome_source"] == "recorded"
    )
    assert learned.loc["B", "roi"] == 2.0
    assert library.loc[0, "roi"] == 1.41  # the library itself is not changed


def test_a_library_without_measured_columns_is_read_as_recorded() -> None:
    library = pd.DataFrame({"campaign_id": ["A"], "roi": [1.2], "arpu_lift": [0.05], "revenue_lift": [0.05]})
    learned = measured_first(library)
    assert learned["roi"].tolist() == [1.2] and learned["outcome_source"].tolist() == ["recorded"]
