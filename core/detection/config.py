"""Settings of the anomaly scan. Plain pydantic values: the caller decides where they come from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

DEFAULT_METRICS: tuple[str, ...] = ("dau", "revenue", "arpu", "conversion", "new_members", "renew_members")


class DetectionConfig(BaseModel):
    """Every knob of the scan. The defaults implement "7 comparable days, median/MAD, calibrated score"."""

    model_config = ConfigDict(frozen=True)

    metrics: tuple[str, ...] = DEFAULT_METRICS
    # -- baseline ------------------------------------------------------------------------------------
    baseline_window: int = Field(default=7, ge=3, description="comparable days before the scored day")
    baseline_min_values: int = Field(default=5, ge=2, description="valid days needed inside the window")
    robust: bool = Field(default=True, description="median/MAD baseline (True) or mean/standard deviation")
    exclude_anomalies_from_baseline: bool = Field(
        default=True, description="unusual days are left out of later days' baselines"
    )
    baseline_exclude_z: float = Field(default=2.5, gt=0, description="calibrated |z| of an unusual day")
    min_history_days: int = Field(default=14, ge=3, description="valid days of history before a date")
    # -- calendar ------------------------------------------------------------------------------------
    calendar_lookback_days: int = Field(default=364, ge=28)
    calendar_prior_days: float = Field(default=1.0, ge=0, description="shrinkage of a rare calendar effect")
    holiday_prior_factor: float = Field(
        default=1.5, ge=0, description="prior holiday effect, as a multiple of the weekend effect"
    )
    special_day_noise_factor: float = Field(
        default=2.0, ge=1, description="wider band on holidays, 调休 days and days around a break"
    )
    # -- calibration ---------------------------------------------------------------------------------
    calibration_days: int = Field(default=56, ge=14, description="history used to calibrate the score")
    min_relative_noise: float = Field(default=0.01, ge=0, description="noise floor, relative (0.01 = 1%)")
    family_size: int | None = Field(default=None, ge=1, description="tests per day; None = series scored")
    # -- severity (on the calibrated, multiple-testing adjusted score) -----------------------------------
    minor: float = 1.5
    moderate: float = 2.0
    severe: float = 2.5
    # -- slices and cross-checks ----------------------------------------------------------------------
    min_slice_share: float = Field(default=0.02, ge=0, le=1, description="of DAU or revenue")
    share_window_days: int = Field(default=28, ge=1)
    explain_min_denominator_share: float = Field(default=0.6, gt=0, le=1)
    campaign_lift_tolerance: float = Field(
        default=1.5,
        ge=0,
        description="largest rise on a running campaign's target explained by it, in units of its planned lift",
    )
    min_calendar_samples: int = Field(
        default=3, ge=0, description="past days of a special calendar category needed to trust its effect"
    )
    calendar_max_ratio: float = Field(
        default=2.0,
        ge=0,
        description="largest move explained by a special day, in units of its typical effect",
    )
    notify_isolated_minor: bool = Field(
        default=False, description="notify a minor alert that no other metric or slice corroborates"
    )
    fold_tolerance: float = Field(default=1.5, gt=1, description="slice/total relative-change ratio")
    max_root_causes: int = Field(default=5, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> DetectionConfig:
        if not 0 < self.minor <= self.moderate <= self.severe:
            raise ValueError("thresholds must satisfy 0 < minor <= moderate <= severe")
        if self.baseline_min_values > self.baseline_window:
            raise ValueError("baseline_min_values cannot exceed baseline_window")
        return self
