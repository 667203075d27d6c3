"""Knobs of the daily alerts, read from the environment / ``.env`` like ``core.config.Settings``.

Kept here (not in ``core.config``) while the feature settles; every name is upper-case in the environment:
``ALERT_MISFIRE_GRACE_S``, ``ALERT_RECHECK_MINUTES``, ``ALERT_DATA_CUTOFF`` (HH:MM in TIMEZONE),
``ALERT_REPEAT_DAYS``, ``ALERT_SNOOZE_HOURS``, ``ALERT_FP_STEP``, ``ALERT_FP_MAX_MULTIPLIER``,
``DELIVERY_MAX_TRIES``, ``DELIVERY_BACKOFF_S``, ``DELIVERY_BACKOFF_MAX_S``, ``DELIVERY_POLL_S``,
``DELIVERY_CLAIM_S``, ``DELIVERY_RECOVERY_MINUTES`` (0 = off), ``DELIVERY_RECOVERY_MAX_AGE_HOURS``.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SchedulerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # -- the daily job --------------------------------------------------------------------------------
    alert_misfire_grace_s: int = Field(
        default=6 * 3600, gt=0, description="a missed run still runs this late"
    )
    alert_recheck_minutes: int = Field(default=30, gt=0, description="data-freshness re-check interval")
    alert_data_cutoff: dt.time = Field(default=dt.time(14, 0), description="stop waiting for data (local)")
    scan_lease_s: int = Field(default=1800, gt=0, description="a crashed replica's scan is taken over after")
    # -- lifecycle ------------------------------------------------------------------------------------
    alert_repeat_days: int = Field(default=3, ge=1, description="re-announce a continuing anomaly after")
    digest_quiet_days: Literal["panel", "silent"] = Field(
        default="panel",
        description="a day without alerts still posts the short 全部正常 panel (panel) or nothing (silent)",
    )
    alert_snooze_hours: int = Field(default=24, gt=0)
    alert_fp_step: float = Field(default=1.25, gt=1, description="threshold multiplier per false positive")
    alert_fp_max_multiplier: float = Field(default=2.0, ge=1)
    # -- delivery -------------------------------------------------------------------------------------
    delivery_max_tries: int = Field(default=6, ge=1)
    delivery_backoff_s: float = Field(default=30.0, gt=0)
    delivery_backoff_max_s: float = Field(default=1800.0, gt=0)
    delivery_poll_s: int = Field(default=30, gt=0)
    delivery_claim_s: int = Field(default=300, gt=0, description="a send taking longer is presumed crashed")
    delivery_recovery_minutes: int = Field(default=60, ge=0, description="failed rows retried after; 0 = off")
    delivery_recovery_max_age_hours: int = Field(default=24, gt=0)
