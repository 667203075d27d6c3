"""A small fixed dataset for the planning tests (no tests here; imported by test_planning_*.py).

Three segments × two positions, 112 flat days starting on a Monday, weekends 20 % higher; six campaigns.
Numbers are chosen so the expected values in the tests can be worked out by hand.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

START = pd.Timestamp("2025-01-06")  # a Monday
DAYS = 112
TODAY = dt.date(2025, 4, 27)  # the last day, a Sunday
WEEKEND_FACTOR = 1.2
SEGMENT_LEVELS = {  # dau, arpu, conversion
    "家庭向高活跃": (1_000_000, 0.6, 0.012),
    "家庭向低活跃": (600_000, 0.3, 0.008),
    "动漫偏好沉默": (400_000, 0.2, 0.006),
}
POSITION_SHARES = {"首页位1": 0.6, "详情页推荐": 0.4}


def make_cube(trend_per_day: float = 0.0, weekend_factor: float = WEEKEND_FACTOR) -> pd.DataFrame:
    dates = pd.date_range(START, periods=DAYS, freq="D")
    day_factor = np.where(dates.day_of_week >= 5, weekend_factor, 1.0) * (1 + trend_per_day * np.arange(DAYS))
    frames = []
    for segment, (dau, arpu, conversion) in SEGMENT_LEVELS.items():
        for position, share in POSITION_SHARES.items():
            daily_dau = dau * share * day_factor
            frames.append(
                pd.DataFrame(
                    {
                        "date": dates,
                        "segment": segment,
                        "resource_position": position,
                        "dau": daily_dau,
                        "revenue": daily_dau * arpu,
                        "new_members": daily_dau * conversion * 0.3,
                        "renew_members": daily_dau * conversion * 0.7,
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def make_segments() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "segment": ["家庭向高活跃", "家庭向低活跃", "动漫偏好沉默"],
            "active_level": ["高", "低", "低"],
            "membership_status": ["付费会员为主", "会员到期/非会员", "流失风险会员"],
            "size": [1_000_000, 700_000, 400_000],
            "content_preference": ["家庭剧>电影>综艺", "家庭剧>综艺>电影", "动漫>电影>综艺"],
            "avg_watch_minutes": [95, 35, 20],
            "price_sensitivity": ["低", "中", "高"],
            "historical_cvr": [0.012, 0.008, 0.006],
            "avg_arpu_contribution": [0.6, 0.3, 0.2],
        }
    )


CAMPAIGN_ROWS = [
    # id, segment, mix, positions, discount, budget_used, revenue_lift, arpu_lift, roi
    ("C1", "家庭向高活跃", "家庭剧70%+动漫30%", "首页位1", "无优惠", 100_000, 0.10, 0.06, 3.0),
    ("C2", "家庭向高活跃", "家庭剧100%", "首页位1|详情页推荐", "无优惠", 80_000, 0.08, 0.05, 2.5),
    ("C3", "家庭向高活跃", "动漫100%", "详情页推荐", "5折月卡", 50_000, 0.02, 0.01, 0.8),
    ("C4", "家庭向低活跃", "家庭剧70%+综艺30%", "首页位1", "10元券", 60_000, 0.12, 0.07, 2.0),
    ("C5", "动漫偏好沉默", "动漫100%", "会员中心", "5折月卡", 40_000, 0.05, 0.03, 1.2),
    ("C6", "家庭向高活跃", "家庭剧50%+综艺50%", "首页位1", "无优惠", 90_000, 0.20, 0.12, 4.0),
]


def make_campaigns() -> pd.DataFrame:
    rows = []
    for i, (cid, segment, mix, positions, discount, used, revenue_lift, arpu_lift, roi) in enumerate(
        CAMPAIGN_ROWS
    ):
        start = dt.date(2025, 1, 13) + dt.timedelta(days=14 * i)
        rows.append(
            {
                "campaign_id": cid,
                "name": f"活动{cid}",
                "start_date": start,
                "end_date": start + dt.timedelta(days=13),
                "strategy_tag": "内容匹配",
                "target_segment": segment,
                "content_mix": mix,
                "resource_positions": positions,
                "discount": discount,
                "budget_planned": float(used),
                "budget_used": float(used),
                "target_arpu_lift": None,
                "revenue_lift": revenue_lift,
                "arpu_lift": arpu_lift,
                "roi": roi,
                "success_factors": "",
                "notes": "",
            }
        )
    return pd.DataFrame(rows)


def make_resources() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "position": ["首页位1", "详情页推荐", "会员中心"],
            "max_capacity": [0.95, 0.75, 0.5],
            "cost_per_10k": [180.0, 60.0, 30.0],
            "elasticity": [1.35, 0.85, 0.9],
        }
    )
