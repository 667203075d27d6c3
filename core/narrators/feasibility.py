"""Goal feasibility (``/goal``): the facts the narrative may use, and the offline narrator.

:func:`feasibility_facts` condenses a :class:`~core.planning.GoalAssessment` to what a reader needs (the
forecast as its horizon mean and band rather than 30 daily points; the tree as its factors and segments),
with the risk codes labelled. :func:`narrate_feasibility` writes the :class:`~core.ai.sections.Feasibility`
from those facts alone:

* reason – current value → target, the natural change without action, the lift a campaign must add, and
  where that lift lies among past campaigns (the difficulty band: median, 75th / 90th percentile, best);
* risks – each risk code with its numbers;
* advice – by level (routine / copy the best past campaign / extend the horizon or lower the target to the
  75th percentile), the largest segment and what it alone would need, the conversion lever, then
  risk-specific steps (stop the decline, test first); always ends with ``/strategy`` and ``/budget``.

Every number written is a field of :class:`FeasibilityFacts` shown with fewer decimals than it holds.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from core.ai.sections import Feasibility
from core.cube import METRICS
from core.narrators.planning_format import metric_value, pct
from core.narrators.text_fit import PARAGRAPH_LIMIT, clip, fit
from core.planning.goal_models import DecompositionNode, Difficulty, GoalAssessment, LiftDistribution
from core.planning.labels import label

MAX_ITEMS = 5
PERCENTILE_LEVELS = (50, 75, 90)
METRIC_LABELS_EXTRA = {"arppu": ("ARPPU", "ARPPU")}


class LabelledFact(BaseModel):
    """A risk code with its label in the card's language and its numbers."""

    code: str
    label: str
    value: float | None = None
    threshold: float | None = None
    detail: dict[str, str | float | int | None] = Field(default_factory=dict)


class TreeNodeFacts(BaseModel):
    """A factor or segment of the goal tree: current value, its share and what it alone would need."""

    name: str
    label: str
    metric: str
    current: float
    share: float | None = None
    required: float | None = None
    required_lift: float | None = None


class FeasibilityFacts(BaseModel):
    metric: str
    metric_label: str
    scope: str | None = Field(description="The goal's segment keyword; None = all segments.")
    segments: list[str]
    target_lift: float
    horizon_days: int
    baseline: float
    target_value: float
    forecast_mean: float
    forecast_lower: float
    forecast_upper: float
    forecast_level: float
    natural_lift: float
    difficulty: Difficulty
    history: LiftDistribution
    percentile_levels: list[int] = Field(default_factory=lambda: list(PERCENTILE_LEVELS))
    factors: list[TreeNodeFacts]
    segment_nodes: list[TreeNodeFacts]
    risks: list[LabelledFact]


def node_label(name: str, language: str) -> str:
    if name in METRICS:
        return METRICS[name].label(language)
    if name in METRIC_LABELS_EXTRA:
        zh, en = METRIC_LABELS_EXTRA[name]
        return zh if language == "zh" else en
    return name


def feasibility_facts(assessment: GoalAssessment, language: str = "zh") -> FeasibilityFacts:
    tree = assessment.decomposition

    def node(item: DecompositionNode) -> TreeNodeFacts:
        return TreeNodeFacts(
            name=item.name,
            label=node_label(item.name, language),
            metric=item.metric,
            current=item.current,
            share=item.share,
            required=item.required,
            required_lift=item.required_lift,
        )

    forecast = assessment.forecast
    return FeasibilityFacts(
        metric=assessment.spec.metric,
        metric_label=node_label(assessment.spec.metric, language),
        scope=assessment.spec.segment_filter,
        segments=assessment.segments,
        target_lift=assessment.spec.target_lift or 0.0,
        horizon_days=assessment.spec.horizon_days,
        baseline=assessment.baseline,
        target_value=assessment.target_value,
        forecast_mean=forecast.mean,
        forecast_lower=forecast.mean_lower,
        forecast_upper=forecast.mean_upper,
        forecast_level=forecast.level,
        natural_lift=forecast.natural_lift,
        difficulty=assessment.difficulty,
        history=assessment.history,
        factors=[node(child) for child in tree.children],
        segment_nodes=[node(child) for child in tree.segments],
        risks=[
            LabelledFact(
                code=r.code,
                label=label(r.code, language),
                value=r.value,
                threshold=r.threshold,
                detail=r.detail,
            )
            for r in assessment.risks
        ],
    )


def _t(language: str, zh: str, en: str) -> str:
    return zh if language == "zh" else en


def _band_sentence(facts: FeasibilityFacts, language: str) -> str:
    history, difficulty = facts.history, facts.difficulty
    if not history.n:
        t = difficulty.thresholds
        return _t(
            language,
            f"没有可比的历史活动，按默认阈值评估（中位 {pct(t['median'])}，最佳 {pct(t['best'])}）。",
            f"No comparable past campaigns: judged on default thresholds "
            f"(median {pct(t['median'])}, best {pct(t['best'])}).",
        )
    best = (
        f"{pct(history.best)}（{history.best_campaign_id}）"
        if language == "zh"
        else (f"{pct(history.best)} ({history.best_campaign_id})")
    )
    band = difficulty.band
    if band == "at_or_below_median":
        return _t(
            language,
            f"这不高于 {history.n} 个历史同类活动的中位提升 {pct(history.median)}，多数活动能做到。",
            f"That is no more than the median lift {pct(history.median)} of {history.n} past campaigns: "
            "most of them achieved it.",
        )
    if band == "median_to_p75":
        return _t(
            language,
            f"这高于历史中位 {pct(history.median)}，但不超过 75 分位 {pct(history.p75)}。",
            f"That is above the past median {pct(history.median)} but within the 75th percentile "
            f"{pct(history.p75)}.",
        )
    if band == "p75_to_p90":
        return _t(
            language,
            f"这高于历史 75 分位 {pct(history.p75)}，不超过 90 分位 {pct(history.p90)}：只有前列活动做到过。",
            f"That is above the 75th percentile {pct(history.p75)}, within the 90th {pct(history.p90)}: "
            "only the leading campaigns got there.",
        )
    if band == "p90_to_best":
        return _t(
            language,
            f"这高于历史 90 分位 {pct(history.p90)}，接近历史最佳 {best}。",
            f"That is above the 90th percentile {pct(history.p90)}, close to the best past campaign {best}.",
        )
    return _t(
        language,
        f"这超过了历史最佳活动 {best}。",
        f"That is beyond the best past campaign {best}.",
    )


def _reason(facts: FeasibilityFacts, language: str) -> str:
    d = facts.difficulty
    scope = facts.scope or _t(language, "整体", "overall")
    start, goal = metric_value(facts.metric, facts.baseline), metric_value(facts.metric, facts.target_value)
    sentences = [
        _t(
            language,
            f"{scope}{facts.metric_label}需从 {start} 提升到 {goal}（{pct(facts.target_lift)}，"
            f"{facts.horizon_days} 天）。",
            f"{facts.metric_label} ({scope}) must rise from {start} to {goal} ({pct(facts.target_lift)} in "
            f"{facts.horizon_days} days).",
        ),
        _t(
            language,
            f"不做活动的自然变化为 {pct(d.natural_lift)}，活动需额外带来 {pct(d.needed_lift)}。",
            f"Without action it changes by {pct(d.natural_lift)}, so a campaign must add {pct(d.needed_lift)}.",
        ),
        _band_sentence(facts, language),
    ]
    if d.percentile is not None and facts.history.n:
        sentences.append(
            _t(
                language,
                f"所需提升高于 {pct(d.percentile, signed=False)} 的历史活动。",
                f"The needed lift beats {pct(d.percentile, signed=False)} of past campaigns.",
            )
        )
    return fit(sentences, PARAGRAPH_LIMIT, "" if language == "zh" else " ")


def _risk_text(risk: LabelledFact, language: str) -> str:
    v, th = risk.value, risk.threshold
    code = risk.code
    if code == "few_past_campaigns" and v is not None:
        extra = _t(language, f"仅 {v:g} 个", f"only {v:g}")
    elif code == "history_from_other_segments" and v is not None:
        extra = _t(language, f"参考了 {v:g} 个其他人群的活动", f"{v:g} campaigns of other segments")
    elif code == "negative_trend" and v is not None:
        extra = _t(language, f"不做活动预计 {pct(v)}", f"{pct(v)} without action")
    elif code == "target_above_best_campaign" and v is not None and th is not None:
        campaign = risk.detail.get("campaign_id") or ""
        extra = _t(
            language,
            f"需 {pct(v)}，最佳 {campaign} 为 {pct(th)}",
            f"needs {pct(v)}, best {campaign} {pct(th)}",
        )
    elif code == "wide_forecast_interval" and v is not None:
        extra = _t(
            language,
            f"区间宽度为均值的 {pct(v, signed=False)}",
            f"band is {pct(v, signed=False)} of the mean",
        )
    elif code == "horizon_shorter_than_campaigns" and v is not None and th is not None:
        extra = _t(language, f"{v:g} 天，历史活动中位 {th:g} 天", f"{v:g} days vs a median of {th:g}")
    elif code == "short_history" and v is not None:
        extra = _t(language, f"仅 {v:g} 天", f"only {v:g} days")
    else:
        return risk.label
    return f"{risk.label}：{extra}" if language == "zh" else f"{risk.label}: {extra}"


def _largest_segment(facts: FeasibilityFacts) -> TreeNodeFacts | None:
    nodes = [n for n in facts.segment_nodes if n.share is not None and n.required_lift is not None]
    if len(nodes) < 2:
        return None
    return max(nodes, key=lambda n: (n.share, n.name))


def _advice(facts: FeasibilityFacts, language: str) -> list[str]:
    level, history = facts.difficulty.level, facts.history
    advice: list[str] = []
    if level <= 2:
        advice.append(
            _t(language, "目标在历史常见范围内：按常规打法执行，D3 检查进度", "Within the usual range: run the "
               "proven playbook and check progress on D3")
        )  # fmt: skip
    elif level == 3 and history.best_campaign_id:
        advice.append(
            _t(
                language,
                f"目标偏高：参考历史最佳活动 {history.best_campaign_id} 的人群、内容与资源位组合",
                f"Ambitious: borrow the segment, content and positions of the best campaign "
                f"{history.best_campaign_id}",
            )
        )
    elif level >= 4 and history.n and history.p75 is not None:
        advice.append(
            _t(
                language,
                f"目标接近或超过历史最佳：建议延长周期，或把目标下调到历史 75 分位 {pct(history.p75)}",
                f"Near or beyond the best past result: extend the horizon or lower the target to the 75th "
                f"percentile {pct(history.p75)}",
            )
        )
    else:
        advice.append(
            _t(language, "目标偏高：建议分阶段设定目标，先验证再放量", "Ambitious: stage the target, validate "
               "first, then scale")
        )  # fmt: skip
    if (segment := _largest_segment(facts)) is not None:
        basis = facts.metric_label if facts.metric in ("revenue", "dau") else "DAU"
        advice.append(
            _t(
                language,
                f"优先在「{segment.name}」发力：占{basis} {pct(segment.share, signed=False)}，单靠它需提升 "
                f"{pct(segment.required_lift)}",
                f"Start with '{segment.name}' ({pct(segment.share, signed=False)} of {basis}); alone it would "
                f"need {pct(segment.required_lift)}",
            )
        )
    conversion = next((f for f in facts.factors if f.name == "conversion" and f.required is not None), None)
    if conversion is not None:
        advice.append(
            _t(
                language,
                f"转化是主要抓手：单靠转化需从 {metric_value('conversion', conversion.current)} 提升到 "
                f"{metric_value('conversion', conversion.required)}",
                f"Conversion is the main lever: alone it would need to go from "
                f"{metric_value('conversion', conversion.current)} to "
                f"{metric_value('conversion', conversion.required)}",
            )
        )
    codes = {r.code for r in facts.risks}
    if "negative_trend" in codes:
        advice.append(
            _t(
                language,
                f"先止跌：不做活动预计 {pct(facts.natural_lift)}，先稳住活跃与续费",
                f"Stop the decline first ({pct(facts.natural_lift)} without action): secure activity and "
                "renewals",
            )
        )
    if codes & {"few_past_campaigns", "short_history"}:
        advice.append(
            _t(language, "历史证据不足：先小范围测试一周，再决定是否放量", "Thin evidence: run a one-week test "
               "before scaling")
        )  # fmt: skip
    advice = advice[: MAX_ITEMS - 1]
    advice.append(
        _t(language, "用 /mo-strategy 生成人群、内容与资源位方案，再用 /mo-budget 模拟投入", "Use /mo-strategy for the "
           "segment, content and positions, then /mo-budget to simulate spend")
    )  # fmt: skip
    return [clip(a) for a in advice]


def narrate_feasibility(facts: FeasibilityFacts, language: str = "zh") -> Feasibility:
    """The offline :class:`Feasibility` (deterministic; numbers only from ``facts``)."""
    risks = [_risk_text(r, language) for r in facts.risks][:MAX_ITEMS]
    return Feasibility(
        difficulty=facts.difficulty.level,
        reason=_reason(facts, language),
        risks=[clip(r) for r in risks],
        advice=_advice(facts, language),
    )
