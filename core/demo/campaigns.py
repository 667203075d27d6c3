"""Historical campaigns whose outcomes follow from their choices (so the knowledge base has real signal).

Each campaign picks a target segment, a content mix, one or two resource positions and a discount. Its
outcome is driven by a *fit score* in [0, 1]:

``score = 0.5 · content match + 0.3 · position quality + 0.2 · discount fit``

* content match – the segment's preference weight for the mix (its favourite content = 1);
* position quality – the positions' mean elasticity relative to the best position;
* discount fit – deep discounts suit price-sensitive segments, shallow ones insensitive segments.

``arpu_lift ≈ -7 % + 20 % · score`` and a DAU lift that grows with discount depth, plus noise; the revenue
lift combines both. ROI is the incremental revenue (revenue lift × the segment's daily revenue × days ×
reach) over the budget used, so a well-matched campaign on a good position earns 2–5× and a mismatch can
lose money. Notes are assembled from varied sentence templates so that keyword search has material.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from core.demo.campaign_effects import CampaignEffect
from core.demo.catalog import (
    CONTENT_TYPES,
    DISCOUNT_DEPTH,
    DISCOUNT_TYPES,
    PLATFORMS,
    RESOURCES,
    SEGMENT,
    SEGMENTS,
    SegmentProfile,
    holiday_name_zh,
)
from core.demo.events import InjectedEvent
from core.importing import POSITION_JOINER, content_mix_text

CAMPAIGN_COLUMNS: tuple[str, ...] = (
    "campaign_id", "name", "start_date", "end_date", "strategy_tag", "target_segment", "content_mix",
    "resource_positions", "discount", "budget_planned", "budget_used", "target_arpu_lift", "revenue_lift",
    "arpu_lift", "roi", "success_factors", "notes",
)  # fmt: skip

STRATEGIES_BY_LEVEL = {
    "低": ("沉默唤醒", "价格刺激", "内容召回"),
    "中": ("试看转化", "内容匹配", "价格刺激"),
    "高": ("续费挽留", "高价值深耕", "内容包升级"),
}
NAME_SUFFIXES = ("计划", "专项", "季", "周", "攻坚战", "行动")
ELASTICITY = {r.position: r.elasticity for r in RESOURCES}
CAPACITY = {r.position: r.max_capacity for r in RESOURCES}
POSITION_WEIGHTS = np.array([0.3, 0.25, 0.2, 0.12, 0.13])
HOLIDAY_DAU_CREDIT = 0.03  # the holiday's own DAU rise, which the team's record credits to the campaign

GOOD_OUTCOME_NOTES = (
    "活动期间{seg}边现提升{arpu:.0%}，{pos}点击率明显高于大盘，建议作为标准打法复用。",
    "{content}内容与{seg}口味契合，续费意愿强，复盘时被评为本季度优秀案例。",
    "{pos}素材采用剧集高光片段，CTR较常规海报高出三成，{discount}核销率也不错。",
    "投放节奏前低后高，第二周加大{pos}曝光后收入明显放量，ROI达到{roi:.1f}。",
)
BAD_OUTCOME_NOTES = (
    "{content}内容与{seg}偏好错配，点击多转化少，预算消耗{used:.0%}但边现仅变化{arpu:.0%}。",
    "{pos}位置曝光不足，活动声量偏小，{seg}基本无感知，建议下次换首页资源位。",
    "{discount}对{seg}吸引力有限，该人群价格敏感度{sensitivity}，优惠设计需要重新评估。",
    "同期竞品上线热门{content}，用户分流明显，活动未达到{target:.0%}的边现提升目标。",
)
MIXED_NOTES = (
    "整体表现中规中矩，{platform}端转化优于其他端，后续可针对{platform}端单独加码。",
    "前三天受服务器扩容影响落地页加载慢，之后恢复正常，数据有一定偏差。",
    "A/B测试中竖版海报胜出，{discount}文案强调“限时”效果更好。",
    "与{holiday}假期重叠，DAU自然上涨，效果评估已剔除节假日影响。",
    "运营同学反馈{seg}对弹窗比较反感，建议减少强提醒频次。",
    "活动叠加了会员日权益，难以完全拆分各自贡献，数据仅供参考。",
    "{content}片单更新及时，社群和短信召回配合较好，{platform}端回流明显。",
)


def generate_campaigns(
    rng: np.random.Generator,
    dates: pd.DatetimeIndex,
    day_kinds: pd.DataFrame,
    count: int = 36,
    events: list[InjectedEvent] | None = None,
) -> tuple[pd.DataFrame, list[CampaignEffect]]:
    """``count`` campaigns with start and end inside ``dates``, sorted by start date, plus one record per
    injected free-trial surge inside ``dates`` (the campaign that explains it; drawn without the RNG),
    and the true effect of each drawn campaign on its target segment (:mod:`core.demo.campaign_effects`)."""
    holidays = day_kinds.loc[day_kinds["kind"] == "holiday", ["date", "holiday_name"]]
    rows = [_campaign(rng, dates, holidays) for _ in range(count)]
    first, last = dates[0].date(), dates[-1].date()
    rows += [
        _free_trial_campaign(e)
        for e in events or []
        if e.kind == "free_trial_surge" and first <= e.start <= last
    ]
    frame = pd.DataFrame(rows).sort_values(["start_date", "target_segment"], kind="stable")
    frame = frame.reset_index(drop=True)
    years = frame["start_date"].map(lambda d: d.year)
    sequence = frame.groupby(years).cumcount() + 1
    frame.insert(0, "campaign_id", [f"C{y}{n:03d}" for y, n in zip(years, sequence, strict=True)])
    effects = [
        CampaignEffect(
            campaign_id=row.campaign_id,
            slice={SEGMENT: row.target_segment},
            start=row.start_date,
            end=row.end_date,
            arpu_lift=round(row.true_arpu_lift, 4),
            dau_lift=round(row.true_dau_lift, 4),
        )
        for row in frame.itertuples()
        if pd.notna(row.true_arpu_lift)
    ]
    return frame[list(CAMPAIGN_COLUMNS)], effects


FREE_TRIAL_SEGMENT = "新用户试看"
FREE_TRIAL_DISCOUNT = "免费试看"


def _free_trial_campaign(event: InjectedEvent) -> dict[str, object]:
    """The record of the free-trial acquisition campaign behind a ``free_trial_surge`` event: DAU rises in
    the free-trial discount slice while revenue does not (so 边现 falls), by design."""
    discount = next(iter(event.slice.values()), FREE_TRIAL_DISCOUNT)
    segment = SEGMENTS[[s.name for s in SEGMENTS].index(FREE_TRIAL_SEGMENT)]
    budget = round(segment.dau * segment.arpu * event.days * 0.03, -3)
    return {
        "name": f"{discount}拉新·{event.start:%m月%d日}起{event.days}天",
        "start_date": event.start,
        "end_date": event.end,
        "strategy_tag": "试看转化",
        "target_segment": segment.name,
        "content_mix": "电影40%+动漫30%+综艺30%",
        "resource_positions": "首页位1|会员中心",
        "discount": discount,
        "budget_planned": float(budget),
        "budget_used": float(budget),
        "target_arpu_lift": 0.0,
        "revenue_lift": 0.0,
        "arpu_lift": round(max(-0.19, -0.3 * event.magnitude / (1.0 + event.magnitude)), 4),  # diluted
        "roi": 0.0,
        "success_factors": f"{discount}拉新带来大量试看用户（DAU上升），收入未同步增长，边现因分母变大而下降",
        "notes": f"{discount}拉新活动：{discount}渠道DAU大幅上升但收入基本持平，边现下降属预期内，关注后续转化。",
    }


def _campaign(rng: np.random.Generator, dates: pd.DatetimeIndex, holidays: pd.DataFrame) -> dict[str, object]:
    segment = SEGMENTS[int(rng.integers(len(SEGMENTS)))]
    strategy = str(rng.choice(STRATEGIES_BY_LEVEL[segment.active_level]))
    contents = _content_mix(rng, segment)
    positions = [str(p) for p in rng.choice([r.position for r in RESOURCES], size=int(rng.integers(1, 3)),
                                            replace=False, p=POSITION_WEIGHTS)]  # fmt: skip
    discount = _discount(rng, segment)
    duration = min(int(rng.integers(7, 29)), len(dates))
    start_index = int(rng.integers(0, len(dates) - duration + 1))
    start, end = dates[start_index].date(), dates[start_index + duration - 1].date()
    holiday = _overlapping_holiday(holidays, start, end)

    match = sum(share * segment.content_mix.get(c, 0.0) for c, share in contents) / max(
        segment.content_mix.values()
    )
    position_quality = float(np.mean([ELASTICITY[p] for p in positions])) / max(ELASTICITY.values())
    fit = _discount_fit(segment, discount)
    score = 0.5 * match + 0.3 * position_quality + 0.2 * fit
    arpu_lift = -0.07 + 0.2 * score + rng.normal(0.0, 0.02)
    dau_lift = (
        0.01
        + 0.08 * DISCOUNT_DEPTH[discount] * score
        + rng.normal(0.0, 0.01)
        + (HOLIDAY_DAU_CREDIT if holiday else 0)
    )
    revenue_lift = (1 + arpu_lift) * (1 + dau_lift) - 1
    reach = 0.25 + 0.5 * float(np.mean([CAPACITY[p] for p in positions]))

    daily_revenue = segment.dau * segment.arpu
    cost_factor = 1.0 + 0.4 * position_quality
    budget_planned = round(daily_revenue * duration * rng.uniform(0.025, 0.05) * cost_factor, -3)
    budget_used = round(budget_planned * rng.uniform(0.78, 1.03), 2)
    roi = revenue_lift * daily_revenue * duration * reach / budget_used
    target = round(float(rng.uniform(0.05, 0.16)), 2)
    content_text = content_mix_text(dict(contents))
    facts = {
        "seg": segment.name,
        "content": contents[0][0],
        "pos": positions[0],
        "discount": discount,
        "platform": str(rng.choice(PLATFORMS)),
        "holiday": holiday,
        "arpu": arpu_lift,
        "roi": roi,
        "used": budget_used / budget_planned,
        "target": target,
        "sensitivity": segment.price_sensitivity,
    }
    return {
        "name": _name(rng, segment, strategy, contents[0][0], holiday),
        "start_date": start,
        "end_date": end,
        "strategy_tag": strategy,
        "target_segment": segment.name,
        "content_mix": content_text,
        "resource_positions": POSITION_JOINER.join(positions),
        "discount": discount,
        "budget_planned": float(budget_planned),
        "budget_used": float(budget_used),
        "target_arpu_lift": target,
        "revenue_lift": round(float(revenue_lift), 4),
        "arpu_lift": round(float(arpu_lift), 4),
        "roi": round(float(roi), 2),
        "success_factors": _success_factors(segment, contents, positions, discount, match, fit, holiday),
        "notes": _notes(rng, score, facts),
        "true_arpu_lift": float(arpu_lift) * reach,
        "true_dau_lift": (float(dau_lift) - (HOLIDAY_DAU_CREDIT if holiday else 0.0)) * reach,
    }


def _content_mix(rng: np.random.Generator, segment: SegmentProfile) -> list[tuple[str, float]]:
    """One or two content types; 70 % of campaigns lead with the segment's favourite content."""
    favourite = max(segment.content_mix, key=segment.content_mix.__getitem__)
    others = [c for c in CONTENT_TYPES if c != favourite]
    primary = favourite if rng.random() < 0.7 else str(rng.choice(others))
    if rng.random() < 0.35:
        return [(primary, 1.0)]
    secondary = str(rng.choice([c for c in CONTENT_TYPES if c != primary]))
    share = float(rng.choice([0.5, 0.6, 0.7, 0.8]))
    return [(primary, share), (secondary, round(1.0 - share, 1))]


def _discount(rng: np.random.Generator, segment: SegmentProfile) -> str:
    weights = np.array([segment.discount_mix[d] for d in DISCOUNT_TYPES])
    return str(rng.choice(DISCOUNT_TYPES, p=weights / weights.sum()))


def _discount_fit(segment: SegmentProfile, discount: str) -> float:
    """Deep discounts suit price-sensitive segments; insensitive segments need little discount."""
    depth = DISCOUNT_DEPTH[discount]
    wanted = {"高": 0.9, "中": 0.5, "低": 0.1}[segment.price_sensitivity]
    return 1.0 - abs(depth - wanted)


def _overlapping_holiday(holidays: pd.DataFrame, start: dt.date, end: dt.date) -> str | None:
    inside = holidays[(holidays["date"] >= pd.Timestamp(start)) & (holidays["date"] <= pd.Timestamp(end))]
    return holiday_name_zh(inside["holiday_name"].iloc[0]) if len(inside) else None


def _name(
    rng: np.random.Generator, segment: SegmentProfile, strategy: str, content: str, holiday: str | None
) -> str:
    suffix = str(rng.choice(NAME_SUFFIXES))
    if holiday and rng.random() < 0.6:
        return f"{holiday}{content}畅看{suffix}"
    strategy_part = strategy[2:] if strategy[:2] in segment.short else strategy
    return f"{segment.short}{strategy_part}·{content}{suffix}"


def _success_factors(
    segment: SegmentProfile,
    contents: list[tuple[str, float]],
    positions: list[str],
    discount: str,
    match: float,
    fit: float,
    holiday: str | None,
) -> str:
    factors = []
    if match >= 0.7:
        factors.append(f"{contents[0][0]}内容与{segment.name}偏好高度匹配")
    if max(ELASTICITY[p] for p in positions) >= 1.1:
        factors.append(f"{positions[0]}曝光充足")
    if fit >= 0.8:
        factors.append(f"{discount}契合{segment.price_sensitivity}价格敏感人群")
    if holiday:
        factors.append(f"借势{holiday}假期流量")
    return "；".join(factors) if factors else "无明显成功因素（内容或资源位匹配度不足）"


def _notes(rng: np.random.Generator, score: float, facts: dict[str, object]) -> str:
    """One outcome sentence (good or bad by score) plus, most of the time, one circumstantial sentence."""
    outcome = GOOD_OUTCOME_NOTES if score >= 0.6 else BAD_OUTCOME_NOTES
    sentences = [str(rng.choice(outcome))]
    if rng.random() < 0.75:
        circumstances = [n for n in MIXED_NOTES if facts["holiday"] or "{holiday}" not in n]
        sentences.append(str(rng.choice(circumstances)))
    return "".join(s.format(**facts) for s in sentences)
