"""``/budget``: what a simulation means for the card — budget use, saturation penalties, warning lines.

There is no AI section for the simulator (it is a calculator), so this module only reads the facts:

* ``budget_used_share`` = budget used / budget;
* per position, the share of its response lost to saturation: past the knee (80 % of ``max_capacity``)
  the extra response counts ``PENALTY`` = 0.4 (see :mod:`core.planning.capacity`), so the loss is
  ``1 - g(u) / u^β`` with ``g`` the penalised curve and ``u^β`` the curve without the penalty;
* ``command`` – the simulation's input as the text a user would type, so a card can show how to change it.

:func:`budget_notes` turns warnings and penalties into short lines (zh/en) whose numbers all come from the
:class:`BudgetReading`.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel

from core.narrators.planning_format import pct
from core.narrators.strategy import plan_risk_text
from core.planning.capacity import CURVE_EXPONENT, KNEE, PENALTY, curve
from core.planning.plan_models import BudgetInput, BudgetSimulation

REPEATED_WARNINGS = frozenset({"capacity_near_limit"})  # said by the penalty line instead


class PositionReading(BaseModel):
    position: str
    capacity_used: float
    near_limit: bool
    penalty_share: float


class BudgetReading(BaseModel):
    simulation: BudgetSimulation
    command: str
    budget_used_share: float | None
    knee: float = KNEE
    penalty: float = PENALTY
    positions: list[PositionReading]


def budget_command_text(parsed: BudgetInput) -> str:
    """The ``/budget`` arguments that reproduce ``parsed`` (content in %, usage as fractions, budget in 元)."""
    parts = [f"{name}{round(share * 100, 1):g}" for name, share in parsed.content_ratio.items()]
    parts += [f"{name}={round(usage, 2):g}" for name, usage in parsed.position_usage.items()]
    parts += [f"预算{parsed.budget:.0f}", f"{parsed.days}天"]
    if parsed.segment:
        parts.append(f"人群={parsed.segment}")
    if parsed.discount:
        parts.append(f"优惠={parsed.discount}")
    return " ".join(parts)


def read_budget(simulation: BudgetSimulation, command: str) -> BudgetReading:
    usage = np.array([p.usage for p in simulation.positions], dtype=float)
    capacity = np.array([p.max_capacity for p in simulation.positions], dtype=float)
    unpenalised = np.clip(usage, 0, capacity) ** CURVE_EXPONENT
    penalised = curve(usage, capacity)
    lost = np.divide(unpenalised - penalised, unpenalised, out=np.zeros(len(usage)), where=unpenalised > 0)
    positions = [
        PositionReading(
            position=p.position,
            capacity_used=p.capacity_used,
            near_limit=p.capacity_used > KNEE + 1e-9,
            penalty_share=float(lost[i]),
        )
        for i, p in enumerate(simulation.positions)
    ]
    share = simulation.budget_used / simulation.budget if simulation.budget > 0 else None
    return BudgetReading(simulation=simulation, command=command, budget_used_share=share, positions=positions)


def budget_notes(reading: BudgetReading, language: str = "zh") -> list[str]:
    """Saturation lines for positions above the knee, then every other warning with its numbers."""
    notes = []
    for p in reading.positions:
        if not p.near_limit:
            continue
        notes.append(
            f"{p.position} 使用容量的 {pct(p.capacity_used, signed=False)}（超过 {pct(reading.knee, signed=False, digits=0)}）："
            f"超出部分响应按 {reading.penalty:g} 折算，响应损失 {pct(p.penalty_share, signed=False)}"
            if language == "zh"
            else f"{p.position} at {pct(p.capacity_used, signed=False)} of capacity (above "
            f"{pct(reading.knee, signed=False, digits=0)}): the extra response counts ×{reading.penalty:g}, "
            f"{pct(p.penalty_share, signed=False)} of its response lost"
        )
    notes += [
        plan_risk_text(w, language) for w in reading.simulation.warnings if w.code not in REPEATED_WARNINGS
    ]
    return notes
