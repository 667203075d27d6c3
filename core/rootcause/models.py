"""Result and configuration models of root-cause localisation (plain pydantic values, no behaviour)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LocaliserConfig(BaseModel):
    """General knobs of the localiser (defaults tuned on the public RS benchmark only, never per case)."""

    max_order: int = Field(3, ge=1, description="Largest number of dimensions combined in one slice.")
    max_slices: int = Field(5, ge=1, description="At most this many root-cause slices are returned.")
    min_share: float = Field(
        0.2, gt=0, le=1, description="A slice must explain at least this share of the total deviation."
    )
    target_explained: float = Field(
        0.9, gt=0, description="Stop adding slices once the returned set explains this share."
    )
    min_z: float = Field(
        3.0, ge=0, description="A slice's deviation must be this many noise standard deviations away."
    )
    succinctness: float = Field(
        0.1,
        ge=0,
        lt=1,
        description="A coarser slice (fewer dimensions) wins if its score is within this fraction of the best.",
    )
    volume_prior: float = Field(
        0.5,
        ge=0,
        description="Pseudo-volume added to each leaf's noise variance, as a fraction of the median leaf volume"
        " (damps tiny, noisy leaves).",
    )
    promote_ancestors: bool = Field(
        True, description="Replace a pick by its ancestor when the ancestor's remainder is a cause by itself."
    )
    min_support: float = Field(0.0, ge=0, lt=1, description="Slices below this support are not considered.")
    uniform_tolerance: float | None = Field(
        0.3,
        ge=0,
        description="No slice is a cause when the first pick and the rest of the scope moved by the same"
        " relative amount (within this fraction) and the rest would be a cause by itself: the scope is.",
    )


class RootCauseSlice(BaseModel):
    """One root cause: a combination of dimension values and how much of the deviation it explains."""

    slice: dict[str, str]
    share: float = Field(description="Additive share of the total metric deviation carried by this slice.")
    counterfactual_share: float = Field(
        description="1 - (metric with only this slice restored - expected) / (actual - expected)."
    )
    actual: float = Field(description="Metric inside the slice, actual (NaN on a zero denominator).")
    expected: float = Field(description="Metric inside the slice, expected.")
    deviation: float = Field(description="actual - expected inside the slice.")
    support: float = Field(description="Fraction of the actual denominator (or measure) in the slice.")
    support_expected: float = Field(description="Fraction of the expected denominator (or measure).")
    metric_if_restored: float = Field(description="Total metric if only this slice were back to expected.")
    score: float = Field(description="Search score: share² / variance share (a scan statistic).")


class MixRateContribution(BaseModel):
    """Mix and rate effect of one value (combination) of the split dimension(s)."""

    value: dict[str, str]
    weight_actual: float
    weight_expected: float
    rate_actual: float
    rate_expected: float
    mix: float
    rate: float


class MixRateSplit(BaseModel):
    """Change of a ratio metric split into a mix effect and a rate effect along some dimension(s).

    With weights w = d_g / D (actual) and ŵ = d̂_g / D̂ (expected), group rates r_g, r̂_g and expected total
    R̂: ``mix_g = (w_g - ŵ_g)(r̂_g - R̂)`` and ``rate_g = w_g (r_g - r̂_g)``; they add up to actual - expected
    exactly, so ``interaction`` is 0 by construction (the rate effect is measured at actual weights).
    """

    dimensions: list[str]
    total_change: float
    mix: float
    rate: float
    interaction: float = 0.0
    contributions: list[MixRateContribution]


class Localisation(BaseModel):
    """The answer of ``localise``: root-cause slices by importance plus context for explaining them."""

    slices: list[RootCauseSlice]
    explained_total: float = Field(description="Share of the total deviation the returned slices explain.")
    metric_actual: float
    metric_expected: float
    algorithm: str
    mix_rate: MixRateSplit | None = None
    note: str = ""
