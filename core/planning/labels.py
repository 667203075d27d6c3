"""zh/en labels of the fact codes, for cards and for the AI engine's glossary."""

from __future__ import annotations

LABELS: dict[str, tuple[str, str]] = {
    # goal risks
    "few_past_campaigns": ("历史同类活动太少", "Few past campaigns"),
    "history_from_other_segments": ("历史依据来自其他人群", "Evidence borrowed from other segments"),
    "negative_trend": ("指标自然趋势向下", "Metric trending down"),
    "target_above_best_campaign": ("目标高于历史最佳活动", "Target above the best past campaign"),
    "wide_forecast_interval": ("预测区间较宽", "Wide forecast interval"),
    "horizon_shorter_than_campaigns": ("周期短于常规活动", "Horizon shorter than usual campaigns"),
    "short_history": ("历史数据较短", "Short history"),
    "history_metric_proxy": ("历史提升以收入提升近似", "Past lift approximated by revenue lift"),
    # plan risks and warnings
    "capacity_near_limit": ("资源位接近容量上限", "Position near its capacity"),
    "usage_clipped": ("占用超过容量，已截断", "Usage above capacity, clipped"),
    "usage_exceeds_budget": ("占用超出预算，已按比例缩减", "Usage costs more than the budget, scaled down"),
    "unknown_position": ("未知资源位", "Unknown position"),
    "no_similar_campaigns": ("没有相似的历史活动", "No similar past campaigns"),
    "few_similar_campaigns": ("相似历史活动较少", "Few similar past campaigns"),
    "wide_interval": ("预测区间较宽", "Wide prediction interval"),
    "roi_may_be_below_1": ("ROI 可能低于 1", "ROI may fall below 1"),
    "price_sensitive_without_discount": ("价格敏感人群未设优惠", "Price-sensitive segment without discount"),
    "budget_unspent": ("预算未用完", "Budget not fully used"),
    "target_above_forecast": ("目标高于预测提升", "Target above the forecast lift"),
    # reasons
    "matches_goal_keyword": ("匹配目标人群关键词", "Matches the goal's keyword"),
    "arpu_contribution": ("边现贡献", "ARPU contribution"),
    "past_campaign_response": ("历史活动响应", "Response to past campaigns"),
    "segment_size": ("人群规模", "Segment size"),
    "historical_cvr": ("历史转化率", "Historical conversion"),
    "best_roi_past_mix": ("历史 ROI 最佳的内容配比", "Best-ROI past content mix"),
    "matches_preference": ("符合人群内容偏好", "Matches the content preference"),
    "segment_preference": ("按人群内容偏好", "From the segment's preference"),
    "no_content_preference": ("人群无内容偏好数据", "No content preference data"),
    "price_sensitivity_rule": ("按价格敏感度选择优惠", "Discount by price sensitivity"),
    "past_best_discount": ("历史 ROI 最佳优惠", "Best-ROI past discount"),
    "past_roi_of_choice": ("所选优惠的历史 ROI", "Past ROI of the chosen discount"),
    # timing
    "weekend": ("周末", "Weekend"),
    "weekday_evening": ("工作日晚间", "Weekday evenings"),
}


def label(code: str, language: str = "zh") -> str:
    """The label of a fact code in ``language``; the code itself when unknown."""
    zh, en = LABELS.get(code, (code, code))
    return zh if language == "zh" else en
