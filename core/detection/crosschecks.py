"""Cross-checks that turn a raw finding into the right message.

* **Denominator effect** – a ratio metric (边现 = revenue / DAU, conversion = members / DAU) that moved
  only because DAU moved: in log space ``move(ratio) = move(numerator) - move(DAU)``, so the share of the
  ratio's move due to DAU is ``-move(DAU) / move(ratio)``. When that share reaches
  ``explain_min_denominator_share`` and the numerator is not itself anomalous in the same direction, the
  finding is kept with ``explained_by`` (reported, not notified): a holiday or free-trial DAU surge
  lowers 边现 without anything being wrong with revenue.
* **Calendar effect** – on a special day (holiday, 调休, around a break) the size of the calendar effect
  is the least certain part of the forecast: holidays differ from each other (a first National Day is
  larger than the Dragon Boat festival it was learnt from) and a first holiday borrows its effect from
  the weekend. A move that keeps the day's effect between ``1 / calendar_max_ratio`` and
  ``1 + calendar_max_ratio`` times its typical size (a stronger, or somewhat weaker, holiday) is reported
  with ``explained_by``, not notified. The typical size is the largest of the
  series' own effect, the total's effect on the metric and, for volume metrics, the DAU effect (DAU,
  revenue and members rising together on a holiday are one effect). A move that cancels most of the
  calendar effect (DAU falling to a workday level on a holiday) or goes far beyond it still alerts.
* **Isolated minor move** – a minor alert that, after grouping, has no other finding folded into it
  (no second metric or slice agrees) is held back as "watch" (see :func:`hold_back_isolated_minor`).
* **Mirrored slice** – a slice moving like the total (same metric and direction, relative change within
  a factor ``fold_tolerance`` of the total's, i.e. its share of the deviation ≈ its share of the total)
  adds nothing: it is folded into the total's finding instead of being reported on its own.
"""

from __future__ import annotations

import math

import numpy as np

from core.calendar import DayInfo
from core.cube import METRICS
from core.detection.calendar_effects import (
    ADJUSTED_WORKDAY,
    AFTER_HOLIDAY,
    BEFORE_HOLIDAY,
    HOLIDAY,
    holiday_name_zh,
)
from core.detection.config import DetectionConfig
from core.detection.engine import GridScores
from core.detection.models import Alert, FoldedSlice
from core.detection.series import SeriesGrid


def explain_denominator_moves(
    findings: list[tuple[Alert, int]],
    column: int,
    grid: SeriesGrid,
    scores: GridScores,
    config: DetectionConfig,
    language: str,
) -> None:
    """Set ``explained_by``/``denominator_share`` on ratio findings driven by DAU (in place).

    ``findings``: (alert, scope index in the grid) pairs of one date.
    """
    if "dau" not in grid.metrics:
        return
    for finding, scope in findings:
        definition = METRICS[finding.metric]
        if not definition.is_ratio or definition.denominator != ("dau",):
            continue
        ratio_move = scores.log_error[grid.row(finding.metric, scope), column]
        dau_move = scores.log_error[grid.row("dau", scope), column]
        if not (np.isfinite(ratio_move) and np.isfinite(dau_move)) or ratio_move == 0:
            continue
        share = float(-dau_move / ratio_move)
        finding.denominator_share = round(min(max(share, 0.0), 1.0), 4)
        if share < config.explain_min_denominator_share:
            continue
        if _numerator_alerting(definition.numerator, scope, column, grid, scores, config, ratio_move):
            continue
        numerator_move = ratio_move + dau_move
        finding.explained_by = _denominator_text(finding, dau_move, numerator_move, share, language)


def _numerator_alerting(
    numerator: tuple[str, ...],
    scope: int,
    column: int,
    grid: SeriesGrid,
    scores: GridScores,
    config: DetectionConfig,
    ratio_move: float,
) -> bool:
    for measure in numerator:
        if measure in grid.metrics:
            score = scores.score[grid.row(measure, scope), column]
            if np.isfinite(score) and abs(score) >= config.minor and np.sign(score) == np.sign(ratio_move):
                return True
    return False


def _denominator_text(
    finding: Alert, dau_move: float, numerator_move: float, share: float, language: str
) -> str:
    definition = METRICS[finding.metric]
    dau_pct, numerator_pct = math.expm1(dau_move), math.expm1(numerator_move)
    numerator_label = "收入" if definition.numerator == ("revenue",) else "新增+续费会员"
    if language != "zh":
        numerator_label = "revenue" if definition.numerator == ("revenue",) else "new + renewed members"
        verb = "fell" if finding.direction == "down" else "rose"
        return (
            f"Denominator effect: DAU {dau_pct:+.1%} while {numerator_label} was normal ({numerator_pct:+.1%}); "
            f"{definition.en} {verb} {finding.pct_change:+.1%}, {min(share, 1.0):.0%} of it due to DAU"
        )
    verb = "下降" if finding.direction == "down" else "上升"
    return (
        f"分母效应：DAU {dau_pct:+.1%}，{numerator_label}正常（{numerator_pct:+.1%}），"
        f"{definition.zh}{verb} {finding.pct_change:+.1%}，其中约 {min(share, 1.0):.0%} 由 DAU 变化导致"
    )


def fold_mirrored_slices(findings: list[Alert], config: DetectionConfig) -> list[Alert]:
    """Attach slice findings that mirror their total's finding to it; return the findings left standing."""
    totals = {(f.metric, f.direction): f for f in findings if not f.scope}
    standing: list[Alert] = []
    for finding in findings:
        total = totals.get((finding.metric, finding.direction)) if finding.scope else None
        if total is not None and _mirrors(finding.pct_change, total.pct_change, config.fold_tolerance):
            total.folded.append(
                FoldedSlice(
                    scope=finding.scope,
                    value=finding.value,
                    expected=finding.expected,
                    z=finding.z,
                    pct_change=finding.pct_change,
                )
            )
        else:
            standing.append(finding)
    return standing


def _mirrors(slice_change: float, total_change: float, tolerance: float) -> bool:
    if total_change == 0 or not (math.isfinite(slice_change) and math.isfinite(total_change)):
        return False
    ratio = slice_change / total_change
    return 1.0 / tolerance <= ratio <= tolerance


def explain_calendar_moves(
    findings: list[tuple[Alert, int]],
    column: int,
    info: DayInfo,
    category: int,
    grid: SeriesGrid,
    scores: GridScores,
    config: DetectionConfig,
    language: str,
) -> None:
    """Set ``explained_by`` on findings of a special day that look like a stronger calendar effect."""
    if category < HOLIDAY:
        return
    for finding, scope in findings:
        if finding.explained_by is not None:
            continue
        row = grid.row(finding.metric, scope)
        error = float(scores.log_error[row, column])
        direction, typical = _typical_effect(finding.metric, scope, column, grid, scores)
        if typical == 0 or not _plausible_calendar_move(
            error * direction, typical, config.calendar_max_ratio
        ):
            continue
        support = int(scores.calendar_support[row, column])
        finding.explained_by = _calendar_text(
            info, category, direction * typical, support, config.min_calendar_samples, language
        )


def _plausible_calendar_move(along: float, typical: float, ratio: float) -> bool:
    """The day's effect was between ``1 / ratio`` and ``1 + ratio`` times its typical size: the move along
    the effect's direction (``along``) lies in ``[-(1 - 1 / ratio) * typical, ratio * typical]``."""
    return -(1.0 - 1.0 / ratio) * typical <= along <= ratio * typical


def _typical_effect(
    metric: str, scope: int, column: int, grid: SeriesGrid, scores: GridScores
) -> tuple[int, float]:
    """Direction and size of the day's calendar effect for a series: the largest of its own effect, the
    total's effect on the same metric and, for a volume metric, the DAU effect of its scope and of the
    total (DAU, revenue and members rising together on a holiday are one effect)."""
    candidates = [(metric, scope), (metric, 0)]
    if not METRICS[metric].is_ratio and "dau" in grid.metrics:
        candidates += [("dau", scope), ("dau", 0)]
    effects = [float(scores.calendar_effect[grid.row(m, s), column]) for m, s in candidates]
    effects = [e for e in effects if np.isfinite(e)]
    if not effects:
        return 0, 0.0
    largest = max(effects, key=abs)
    return int(np.sign(largest)), abs(largest)


_SPECIAL_LABELS = {
    ADJUSTED_WORKDAY: ("调休工作日", "adjusted working day"),
    BEFORE_HOLIDAY: ("节前工作日", "day before a break"),
    AFTER_HOLIDAY: ("节后首个工作日", "first day after a break"),
}


def _calendar_text(
    info: DayInfo, category: int, typical: float, support: int, needed: int, language: str
) -> str:
    zh = language == "zh"
    if category == HOLIDAY:
        name = info.holiday_name or ("节假日" if zh else "holiday")
        label = holiday_name_zh(name) if zh else name
    else:
        label = _SPECIAL_LABELS.get(category, ("特殊日", "special day"))[0 if zh else 1]
    typical_pct = math.expm1(typical)
    if not zh:
        text = (
            f"Calendar effect ({label}): the move has the direction of the day's usual effect "
            f"({typical_pct:+.0%}) and is within a plausible multiple of it"
        )
        if support < needed:
            text += (
                f"; only {support} comparable earlier day(s) in the data, the effect borrows from weekends"
            )
        return text
    text = (
        f"日历效应（{label}）：偏离方向与该类日期的常规效应（约 {typical_pct:+.0%}）一致，幅度在合理倍数以内"
    )
    if support < needed:
        text += f"；历史数据中同类日期只有 {support} 天（需要 {needed} 天），效应参考周末估计"
    return text


def hold_back_isolated_minor(alerts: list[Alert], config: DetectionConfig, language: str) -> list[Alert]:
    """Move uncorroborated minor alerts out of ``alerts`` (in place); return them with ``explained_by``.

    A real incident moves several series at once – its slice and the scopes containing it, a ratio and its
    numerator – so after grouping its alert carries folded findings. A *minor* alert with nothing folded
    is one series barely over the line with no second series agreeing: on the demo benchmark that is
    three times likelier noise than signal. It is reported (as "watch"), not notified, unless
    ``notify_isolated_minor`` is set.
    """
    if config.notify_isolated_minor:
        return []
    held = [a for a in alerts if a.severity == "minor" and not a.folded]
    for alert in held:
        alert.explained_by = (
            "孤立的轻微波动：只有这一条序列略超阈值，没有其他指标或切片佐证，列入观察、不推送"
            if language == "zh"
            else "Isolated minor move: only this series is slightly over the threshold, with no other metric "
            "or slice agreeing; kept for watching, not notified"
        )
    alerts[:] = [a for a in alerts if a.explained_by is None]
    return held
