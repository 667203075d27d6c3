"""Strategy rationale (``/strategy``): the offline narrator over :class:`~core.planning.StrategyFacts`.

:func:`narrate_strategy` writes the :class:`~core.ai.sections.StrategyRationale` from the reason facts the
planner attached to each lever:

* segment – size, historical conversion, 边现 contribution and its rank, the past campaigns' median lift,
  the goal keyword it matches; the runner-up with both scores;
* content – the best-ROI past mix (its ROI against the median of all campaigns, the campaigns behind it) or
  the segment's stated preference;
* positions – where the budget came from, its split by marginal response with each position's share of
  its capacity, and the strongest time window with its DAU index;
* discount – the price-sensitivity rule, the segment's best-ROI past discount and the chosen one's ROI;
* risks – each plan risk with its numbers (:func:`plan_risk_text`, shared with ``/budget``).

Every number written is a field of the facts, shown with fewer decimals than it holds.
"""

from __future__ import annotations

from core.ai.sections import StrategyRationale
from core.narrators.planning_format import count, money, pct, ratio
from core.narrators.text_fit import PARAGRAPH_LIMIT, clip, fit
from core.planning.facts import Fact
from core.planning.labels import label
from core.planning.plan_models import StrategyFacts

MAX_RISKS = 5
LIFT_SOURCE = {
    "revenue_lift": ("收入", "revenue"),
    "arpu_lift": ("边现", "ARPU"),
    "dau_lift_derived": ("DAU", "DAU"),
    "revenue_lift_proxy": ("收入", "revenue"),
}
WEEKDAYS = {
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def _t(language: str, zh: str, en: str) -> str:
    return zh if language == "zh" else en


def _sentences(parts: list[str], language: str) -> str:
    if language == "zh":
        return fit([p + "。" for p in parts if p], PARAGRAPH_LIMIT)
    return fit([p[0].upper() + p[1:] + "." for p in parts if p], PARAGRAPH_LIMIT, " ")


def _segment_reason(facts: StrategyFacts, language: str) -> str:
    top = facts.segments[0]
    reasons = {r.code: r for r in top.reasons}
    details = []
    if top.size is not None:
        details.append(_t(language, f"规模 {count(top.size)} 人", f"{count(top.size)} users"))
    if top.historical_cvr is not None:
        cvr = pct(top.historical_cvr, signed=False, digits=2)
        details.append(_t(language, f"历史转化率 {cvr}", f"historical conversion {cvr}"))
    if (contribution := reasons.get("arpu_contribution")) is not None and contribution.value is not None:
        rank, of = contribution.detail.get("rank"), contribution.detail.get("of")
        details.append(
            _t(
                language,
                f"边现贡献 {ratio(contribution.value, 4)}（第 {rank}/{of}）",
                f"ARPU contribution {ratio(contribution.value, 4)} (rank {rank} of {of})",
            )
        )
    if (response := reasons.get("past_campaign_response")) is not None and response.value is not None:
        zh_metric, en_metric = LIFT_SOURCE.get(str(response.detail.get("source")), ("收入", "revenue"))
        n = response.detail.get("campaigns")
        details.append(
            _t(
                language,
                f"{n} 个历史活动{zh_metric}中位提升 {pct(response.value)}",
                f"median {en_metric} lift {pct(response.value)} over {n} past campaigns",
            )
        )
    parts = [
        _t(language, f"首选「{top.segment}」：", f"Target '{top.segment}': ")
        + ("，" if language == "zh" else ", ").join(details)
    ]
    if (keyword := reasons.get("matches_goal_keyword")) is not None:
        word = keyword.detail.get("keyword")
        parts.append(_t(language, f"它匹配目标关键词「{word}」", f"it matches the goal's keyword '{word}'"))
    if len(facts.segments) > 1:
        second = facts.segments[1]
        parts.append(
            _t(
                language,
                f"次选「{second.segment}」（综合得分 {ratio(second.score)}，首选 {ratio(top.score)}）",
                f"runner-up '{second.segment}' (score {ratio(second.score)} against {ratio(top.score)})",
            )
        )
    return _sentences(parts, language)


def _content_reason(facts: StrategyFacts, language: str) -> str:
    content = facts.content
    parts = []
    for reason in content.reasons:
        detail = reason.detail
        if reason.code == "best_roi_past_mix":
            ids = (
                "、".join(content.source_campaign_ids)
                if language == "zh"
                else ", ".join(content.source_campaign_ids)
            )
            parts.append(
                _t(
                    language,
                    f"{content.text} 是该人群历史 ROI 最高的内容配比（ROI {ratio(reason.value)}，"
                    f"全部活动中位 {ratio(reason.threshold)}；来自 {ids}）",
                    f"{content.text} is the segment's best-ROI past mix (ROI {ratio(reason.value)} against a "
                    f"median of {ratio(reason.threshold)} for all campaigns; from {ids})",
                )
            )
        elif reason.code == "matches_preference":
            name, rank = detail.get("content"), detail.get("rank")
            parts.append(
                _t(
                    language,
                    f"主打内容「{name}」是人群偏好的第 {rank} 位",
                    f"its lead content '{name}' is preference number {rank} of the segment",
                )
            )
        elif reason.code == "segment_preference":
            parts.append(
                _t(
                    language,
                    f"按人群内容偏好（{detail.get('preference')}）设为 {content.text}；该人群没有更好的历史配比",
                    f"set from the segment's preference ({detail.get('preference')}) as {content.text}; no "
                    "better past mix exists for it",
                )
            )
        else:
            parts.append(label(reason.code, language))
    return _sentences(parts, language)


def _position_reason(facts: StrategyFacts, language: str) -> str:
    source = (
        _t(language, "按指定预算", "as given")
        if facts.budget_source == "given"
        else _t(
            language,
            f"按该人群历史活动的中位日预算 × {facts.horizon_days} 天",
            f"the segment's median daily past budget × {facts.horizon_days} days",
        )
    )
    split = [
        _t(
            language,
            f"{p.position} {pct(p.budget_share, signed=False)}（容量使用 {pct(p.capacity_used, signed=False)}）",
            f"{p.position} {pct(p.budget_share, signed=False)} ({pct(p.capacity_used, signed=False)} of capacity)",
        )
        for p in sorted(facts.positions, key=lambda p: -p.budget_share)
    ]
    if not split:
        return _t(
            language,
            f"预算 {money(facts.budget)}（{source}）不足以购买任何资源位。",
            f"The budget of {money(facts.budget)} ({source}) buys no position.",
        )
    parts = [
        _t(
            language,
            f"预算 {money(facts.budget)}（{source}）按边际响应分配：{'，'.join(split)}，没有资源位超过容量上限",
            f"The budget of {money(facts.budget)} ({source}) goes where the marginal response is highest: "
            f"{', '.join(split)}; no position exceeds its capacity",
        )
    ]
    if facts.timing.windows:
        window = facts.timing.windows[0]
        days = "、".join(WEEKDAYS["zh"][d] for d in facts.timing.best_weekdays)
        days_en = ", ".join(WEEKDAYS["en"][d] for d in facts.timing.best_weekdays)
        parts.append(
            _t(
                language,
                f"投放时间以{label(window.code, 'zh')}为主（DAU 指数 {ratio(window.index)}），最强的日子是{days}",
                f"Run mainly on {label(window.code, 'en').lower()} (DAU index {ratio(window.index)}); the "
                f"strongest days are {days_en}",
            )
        )
    return _sentences(parts, language)


def _discount_reason(facts: StrategyFacts, language: str) -> str:
    choice = facts.discount
    parts = []
    for reason in choice.reasons:
        detail = reason.detail
        if reason.code == "price_sensitivity_rule":
            sensitivity = detail.get("price_sensitivity") or _t(language, "未知", "unknown")
            parts.append(
                _t(
                    language,
                    f"该人群价格敏感度为「{sensitivity}」，按规则选择「{choice.discount}」",
                    f"The segment's price sensitivity is '{sensitivity}', so the rule picks '{choice.discount}'",
                )
            )
        elif reason.code == "past_best_discount":
            parts.append(
                _t(
                    language,
                    f"该人群历史 ROI 最高的优惠是「{detail.get('discount')}」（ROI {ratio(reason.value)}，"
                    f"{detail.get('campaigns')} 个活动）",
                    f"its best-ROI past discount was '{detail.get('discount')}' (ROI {ratio(reason.value)}, "
                    f"{detail.get('campaigns')} campaigns)",
                )
            )
        elif reason.code == "past_roi_of_choice":
            parts.append(
                _t(
                    language,
                    f"所选优惠在该人群的历史 ROI 为 {ratio(reason.value)}（{detail.get('campaigns')} 个活动）",
                    f"the chosen discount returned ROI {ratio(reason.value)} there "
                    f"({detail.get('campaigns')} campaigns)",
                )
            )
    return _sentences(parts, language)


def plan_risk_text(risk: Fact, language: str) -> str:
    """One plan risk (``/strategy`` or ``/budget``) as a short line with its numbers."""
    v, th, detail = risk.value, risk.threshold, risk.detail
    code = risk.code
    extra = ""
    if code == "capacity_near_limit" and v is not None:
        extra = _t(language, f"{detail.get('position')} 已用容量的 {pct(v, signed=False)}",
                   f"{detail.get('position')} at {pct(v, signed=False)} of capacity")  # fmt: skip
    elif code == "usage_clipped" and v is not None and th is not None:
        extra = _t(language, f"{detail.get('position')} {ratio(v)} → {ratio(th)}",
                   f"{detail.get('position')} {ratio(v)} → {ratio(th)}")  # fmt: skip
    elif code == "usage_exceeds_budget" and v is not None and th is not None:
        extra = _t(language, f"需 {money(v)}，预算 {money(th)}", f"needs {money(v)}, budget {money(th)}")
    elif code == "unknown_position":
        extra = str(detail.get("position"))
    elif code == "few_similar_campaigns" and v is not None:
        extra = _t(language, f"仅 {v:g} 个", f"only {v:g}")
    elif code == "wide_interval" and v is not None:
        extra = _t(
            language,
            f"收入提升区间宽 {pct(v, signed=False)}",
            f"revenue-lift band {pct(v, signed=False)} wide",
        )
    elif code == "roi_may_be_below_1" and v is not None:
        extra = _t(language, f"区间下限 {ratio(v)}", f"lower bound {ratio(v)}")
    elif code == "budget_unspent" and v is not None:
        extra = _t(language, f"剩余 {money(v)}", f"{money(v)} left")
    elif code == "target_above_forecast" and v is not None and th is not None:
        extra = _t(language, f"预测 {pct(v)}，目标 {pct(th)}", f"forecast {pct(v)}, target {pct(th)}")
    text = label(code, language)
    if extra:
        text = f"{text}：{extra}" if language == "zh" else f"{text}: {extra}"
    return clip(text)


def narrate_strategy(facts: StrategyFacts, language: str = "zh") -> StrategyRationale:
    """The offline :class:`StrategyRationale` (deterministic; numbers only from ``facts``)."""
    return StrategyRationale(
        segment_reason=_segment_reason(facts, language),
        content_reason=_content_reason(facts, language) or label("no_content_preference", language),
        position_reason=_position_reason(facts, language),
        discount_reason=_discount_reason(facts, language) or label("price_sensitivity_rule", language),
        risks=[plan_risk_text(r, language) for r in facts.risks][:MAX_RISKS],
    )
