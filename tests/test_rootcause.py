"""Root-cause localisation on synthetic cubes with planted causes (additive measures and ratio metrics)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from core.rootcause import Localisation, LocaliserConfig, localise

DIMENSIONS = {
    "segment": ["动漫偏好沉默", "高活跃", "新用户", "流失预警"],
    "content_type": ["电视剧", "电影", "动漫"],
    "platform": ["iOS", "Android", "TV"],
    "resource_position": ["首页位1", "首页位2", "会员页", "播放页"],
    "discount_type": ["无", "首月优惠"],
}
DIMS = list(DIMENSIONS)


def make_cube(seed: int = 0, noise: float = 0.005) -> pd.DataFrame:
    """Every leaf of the cube with DAU and revenue; actual = expected × (1 + small noise)."""
    rng = np.random.default_rng(seed)
    leaves = pd.DataFrame(list(itertools.product(*DIMENSIONS.values())), columns=DIMS)
    dau = rng.uniform(500, 5000, len(leaves)).round()
    arpu = rng.uniform(0.5, 2.0, len(leaves))
    leaves["dau_expected"] = dau
    leaves["revenue_expected"] = dau * arpu
    leaves["dau"] = dau * (1 + noise * rng.standard_normal(len(leaves)))
    leaves["revenue"] = leaves["revenue_expected"] * (1 + noise * rng.standard_normal(len(leaves)))
    return leaves


def in_slice(leaves: pd.DataFrame, condition: dict[str, str]) -> pd.Series:
    mask = pd.Series(True, index=leaves.index)
    for dimension, value in condition.items():
        mask &= leaves[dimension] == value
    return mask


def scale(leaves: pd.DataFrame, condition: dict[str, str], column: str, factor: float) -> pd.DataFrame:
    out = leaves.copy()
    mask = in_slice(out, condition)
    out.loc[mask, column] = out.loc[mask, column] * factor
    return out


def found(result: Localisation) -> list[dict[str, str]]:
    return [s.slice for s in result.slices]


def test_planted_one_dimension_cause_is_found_with_full_share() -> None:
    cause = {"segment": "动漫偏好沉默"}
    leaves = scale(make_cube(), cause, "revenue", 0.7)
    result = localise(leaves, DIMS, ["revenue"])
    assert found(result) == [cause]
    top = result.slices[0]
    assert top.share == pytest.approx(1.0, abs=0.03)
    assert top.counterfactual_share == pytest.approx(top.share)  # additive metric: both definitions agree
    assert top.deviation == pytest.approx(top.actual - top.expected)
    assert top.actual == pytest.approx(0.7 * top.expected, rel=0.01)
    assert top.support == pytest.approx(0.25 * 0.7 / (1 - 0.25 * 0.3), abs=0.05)
    assert result.explained_total == pytest.approx(top.share)
    assert result.mix_rate is None  # not a ratio metric


def test_planted_two_dimension_cause_segment_by_position() -> None:
    cause = {"segment": "动漫偏好沉默", "resource_position": "首页位1"}
    leaves = scale(make_cube(seed=1), cause, "revenue", 0.4)
    result = localise(leaves, DIMS, ["revenue"])
    assert found(result) == [cause]
    assert result.slices[0].share == pytest.approx(1.0, abs=0.05)


def test_two_simultaneous_causes_of_different_orders() -> None:
    first = {"platform": "TV"}
    second = {"segment": "新用户", "resource_position": "会员页"}
    leaves = scale(scale(make_cube(seed=2), first, "revenue", 0.8), second, "revenue", 0.1)
    result = localise(leaves, DIMS, ["revenue"])
    assert sorted(map(str, found(result))) == sorted(map(str, [first, second]))
    assert result.explained_total == pytest.approx(1.0, abs=0.05)
    assert result.explained_total == pytest.approx(sum(s.share for s in result.slices))
    assert result.slices[0].share >= result.slices[1].share  # ordered by importance


def test_three_dimension_cause() -> None:
    cause = {"segment": "高活跃", "platform": "Android", "discount_type": "首月优惠"}
    leaves = scale(make_cube(seed=3), cause, "revenue", 0.2)
    result = localise(leaves, DIMS, ["revenue"])
    assert found(result) == [cause]


def test_ratio_metric_slice_whose_revenue_dropped() -> None:
    cause = {"content_type": "动漫", "platform": "iOS"}
    leaves = scale(make_cube(seed=4), cause, "revenue", 0.5)
    result = localise(leaves, DIMS, ["revenue"], ["dau"])
    assert found(result) == [cause]
    top = result.slices[0]
    assert top.share == pytest.approx(1.0, abs=0.05)
    assert top.actual == pytest.approx(0.5 * top.expected, rel=0.02)  # ARPU inside the slice halved
    assert result.metric_actual < result.metric_expected
    assert top.metric_if_restored == pytest.approx(result.metric_expected, rel=0.01)
    split = result.mix_rate
    assert split is not None and split.dimensions == ["content_type", "platform"]
    assert split.rate == pytest.approx(split.total_change, rel=0.05)  # a pure rate effect
    assert abs(split.mix) < 0.05 * abs(split.total_change)


def test_mix_effect_of_dau_surge_versus_rate_effect_of_arpu_drop() -> None:
    leaves = make_cube(seed=5, noise=0.0)
    # a low-ARPU segment whose DAU surged (its ARPU unchanged) and a segment whose ARPU dropped
    low = {"segment": "流失预警"}
    leaves.loc[in_slice(leaves, low), "revenue_expected"] *= 0.2
    leaves.loc[in_slice(leaves, low), "revenue"] *= 0.2
    leaves = scale(scale(leaves, low, "dau", 3.0), low, "revenue", 3.0)
    dropped = {"segment": "高活跃"}
    leaves = scale(leaves, dropped, "revenue", 0.6)
    result = localise(leaves, DIMS, ["revenue"], ["dau"])
    assert sorted(map(str, found(result))) == sorted(map(str, [low, dropped]))
    surge = next(s for s in result.slices if s.slice == low)
    assert surge.deviation == pytest.approx(0.0, abs=1e-12)  # the slice's own ARPU did not move ...
    assert surge.share > 0.2  # ... yet it pulled the total down
    assert surge.support > surge.support_expected

    split = result.mix_rate
    assert split is not None and split.dimensions == ["segment"]
    assert split.mix + split.rate + split.interaction == pytest.approx(split.total_change, abs=1e-14)
    assert split.total_change == pytest.approx(result.metric_actual - result.metric_expected, abs=1e-14)
    by_value = {c.value["segment"]: c for c in split.contributions}
    assert by_value["流失预警"].mix < 0 and by_value["流失预警"].rate == pytest.approx(0.0, abs=1e-12)
    assert by_value["高活跃"].rate < 0
    assert abs(by_value["高活跃"].mix) < abs(by_value["高活跃"].rate)
    assert split.mix < 0 and split.rate < 0


@pytest.mark.parametrize("seed", range(5))
def test_mix_rate_split_adds_up_exactly_on_random_cubes(seed: int) -> None:
    rng = np.random.default_rng(seed)
    leaves = make_cube(seed=seed, noise=0.0)
    leaves["dau"] = leaves["dau"] * rng.uniform(0.5, 1.5, len(leaves))
    leaves["revenue"] = leaves["revenue"] * rng.uniform(0.3, 1.2, len(leaves))
    leaves.loc[leaves.index[:7], ["dau", "revenue"]] = 0.0  # leaves that vanished
    leaves.loc[leaves.index[7:12], ["dau_expected", "revenue_expected"]] = 0.0  # leaves that appeared
    config = LocaliserConfig(min_share=0.01, uniform_tolerance=None)  # random moves everywhere: not a cause
    result = localise(leaves, DIMS, ["revenue"], ["dau"], config=config)
    split = result.mix_rate
    assert split is not None
    assert split.mix + split.rate + split.interaction == pytest.approx(split.total_change, abs=1e-14)
    assert sum(c.mix + c.rate for c in split.contributions) == pytest.approx(split.total_change, abs=1e-14)
    assert split.total_change == pytest.approx(result.metric_actual - result.metric_expected, abs=1e-14)


def test_no_deviation_returns_empty() -> None:
    leaves = make_cube(noise=0.0)
    result = localise(leaves, DIMS, ["revenue"], ["dau"])
    assert result.slices == []
    assert result.explained_total == 0.0
    assert result.mix_rate is None
    assert result.note == "no deviation"


def test_pure_noise_returns_no_cause() -> None:
    leaves = make_cube(seed=6, noise=0.01)
    result = localise(leaves, DIMS, ["revenue"], ["dau"], config=LocaliserConfig(min_z=5))
    assert result.slices == []


def test_zero_denominator_leaves_do_not_break_ratio_metric() -> None:
    cause = {"resource_position": "播放页"}
    leaves = scale(make_cube(seed=7), cause, "revenue", 0.5)
    empty = in_slice(leaves, {"discount_type": "首月优惠", "platform": "TV"})
    leaves.loc[empty, ["dau", "revenue", "dau_expected", "revenue_expected"]] = 0.0
    result = localise(leaves, DIMS, ["revenue"], ["dau"])
    assert found(result) == [cause]
    assert all(np.isfinite([s.share, s.actual, s.expected, s.support]).all() for s in result.slices)


def test_zero_total_denominator_and_empty_frame_return_empty() -> None:
    leaves = make_cube()
    leaves[["dau", "dau_expected"]] = 0.0
    result = localise(leaves, DIMS, ["revenue"], ["dau"])
    assert result.slices == [] and "zero total denominator" in result.note
    assert localise(leaves.iloc[:0], DIMS, ["revenue"]).slices == []


def test_dimension_names_and_values_are_data() -> None:
    renamed = {"segment": "人群 分层", "content_type": "x", "platform": "端", "resource_position": "位置"}
    leaves = make_cube(seed=8).rename(columns=renamed).drop(columns="discount_type")
    leaves = leaves.groupby(list(renamed.values()), as_index=False).sum()
    leaves["x"] = leaves["x"].map({"电视剧": "1", "电影": "2", "动漫": "3"})
    cause = {"人群 分层": "新用户", "x": "3"}
    leaves = scale(leaves, cause, "revenue", 0.5)
    result = localise(leaves, list(renamed.values()), ["revenue"], ["dau"])
    assert found(result) == [cause]
    assert result.mix_rate is not None and result.mix_rate.dimensions == ["人群 分层", "x"]


def test_several_measure_columns_are_summed() -> None:
    leaves = make_cube(seed=9)
    leaves["renew"] = leaves["revenue"] * 0.1
    leaves["renew_expected"] = leaves["revenue_expected"] * 0.1
    cause = {"platform": "Android", "discount_type": "无"}
    leaves = scale(leaves, cause, "renew", 0.0)
    result = localise(leaves, DIMS, ["revenue", "renew"], ["dau"])
    assert found(result) == [cause]
    with pytest.raises(ValueError, match="lacks measure"):
        localise(leaves.drop(columns="renew_expected"), DIMS, ["renew"])


def test_heterogeneous_cause_is_reported_at_its_own_level() -> None:
    # the whole segment dropped, one platform inside it much more: one slice for the segment, not its part
    cause = {"segment": "新用户"}
    leaves = scale(make_cube(seed=10), cause, "revenue", 0.8)
    leaves = scale(leaves, {"segment": "新用户", "platform": "iOS"}, "revenue", 0.5)
    result = localise(leaves, DIMS, ["revenue"])
    assert found(result) == [cause]
    without_promotion = localise(leaves, DIMS, ["revenue"], config=LocaliserConfig(promote_ancestors=False))
    assert found(without_promotion)[0] == {"segment": "新用户", "platform": "iOS"}


def test_a_drop_uniform_over_the_scope_names_no_slice_inside_it() -> None:
    """Every leaf loses 30 % of its revenue: the scope itself is the cause, not its largest part."""
    leaves = make_cube(seed=4, noise=0.002)
    leaves["revenue"] = leaves["revenue_expected"] * 0.7
    uniform = localise(leaves, DIMS, ["revenue"], ["dau"])
    assert uniform.slices == []
    assert localise(leaves, DIMS, ["revenue"], ["dau"], config=LocaliserConfig(uniform_tolerance=None)).slices
    one = make_cube(seed=4, noise=0.002)
    hit = one[DIMS[0]] == one[DIMS[0]].iloc[0]
    one.loc[hit, "revenue"] = one.loc[hit, "revenue_expected"] * 0.7
    assert localise(one, DIMS, ["revenue"], ["dau"]).slices[0].slice == {DIMS[0]: one[DIMS[0]].iloc[0]}
