"""The anomaly scan: cube in, calibrated and cross-checked alerts out.

Pipeline: read the grouped series (total and one-dimension slices per day: the reader pushes that
aggregation down where it can) into a (metric x scope) x day grid -> score every cell at once
(:mod:`core.detection.engine`) -> for each requested date with enough data, keep cells whose score
reaches the minor threshold -> explain ratio moves caused by DAU -> fold slices that mirror the total ->
localise root causes of what is left (from the leaf rows of the alert days and their baseline days
only) -> explain acquisition surges of running campaigns -> group alerts
that share a cause -> hold back isolated minor alerts -> sort by importance.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from core.calendar import ChineseCalendar, DayInfo
from core.cube import METRICS
from core.cube_reader import SET, CubeReader, as_reader
from core.detection.calendar_effects import CalendarDays, calendar_days, calendar_notes
from core.detection.campaigns import explain_campaign_moves, running_campaigns
from core.detection.config import DetectionConfig
from core.detection.crosschecks import (
    explain_calendar_moves,
    explain_denominator_moves,
    fold_mirrored_slices,
    hold_back_isolated_minor,
)
from core.detection.engine import GridScores, score_grid
from core.detection.grouping import group_by_cause
from core.detection.metric_tree import TreeMove
from core.detection.models import Alert, DateStatus, ScanResult, importance
from core.detection.panel import day_panel
from core.detection.rootcause_hook import LeafBaselines, attach_root_causes, default_localiser
from core.detection.series import SeriesGrid, build_grid, scope_overlap
from core.detection.status import column_of, insufficiency, unlearnt_weekday


def scan(
    cube: pd.DataFrame | CubeReader,
    dates: Sequence[dt.date] | None = None,
    *,
    calendar: ChineseCalendar,
    config: DetectionConfig = DetectionConfig(),
    localise: Callable | None = None,
    campaigns: pd.DataFrame | None = None,
    language: Literal["zh", "en"] = "zh",
) -> ScanResult:
    """Score ``dates`` (default: the latest day with data) on every metric, for the total and each slice.

    ``cube``: a cube frame, or a :class:`~core.cube_reader.CubeReader` that answers grouped series and the
    leaves of given days (a warehouse or the embedded store: the whole cube is then never loaded).

    ``localise``: the root-cause localiser; None uses ``core.rootcause.localise`` when it is installed.
    ``campaigns``: the campaign calendar (campaign_id, start_date, end_date and target columns such as
    target_segment, discount, resource_positions, target_arpu_lift); an acquisition surge a running campaign
    targets, and a rise inside a running campaign's audience within its planned lift, are explained rather
    than notified (:mod:`core.detection.campaigns`).
    """
    reader = as_reader(cube)
    last_day = reader.span()[1]
    scored = sorted({pd.Timestamp(d).date() for d in dates}) if dates else ([last_day] if last_day else [])
    if not scored or last_day is None:
        return _empty_result(scored, config, language, calendar)
    series = reader.series(None, scored[-1])
    dimensions = reader.dimensions()
    grid = build_grid(
        series,
        dimensions,
        config.metrics,
        pd.Timestamp(scored[-1]),
        min_share=config.min_slice_share,
        share_window_days=config.share_window_days,
    )
    days = calendar_days(grid.dates, calendar)
    columns = [c for c in (column_of(grid, day) for day in scored) if c is not None]
    scores = score_grid(grid.values, days, config, columns, scope_overlap(grid))

    statuses: list[DateStatus] = []
    alerts: list[Alert] = []
    explained: list[Alert] = []
    for day in scored:
        info = calendar.info(day)
        notes = calendar_notes(info, language)
        reason = insufficiency(grid, days, day, config, language) or unlearnt_weekday(
            grid, days, scores, day, language
        )
        statuses.append(
            DateStatus(
                date=day,
                status="not_enough_data" if reason else "ok",
                reason=reason,
                calendar_notes=notes,
                calendar_provisional=info.provisional,
            )
        )
        if reason is None:
            standing = _findings_of_day(day, info, grid, days, scores, config, notes, language)
            alerts += [a for a in standing if a.explained_by is None]
            explained += [a for a in standing if a.explained_by is not None]

    _localise_all(alerts, reader, grid, days, scores, config, localise)
    values = {d: set(series.loc[series[SET] == i, "value"]) for i, d in enumerate(dimensions, start=1)}
    running = running_campaigns(campaigns, values)
    alerts, by_campaign = explain_campaign_moves(alerts, running, grid, scores, config, language)
    explained += by_campaign
    alerts = group_by_cause(alerts)
    explained += hold_back_isolated_minor(alerts, config, language)
    panel = [
        metric
        for status in statuses
        if status.status == "ok" and (column := column_of(grid, status.date)) is not None
        for metric in day_panel(status.date, column, grid, scores, alerts, explained)
    ]
    return ScanResult(
        panel=panel,
        dates=scored,
        alerts=sorted(alerts, key=importance),
        explained=sorted(explained, key=importance),
        statuses=statuses,
        series_scored=len(grid.values),
        scopes=grid.scopes,
        settings=config,
        language=language,
    )


def _findings_of_day(
    day: dt.date,
    info: DayInfo,
    grid: SeriesGrid,
    days: CalendarDays,
    scores: GridScores,
    config: DetectionConfig,
    notes: list[str],
    language: str,
) -> list[Alert]:
    provisional = info.provisional
    column = column_of(grid, day)
    assert column is not None  # insufficiency() checked it
    rows = np.flatnonzero(np.abs(np.nan_to_num(scores.score[:, column])) >= config.minor)
    findings = [
        (_alert(row, column, day, grid, scores, config, notes, provisional, language), grid.key(row)[1])
        for row in rows
    ]
    explain_denominator_moves(findings, column, grid, scores, config, language)
    category = int(days.category[column])
    explain_calendar_moves(findings, column, info, category, grid, scores, config, language)
    return fold_mirrored_slices([alert for alert, _ in findings], config)


def _alert(
    row: int,
    column: int,
    day: dt.date,
    grid: SeriesGrid,
    scores: GridScores,
    config: DetectionConfig,
    notes: list[str],
    provisional: bool,
    language: str,
) -> Alert:
    metric, scope_index = grid.key(row)
    value = float(grid.values[row, column])
    expected = float(scores.expected[row, column])
    score = float(scores.score[row, column])
    return Alert(
        date=day,
        metric=metric,
        metric_label=METRICS[metric].label(language),
        scope=grid.scopes[scope_index],
        value=value,
        expected=expected,
        lower=float(scores.lower[row, column]),
        upper=float(scores.upper[row, column]),
        pct_change=value / expected - 1.0 if expected else math.nan,
        z=round(score, 4),
        z_raw=round(float(scores.z_raw[row, column]), 4),
        severity=_severity(abs(score), config),
        direction="up" if score > 0 else "down",
        calendar_notes=notes,
        calendar_provisional=provisional,
        tree=_tree(scope_index, column, grid, scores),
    )


def _tree(scope_index: int, column: int, grid: SeriesGrid, scores: GridScores) -> dict[str, TreeMove]:
    """Every scanned metric of the scope on the day: its change against the baseline and its score."""
    out = {}
    for metric in grid.metrics:
        row = grid.row(metric, scope_index)
        error, score = float(scores.log_error[row, column]), float(scores.score[row, column])
        if math.isfinite(error):
            out[metric] = TreeMove(change=math.expm1(error), z=score if math.isfinite(score) else 0.0)
    return out


def _severity(magnitude: float, config: DetectionConfig) -> Literal["minor", "moderate", "severe"]:
    if magnitude > config.severe:
        return "severe"
    return "moderate" if magnitude > config.moderate else "minor"


def _localise_all(
    alerts: list[Alert],
    reader: CubeReader,
    grid: SeriesGrid,
    days: CalendarDays,
    scores: GridScores,
    config: DetectionConfig,
    localise: Callable | None,
) -> None:
    localiser = localise or default_localiser()
    if not alerts or localiser is None or config.max_root_causes == 0 or not grid.dimensions:
        return
    columns = {alert.date: column_of(grid, alert.date) for alert in alerts}
    leaves = LeafBaselines(reader, grid, days, scores, [c for c in columns.values() if c is not None], config)
    for alert in alerts:
        column = columns[alert.date]
        scope_index = grid.scopes.index(alert.scope)
        attach_root_causes(alert, column, scope_index, leaves, grid, scores, localiser, config)


def _empty_result(
    scored: list[dt.date], config: DetectionConfig, language: str, calendar: ChineseCalendar
) -> ScanResult:
    reason = "没有任何数据" if language == "zh" else "The data is empty"
    statuses = [
        DateStatus(
            date=day,
            status="not_enough_data",
            reason=reason,
            calendar_notes=calendar_notes(calendar.info(day), language),
            calendar_provisional=calendar.info(day).provisional,
        )
        for day in scored
    ]
    return ScanResult(
        dates=scored,
        alerts=[],
        explained=[],
        statuses=statuses,
        series_scored=0,
        scopes=[],
        settings=config,
        language=language,
    )
