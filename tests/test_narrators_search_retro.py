"""Offline narrators of /search (reuse suggestion) and /retro (retro narrative): content and grounding.

Retro facts come from a small cube whose numbers are known by hand (segment A, before → during per day:
DAU 200 → 220, revenue 80 → 120; campaign C2026001 on A 2026-10-04..06, budget 100 planned / 120 used,
target 边现 lift 50 %, recorded ROI 1.2).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from core.ai import find_ungrounded_numbers
from core.ai.number_guard import text_fields
from core.ai.sections import RetroNarrative, ReuseSuggestion
from core.narrators.retro import narrate_retro
from core.narrators.reuse import LibraryBenchmarks, library_benchmarks, narrate_reuse, reuse_facts
from core.retro import RetroFacts, RetroTarget, build_retro
from core.retro.models import Shortfall
from core.search import SearchHit

LEAVES = [
    # segment, content, position, (dau, revenue) before, (dau, revenue) during
    ("A", "家庭剧", "首页位1", (50, 30), (60, 50)),
    ("A", "家庭剧", "详情页推荐", (50, 20), (60, 30)),
    ("A", "动漫", "首页位1", (50, 10), (50, 25)),
    ("A", "动漫", "详情页推荐", (50, 20), (50, 15)),
    ("B", "家庭剧", "首页位1", (1000, 100), (1000, 100)),
]
START, END = dt.date(2026, 10, 4), dt.date(2026, 10, 6)


def small_cube() -> pd.DataFrame:
    rows = []
    for day in pd.date_range("2026-10-01", "2026-10-09", freq="D"):
        during = START <= day.date() <= END
        for segment, content, position, before, after in LEAVES:
            dau, revenue = after if during else before
            rows.append({"date": day, "segment": segment, "content_type": content, "platform": "手机",
                         "resource_position": position, "discount_type": "无优惠", "dau": float(dau),
                         "revenue": float(revenue), "new_members": 1.0, "renew_members": 1.0})  # fmt: skip
    cube = pd.DataFrame(rows)
    cube["date"] = cube["date"].astype("datetime64[ns]")
    return cube


def small_campaigns() -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {"campaign_id": "C2026001", "name": "家庭剧国庆档", "start_date": "2026-10-04",
             "end_date": "2026-10-06", "strategy_tag": "内容匹配", "target_segment": "A",
             "content_mix": "家庭剧60%+动漫40%", "resource_positions": "首页位1|详情页推荐",
             "discount": "无优惠", "budget_planned": 100.0, "budget_used": 120.0, "target_arpu_lift": 0.5,
             "revenue_lift": 0.45, "arpu_lift": 0.33, "roi": 1.2, "success_factors": "内容匹配",
             "notes": "首页位1点击率高"},
        ]
    )  # fmt: skip
    frame["start_date"] = pd.to_datetime(frame["start_date"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    return frame


def small_resources() -> pd.DataFrame:
    return pd.DataFrame(
        {"position": ["首页位1", "详情页推荐"], "max_capacity": [0.95, 0.75], "cost_per_10k": [180.0, 60.0],
         "elasticity": [1.35, 0.85]}
    )  # fmt: skip


def retro_facts(kind: str) -> RetroFacts:
    target = (
        RetroTarget(kind="campaign", campaign_id="C2026001", start=START, end=END)
        if kind == "campaign"
        else RetroTarget(kind="range", start=START, end=END)
    )
    return build_retro(target, small_cube(), small_campaigns(), small_resources())


# --- retro -------------------------------------------------------------------------------------------------


def test_retro_narrative_zh_states_the_measured_results_and_drivers() -> None:
    narrative = narrate_retro(retro_facts("campaign"), "zh")
    assert isinstance(narrative, RetroNarrative)
    assert narrative.summary.startswith("C2026001 家庭剧国庆档（2026-10-04~2026-10-06")
    assert "边现+36.4%" in narrative.summary
    assert "收入+50.0%" in narrative.summary
    assert "边现目标50.0%未达成" in narrative.summary
    assert "记录ROI 1.20" in narrative.summary
    assert "预算使用120%" in narrative.summary
    # 首页位1: revenue 40 → 75 of a +40 change → 35/40 = 88 %; 家庭剧: 50 → 80 → 30/40 = 75 %
    assert narrative.drivers == [
        "resource_position「首页位1」贡献收入变化的88%（120→225）",
        "content_type「家庭剧」贡献收入变化的75%（150→240）",
    ]
    assert narrative.improvements[0] == "边现提升+36.4%未达目标50.0%：D3评估进度，落后时加码高ROI资源位"
    assert "花费120元，超出计划100元：设置每日消耗上限" in narrative.improvements
    assert any(item.startswith("资源位「详情页推荐」ROI 0.50") for item in narrative.improvements)
    assert narrative.next_time[0] == "优先投放资源位「首页位1」（ROI 1.17，排名第1）"


def test_retro_narrative_en_and_range_retro() -> None:
    en = narrate_retro(retro_facts("campaign"), "en")
    assert "The 50.0% 边现 target was missed" in en.summary
    assert en.drivers[0] == "resource_position '首页位1' carried 88% of the revenue change (120 → 225)"
    ranged = narrate_retro(retro_facts("range"), "zh")
    assert ranged.summary.startswith("复盘（2026-10-04~2026-10-06，对比前一同长度时段）")
    assert "前后对比ROI 1.00" in ranged.summary  # whole cube: +120 revenue over 3 days / 120 spent
    assert ranged.drivers[0] == "segment「A」贡献收入变化的100%（240→360）"


@pytest.mark.parametrize("kind", ["campaign", "range"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_retro_narrative_numbers_are_grounded(kind: str, language: str) -> None:
    facts = retro_facts(kind)
    narrative = narrate_retro(facts, language)
    assert find_ungrounded_numbers(text_fields(narrative), facts) == []


def test_retro_narrative_with_flat_revenue_still_has_a_driver_line() -> None:
    facts = retro_facts("campaign").model_copy(update={"drivers": {}, "shortfalls": []})
    narrative = narrate_retro(facts, "zh")
    assert narrative.drivers == ["收入与活动前基本持平，没有突出的贡献来源"]
    assert narrative.improvements == []


def test_every_shortfall_code_has_its_improvement_with_the_numbers_it_needs() -> None:
    shortfalls = [
        Shortfall(code="metric_declined", subject="arpu", actual=0.41, reference=0.4321),
        Shortfall(code="low_roi_content", subject="动漫", actual=0.62, reference=1.0),
        Shortfall(code="budget_underused", subject="budget", actual=50.0, reference=1200.0),
        Shortfall(code="roi_below_one", subject="roi", actual=0.85, reference=1.0),
        Shortfall(code="driver_declined", subject="segment=B", actual=90.0, reference=100.0),
    ]
    facts = retro_facts("campaign").model_copy(update={"shortfalls": shortfalls})
    zh = narrate_retro(facts, "zh").improvements
    assert zh == [
        "ROI 0.85低于1：收缩低效投放，先小流量验证再放量",
        "预算只用了50.00元（计划1,200元）：提前锁定资源位排期，避免空档",
        "内容「动漫」ROI 0.62：降低其配比或更新片单",
        "「segment=B」收入由100降到90.00：检查该部分的投放与内容",
        "边现较活动前下降（0.4321 元→0.4100 元）：排查同期竞品与渠道变化",
    ]
    en = narrate_retro(facts, "en").improvements
    assert en[0] == "ROI 0.85 is below 1: cut inefficient spend, test small before scaling"
    assert (
        en[-1]
        == "ARPU (边现) fell against the period before (0.4321 元 → 0.4100 元): check competitors and channels"
    )


def test_a_retro_is_judged_by_the_recorded_roi_when_there_is_one() -> None:
    plan = retro_facts("campaign").plan
    assert plan.recorded_roi == pytest.approx(1.2)
    assert plan.judged_roi == pytest.approx(1.2)
    assert plan.model_copy(update={"recorded_roi": None}).judged_roi == pytest.approx(plan.measured_roi)


# --- reuse -------------------------------------------------------------------------------------------------

LIBRARY = LibraryBenchmarks(campaigns=5, median_roi=1.5, median_arpu_lift=0.08, median_revenue_lift=0.1)


def record(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "campaign_id": "C2026101", "name": "家庭剧周末狂欢", "start_date": dt.date(2026, 6, 6),
        "end_date": dt.date(2026, 6, 19), "strategy_tag": "内容匹配", "target_segment": "家庭向高活跃",
        "content_mix": "家庭剧70%+动漫30%", "resource_positions": "首页位1|详情页推荐", "discount": "10元券",
        "budget_planned": 200000.0, "budget_used": 190000.0, "target_arpu_lift": 0.1, "arpu_lift": 0.12,
        "revenue_lift": 0.2, "roi": 2.5,
    }  # fmt: skip
    base.update(overrides)
    return base


def hit(similarity: float = 0.82) -> SearchHit:
    return SearchHit(doc_id="C2026101", score=3.2, similarity=similarity, matched_terms=("家庭剧", "10元券"))


def test_reuse_of_a_good_campaign_keeps_the_setup() -> None:
    suggestion = narrate_reuse(reuse_facts(record(), hit(), LIBRARY), "zh")
    assert isinstance(suggestion, ReuseSuggestion)
    assert suggestion.suggestion == (
        "可复用「家庭剧周末狂欢」（C2026101）的打法：面向家庭向高活跃，内容家庭剧70%+动漫30%，资源位首页位1、"
        "详情页推荐，优惠10元券，为期14天。ROI 2.50，经验库中位数1.50；边现提升+12.0%，中位数+8.0%；"
        "收入提升+20.0%。表现不低于经验库中位水平，可以按原配置复用。"
    )
    assert suggestion.adjustments[0] == "保持人群、内容配比与资源位不变，沿用原活动节奏"


def test_reuse_of_a_poor_campaign_lists_the_adjustments() -> None:
    poor = record(roi=0.8, arpu_lift=0.03, target_arpu_lift=0.1, budget_used=230000.0)
    suggestion = narrate_reuse(reuse_facts(poor, hit(0.31), LIBRARY), "zh")
    assert suggestion.suggestion.endswith("ROI低于1、未收回成本，不建议原样复用，只借鉴思路。")
    assert suggestion.adjustments == [
        "ROI 0.80低于1：先用小预算试投，确认回本后再放量",
        "边现提升+3.0%低于中位数+8.0%：内容配比向家庭向高活跃偏好的内容倾斜",
        "上次边现未达目标10.0%：目标设得更稳妥，或在D3评估是否加码",
        "上次预算使用115%，超出计划：设置每日消耗上限",
        "优惠「10元券」回报一般：可试更浅的折扣或缩短优惠期",
    ]  # five at most: the low-similarity line is cut


def test_reuse_en_for_a_below_median_campaign() -> None:
    middling = record(roi=1.2, arpu_lift=0.05)
    suggestion = narrate_reuse(reuse_facts(middling, hit(0.4), LIBRARY), "en")
    assert "ROI 1.20 (library median 1.50)" in suggestion.suggestion
    assert suggestion.suggestion.endswith(
        "It did worse than the library median: keep the idea, apply the adjustments below."
    )
    assert suggestion.adjustments[0].startswith("ROI 1.20 is under the median 1.50")
    assert suggestion.adjustments[-1].startswith("Only 40% similar to the query (matched: 家庭剧, 10元券)")


@pytest.mark.parametrize("language", ["zh", "en"])
@pytest.mark.parametrize(
    "overrides",
    [{}, {"roi": 0.8, "arpu_lift": -0.02, "budget_used": 260000.0}, {"roi": None, "arpu_lift": None}],
)
def test_reuse_numbers_are_grounded(language: str, overrides: dict[str, object]) -> None:
    facts = reuse_facts(record(**overrides), hit(0.27), LIBRARY)
    suggestion = narrate_reuse(facts, language)
    assert find_ungrounded_numbers(text_fields(suggestion), facts) == []


def test_library_benchmarks_are_medians_ignoring_missing() -> None:
    frame = pd.DataFrame(
        {"roi": [2.5, 0.8, None, 1.5], "arpu_lift": [0.1, 0.0, 0.2, None], "revenue_lift": [0.1] * 4}
    )
    bench = library_benchmarks(frame)
    assert (bench.campaigns, bench.median_roi, bench.median_arpu_lift) == (4, 1.5, 0.1)
