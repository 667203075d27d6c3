from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from storage.catalog_repo import count_rows, load_table, upsert_campaigns, upsert_resources, upsert_segments


def _campaigns(roi: float = 2.5) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "campaign_id": "C2026001",
                "name": "暑期家庭剧拉新",
                "start_date": dt.date(2026, 7, 1),
                "end_date": dt.date(2026, 7, 14),
                "strategy_tag": "拉新",
                "target_segment": "家庭向高活跃",
                "content_mix": "家庭剧70%+动漫30%",
                "resource_positions": "首页位1|详情页推荐",
                "discount": "10元券",
                "budget_planned": None,
                "budget_used": 186000.0,
                "target_arpu_lift": None,
                "revenue_lift": 0.15,
                "arpu_lift": 0.12,
                "roi": roi,
                "success_factors": "周末黄金时段",
                "notes": None,
            }
        ]
    )


def test_campaigns_upsert_keeps_tokens_and_updates(engine) -> None:
    upsert_campaigns(engine, _campaigns(), [["暑期", "家庭剧", "首页位1"]])
    upsert_campaigns(engine, _campaigns(roi=3.1), [["暑期", "家庭剧", "首页位1", "10元券"]])
    table = load_table(engine, "campaigns")
    assert len(table) == 1 and count_rows(engine, "campaigns") == 1
    row = table.iloc[0]
    assert row["roi"] == pytest.approx(3.1)
    assert row["tokens"] == ["暑期", "家庭剧", "首页位1", "10元券"]
    assert row["start_date"] == dt.date(2026, 7, 1)
    assert row["budget_planned"] is None or pd.isna(row["budget_planned"])


def test_segments_and_resources_upsert_by_key(engine) -> None:
    segments = pd.DataFrame(
        [
            {
                "segment": "动漫偏好沉默",
                "active_level": "低",
                "membership_status": "非会员",
                "size": 410000,
                "content_preference": "动漫",
                "avg_watch_minutes": 18.0,
                "price_sensitivity": "高",
                "historical_cvr": 0.006,
                "avg_arpu_contribution": 0.21,
            }
        ]
    )
    upsert_segments(engine, segments)
    upsert_segments(engine, segments.assign(size=420000))
    loaded = load_table(engine, "segments")
    assert loaded["size"].tolist() == [420000]
    resources = pd.DataFrame(
        [
            {"position": "首页位1", "max_capacity": 0.85, "cost_per_10k": 120.0, "elasticity": 0.9},
            {"position": "详情页推荐", "max_capacity": 0.9, "cost_per_10k": 45.0, "elasticity": 0.6},
        ]
    )
    upsert_resources(engine, resources)
    upsert_resources(engine, resources.iloc[[0]].assign(max_capacity=0.8))
    loaded = load_table(engine, "resources").set_index("position")
    assert loaded.loc["首页位1", "max_capacity"] == pytest.approx(0.8)
    assert loaded.loc["详情页推荐", "max_capacity"] == pytest.approx(0.9)
