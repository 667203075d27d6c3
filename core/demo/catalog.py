"""The demo company: its dimensions, audience segments, resource positions and the leaves of its cube.

Everything here is a fixed, hand-tuned description of a plausible video-streaming membership business (no
randomness): segment sizes, 边现 (ARPU) and conversion levels, and the multiplicative effects of content type,
platform, resource position and discount type. The generator perturbs these per leaf with the seeded RNG.

The numbers are calibrated so that the whole cube has a DAU of about 4.2 million, an ARPU of about 0.45 元
and a conversion of about 1.1 %, with roughly 1,200 leaves per day: a segment only appears with the content
types it actually watches (its ``content_mix``), which also keeps the leaf count moderate.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SEGMENT = "segment"
CONTENT_TYPE = "content_type"
PLATFORM = "platform"
RESOURCE_POSITION = "resource_position"
DISCOUNT_TYPE = "discount_type"
DIMENSIONS: tuple[str, ...] = (SEGMENT, CONTENT_TYPE, PLATFORM, RESOURCE_POSITION, DISCOUNT_TYPE)

CONTENT_TYPES: tuple[str, ...] = ("家庭剧", "动漫", "综艺", "电影", "纪录片")
PLATFORMS: tuple[str, ...] = ("手机", "TV", "PC")
RESOURCE_POSITIONS: tuple[str, ...] = ("首页位1", "首页位2", "详情页推荐", "搜索结果页", "会员中心")
DISCOUNT_TYPES: tuple[str, ...] = ("无优惠", "10元券", "5折月卡", "免费试看")

# per-value multipliers: ARPU effect, conversion effect (and for positions the DAU share)
CONTENT_ARPU = {"家庭剧": 1.0, "动漫": 1.05, "综艺": 0.9, "电影": 1.1, "纪录片": 0.95}
PLATFORM_ARPU = {"手机": 0.95, "TV": 1.15, "PC": 0.9}
PLATFORM_CVR = {"手机": 1.0, "TV": 0.9, "PC": 1.1}
PLATFORM_WEEKEND = {"手机": 1.0, "TV": 1.08, "PC": 0.94}  # extra weekend/holiday factor per platform
POSITION_SHARE = {"首页位1": 0.30, "首页位2": 0.22, "详情页推荐": 0.20, "搜索结果页": 0.16, "会员中心": 0.12}
POSITION_ARPU = {"首页位1": 1.12, "首页位2": 1.04, "详情页推荐": 1.0, "搜索结果页": 0.95, "会员中心": 1.05}
POSITION_CVR = {"首页位1": 1.25, "首页位2": 1.1, "详情页推荐": 1.0, "搜索结果页": 0.9, "会员中心": 1.3}
DISCOUNT_ARPU = {"无优惠": 1.1, "10元券": 0.95, "5折月卡": 0.8, "免费试看": 0.45}
DISCOUNT_CVR = {"无优惠": 0.7, "10元券": 1.15, "5折月卡": 1.4, "免费试看": 1.6}
DISCOUNT_NEW_SHARE_SHIFT = {"无优惠": -0.1, "10元券": 0.0, "5折月卡": 0.05, "免费试看": 0.25}
DISCOUNT_DEPTH = {"无优惠": 0.0, "10元券": 0.4, "5折月卡": 0.7, "免费试看": 1.0}

HOLIDAY_NAMES_ZH = (
    ("national", "国庆"),
    ("mid-autumn", "中秋"),
    ("dragon", "端午"),
    ("labo", "劳动节"),
    ("tomb", "清明"),
    ("spring festival", "春节"),
    ("new year's eve", "春节"),
    ("new year", "元旦"),
)


@dataclass(frozen=True)
class ResourcePosition:
    position: str
    max_capacity: float  # the share of the position's inventory a campaign can take (0–1)
    cost_per_10k: float  # 元 per 10k exposures
    elasticity: float  # revenue response to extra exposure


RESOURCES: tuple[ResourcePosition, ...] = (
    ResourcePosition("首页位1", 0.95, 180.0, 1.35),
    ResourcePosition("首页位2", 0.85, 120.0, 1.10),
    ResourcePosition("详情页推荐", 0.75, 60.0, 0.85),
    ResourcePosition("搜索结果页", 0.60, 45.0, 0.70),
    ResourcePosition("会员中心", 0.50, 30.0, 0.90),
)


@dataclass(frozen=True)
class SegmentProfile:
    """One audience segment: its scale, value and habits. Mixes are relative weights."""

    name: str
    active_level: str  # 高/中/低
    membership_status: str
    dau: float
    arpu: float
    conversion: float
    new_share: float  # share of conversions that are new (rather than renewed) members
    content_mix: dict[str, float]
    platform_mix: dict[str, float]
    discount_mix: dict[str, float]
    weekend_lift: float  # DAU uplift on a weekend day; holidays lift 1.2 times as much
    annual_growth: float  # DAU trend per year
    avg_watch_minutes: float
    price_sensitivity: str  # 高/中/低
    short: str = field(default="")  # a short nickname used in campaign names


SEGMENTS: tuple[SegmentProfile, ...] = (
    SegmentProfile(
        "家庭向高活跃", "高", "付费会员为主", 950_000, 0.62, 0.012, 0.20,
        {"家庭剧": 0.55, "电影": 0.25, "综艺": 0.20}, {"手机": 0.45, "TV": 0.40, "PC": 0.15},
        {"无优惠": 0.50, "10元券": 0.25, "5折月卡": 0.15, "免费试看": 0.10},
        0.18, 0.04, 95, "低", "家庭高活",
    ),
    SegmentProfile(
        "家庭向低活跃", "低", "会员到期/非会员", 650_000, 0.32, 0.008, 0.45,
        {"家庭剧": 0.60, "综艺": 0.25, "电影": 0.15}, {"手机": 0.60, "TV": 0.30, "PC": 0.10},
        {"无优惠": 0.35, "10元券": 0.30, "5折月卡": 0.20, "免费试看": 0.15},
        0.22, 0.00, 35, "中", "家庭低活",
    ),
    SegmentProfile(
        "动漫偏好沉默", "低", "流失风险会员", 420_000, 0.22, 0.006, 0.55,
        {"动漫": 0.75, "电影": 0.15, "综艺": 0.10}, {"手机": 0.70, "TV": 0.10, "PC": 0.20},
        {"无优惠": 0.30, "10元券": 0.25, "5折月卡": 0.25, "免费试看": 0.20},
        0.10, -0.05, 20, "高", "动漫沉默",
    ),
    SegmentProfile(
        "动漫偏好活跃", "高", "付费会员为主", 620_000, 0.58, 0.014, 0.25,
        {"动漫": 0.70, "电影": 0.20, "纪录片": 0.10}, {"手机": 0.60, "TV": 0.15, "PC": 0.25},
        {"无优惠": 0.45, "10元券": 0.25, "5折月卡": 0.20, "免费试看": 0.10},
        0.12, 0.06, 80, "中", "动漫活跃",
    ),
    SegmentProfile(
        "综艺轻度", "中", "会员与非会员混合", 720_000, 0.36, 0.009, 0.40,
        {"综艺": 0.65, "家庭剧": 0.20, "纪录片": 0.15}, {"手机": 0.70, "TV": 0.20, "PC": 0.10},
        {"无优惠": 0.40, "10元券": 0.30, "5折月卡": 0.15, "免费试看": 0.15},
        0.15, 0.02, 45, "中", "综艺轻度",
    ),
    SegmentProfile(
        "新用户试看", "中", "试用/新注册", 320_000, 0.18, 0.020, 0.90,
        {"电影": 0.40, "动漫": 0.30, "综艺": 0.30}, {"手机": 0.75, "TV": 0.10, "PC": 0.15},
        {"无优惠": 0.20, "10元券": 0.20, "5折月卡": 0.20, "免费试看": 0.40},
        0.08, 0.15, 30, "高", "新客",
    ),
    SegmentProfile(
        "电影深度", "高", "付费会员为主", 480_000, 0.66, 0.013, 0.20,
        {"电影": 0.70, "纪录片": 0.30}, {"手机": 0.35, "TV": 0.45, "PC": 0.20},
        {"无优惠": 0.55, "10元券": 0.20, "5折月卡": 0.15, "免费试看": 0.10},
        0.20, 0.03, 110, "低", "电影深度",
    ),
)  # fmt: skip

SEGMENT_BY_NAME: dict[str, SegmentProfile] = {s.name: s for s in SEGMENTS}

DIMENSION_VALUES: dict[str, tuple[str, ...]] = {
    SEGMENT: tuple(s.name for s in SEGMENTS),
    CONTENT_TYPE: CONTENT_TYPES,
    PLATFORM: PLATFORMS,
    RESOURCE_POSITION: RESOURCE_POSITIONS,
    DISCOUNT_TYPE: DISCOUNT_TYPES,
}


def holiday_name_zh(name: str | None) -> str:
    """Translate a calendar holiday name (English, from chinese_calendar/holidays) to Chinese."""
    lowered = (name or "").lower()
    for key, zh in HOLIDAY_NAMES_ZH:
        if key in lowered:
            return zh
    return "节假日"


def content_preference_text(profile: SegmentProfile) -> str:
    """``家庭剧>电影>综艺``: the segment's content types by preference."""
    return ">".join(sorted(profile.content_mix, key=profile.content_mix.__getitem__, reverse=True))


def leaf_table() -> pd.DataFrame:
    """Every leaf of the cube with its *expected* (noise-free) daily DAU, ARPU, conversion and new share.

    A leaf's DAU is the segment's DAU split by the product of its content, platform, position and
    discount mixes. Its ARPU and conversion are the segment's level times the value multipliers (a
    preferred content type earns a little more), rescaled so that each segment keeps its own level.
    """
    rows = []
    for profile in SEGMENTS:
        content_total = sum(profile.content_mix.values())
        for content, platform, position, discount in itertools.product(
            profile.content_mix, PLATFORMS, RESOURCE_POSITIONS, DISCOUNT_TYPES
        ):
            preference = profile.content_mix[content] / content_total
            rows.append(
                {
                    SEGMENT: profile.name,
                    CONTENT_TYPE: content,
                    PLATFORM: platform,
                    RESOURCE_POSITION: position,
                    DISCOUNT_TYPE: discount,
                    "dau": profile.dau
                    * preference
                    * profile.platform_mix[platform]
                    * POSITION_SHARE[position]
                    * profile.discount_mix[discount],
                    "arpu": CONTENT_ARPU[content]
                    * (0.85 + 0.4 * preference)
                    * PLATFORM_ARPU[platform]
                    * POSITION_ARPU[position]
                    * DISCOUNT_ARPU[discount],
                    "conversion": PLATFORM_CVR[platform] * POSITION_CVR[position] * DISCOUNT_CVR[discount],
                    "new_share": float(
                        np.clip(profile.new_share + DISCOUNT_NEW_SHARE_SHIFT[discount], 0.05, 0.95)
                    ),
                }
            )
    leaves = pd.DataFrame(rows)
    return rescale_to_segments(leaves)


def rescale_to_segments(leaves: pd.DataFrame) -> pd.DataFrame:
    """Rescale leaf DAU, ARPU and conversion so each segment's DAU-weighted totals match its profile."""
    out = leaves.copy()
    for profile in SEGMENTS:
        rows = (out[SEGMENT] == profile.name).to_numpy()
        dau = out.loc[rows, "dau"].to_numpy()
        total = dau.sum()
        out.loc[rows, "dau"] = dau * profile.dau / total
        weights = dau / total
        out.loc[rows, "arpu"] = out.loc[rows, "arpu"] * profile.arpu / float(weights @ out.loc[rows, "arpu"])
        conversion = out.loc[rows, "conversion"]
        out.loc[rows, "conversion"] = conversion * profile.conversion / float(weights @ conversion)
    return out


def slice_mask(leaves: pd.DataFrame, slice_: dict[str, str]) -> np.ndarray:
    """Boolean mask of the leaves inside ``slice_`` (all leaves for an empty slice).

    Raises ``ValueError`` for an unknown dimension or value, so a typo in an event never silently
    injects nothing.
    """
    mask = np.ones(len(leaves), dtype=bool)
    for dimension, value in slice_.items():
        if dimension not in DIMENSION_VALUES:
            raise ValueError(f"unknown dimension {dimension!r}; expected one of {list(DIMENSION_VALUES)}")
        if value not in DIMENSION_VALUES[dimension]:
            raise ValueError(f"unknown {dimension} value {value!r}")
        mask &= (leaves[dimension] == value).to_numpy()
    return mask


def slice_share(slice_: dict[str, str], measure: str = "revenue") -> float:
    """The expected share of total DAU or revenue that a slice holds (from the noise-free leaf table)."""
    leaves = leaf_table()
    values = leaves["dau"] * (leaves["arpu"] if measure == "revenue" else 1.0)
    return float(values[slice_mask(leaves, slice_)].sum() / values.sum())
