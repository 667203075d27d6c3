"""Cross-checks that turn a raw finding into the right message.

* **Denominator effect** – a ratio metric (边现 = revenue / DAU, conversion = members / DAU) that moved
  only because DAU moved: in log space ``move(ratio) = move(numerator) - move(DAU)``, so the share of the
  ratio's move due to DAU is ``-move(DAU) / move(ratio)``. When that share reaches
  ``explain_min_denominator_share`` and the numerator is not itself anomalous in the same direction, the
  finding is kept with ``explained_by`` (reported, not notified): a holiday or free-trial DAU surge
  lowers 边现 without anything being wrong with revenue.
* **Thin calendar history** – on a special day (holiday, 调休, around a break) whose category was seen on
  fewer than ``min_calendar_samples`` earlier days, the effect is borrowed from a parent (a holiday from
  the weekend). A move in the *same direction* as that effect is most likely the holiday being stronger
  than an ordinary weekend: when it is at most ``thin_calendar_max_ratio`` times the borrowed effect, it is reported with
  ``explained_by``, not notified. A move against the
  calendar effect (DAU falling on a holiday) still alerts.
* **Mirrored slice** – a slice moving like the total (same metric and direction, relative change within
  a factor ``fold_tolerance`` of the total's, i.e. its share of the deviation ≈ its share of the total)
  adds nothing: it is folded into the total's finding instead of being reported on its own.
"""

from __future__ import annotations

import math

import numpy as np

from core.calendar import DayInfo
from core.cube import METRICS
from core.detection.calendar_effects import holiday_name_zh
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


def explain_thin_calendar(
    findings: list[tuple[Alert, int]],
    column: int,
    info: DayInfo,
    special_day: bool,
    grid: SeriesGrid,
    scores: GridScores,
    config: DetectionConfig,
    language: str,
) -> None:
    """Set ``explained_by`` on findings of a special day whose calendar effect has too little history."""
    if not special_day:
        return
    for finding, scope in findings:
        if finding.explained_by is not None:
            continue
        row = grid.row(finding.metric, scope)
        support = scores.calendar_support[row, column]
        effect = scores.calendar_effect[row, column]
        error = scores.log_error[row, column]
        if support >= config.min_calendar_samples or np.sign(effect) != np.sign(error) or effect == 0:
            continue
        if abs(error) > config.thin_calendar_max_ratio * abs(effect):  # too big for a stronger holiday
            continue
        finding.explained_by = _calendar_text(info, int(support), config.min_calendar_samples, language)


def _calendar_text(info: DayInfo, support: int, needed: int, language: str) -> str:
    name = info.holiday_name or str(info.kind)
    if language != "zh":
        return (
            f"Calendar effect ({name}): only {support} comparable earlier day(s) in the data (need {needed}), "
            f"so the effect was estimated from ordinary weekends; the move has the calendar effect's direction"
        )
    label = holiday_name_zh(info.holiday_name) if info.holiday_name else "特殊日"
    return (
        f"日历效应（{label}）：历史数据中同类日期只有 {support} 天（需要 {needed} 天），效应按普通周末估计；"
        f"偏离方向与日历效应一致，可能只是{label}效应更强"
    )
