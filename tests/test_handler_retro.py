"""``/retro`` and the ``retro_save`` action on a small fixed dataset loaded through storage into SQLite.

Segment A, per day before → during (2026-10-01..03 → 2026-10-04..06): DAU 200 → 220, revenue 80 → 120
(边现 0.4 → 0.5454: +36.4 %; revenue +50 %; DAU +10 %). Campaign C2026001 targets A with budget 100 planned,
120 used (120 %), target 边现 lift 50 % (missed), recorded ROI 1.2; measured ROI = 3 × 40 / 120 = 1.00.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from core.ai import find_ungrounded_numbers
from core.cube import dimension_columns
from handlers.card import Card
from handlers.context import HandlerContext
from handlers.data_import import campaign_tokens
from handlers.dispatch import run_command
from handlers.downloads import fetch_download
from handlers.library_index import library_index
from handlers.retro import handle_retro, retro_facts, save_retro
from storage.catalog_repo import load_table, upsert_campaigns, upsert_resources
from storage.db import make_engine
from storage.metrics_repo import upsert_metrics
from storage.migrate import upgrade
from tests.support.handler_fixtures import RecordingAI, card_texts, handler_context
from tests.test_narrators_search_retro import small_campaigns, small_cube, small_resources

TODAY = dt.date(2026, 10, 12)


def older_campaigns() -> pd.DataFrame:
    """Two campaigns of 2025 (outside the cube) so that BM25 has a library to weigh terms against."""
    base = small_campaigns().iloc[0].to_dict()
    rows = [
        {**base, "campaign_id": "C2025001", "name": "动漫暑期特惠", "target_segment": "B", "content_mix": "动漫100%",
         "resource_positions": "会员中心", "discount": "5折月卡", "notes": "暑期动漫拉新",
         "start_date": pd.Timestamp("2025-07-01"), "end_date": pd.Timestamp("2025-07-10")},
        {**base, "campaign_id": "C2025002", "name": "电影会员日", "target_segment": "B", "content_mix": "电影100%",
         "resource_positions": "详情页推荐", "discount": "10元券", "notes": "会员日权益",
         "start_date": pd.Timestamp("2025-08-01"), "end_date": pd.Timestamp("2025-08-03")},
    ]  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'retro.db'}")
    upgrade(engine)
    cube = small_cube()
    upsert_metrics(engine, cube, dimension_columns(cube), replace=True)
    campaigns = pd.concat([small_campaigns(), older_campaigns()], ignore_index=True)
    upsert_campaigns(engine, campaigns, campaign_tokens(campaigns))
    upsert_resources(engine, small_resources())
    return engine


def make_context(engine: Engine, language: str = "zh", ai: Any = None) -> HandlerContext:
    return handler_context(engine, language, today=TODAY, ai=ai)


def fields(card: Card, index: int) -> dict[str, str]:
    return {f.label: f.value for f in card.sections[index].fields}


# --- the card ----------------------------------------------------------------------------------------------


def test_campaign_retro_card_zh(engine: Engine) -> None:
    card = run_command("/mo-retro C2026001", make_context(engine))
    assert card.title == "复盘：C2026001 家庭剧国庆档"
    assert card.subtitle == "2026-10-04~2026-10-06，对比 2026-10-01~2026-10-03"
    assert card.sections[0].title == "活动效果（对比无活动的反事实）"  # 3 days of history: cannot tell
    assert card.sections[0].text == "结论：无法判断（活动前的历史不够校准区间）"
    assert fields(card, 1) == {
        "边现提升（前后对比）": "+36.4%",
        "边现目标": "50.0%（未达成）",
        "收入提升（前后对比）": "+50.0%",
        "DAU变化": "+10.0%",
        "转化率变化": "-9.1%",  # members 2 → 2 per leaf-day while DAU grew 10 %
        "ROI（记录）": "1.20",
        "ROI（前后对比）": "1.00",
        "预算 实际/计划": "120 / 100 元（120.0%）",
    }
    assert card.sections[1].text is not None and "边现目标50.0%未达成" in card.sections[1].text
    assert [s.title for s in card.sections] == [
        "活动效果（对比无活动的反事实）",
        "结果 vs 计划",
        "驱动因素",
        "待改进",
        "下次建议",
        "可复用执行模板",
    ]
    assert card.sections[2].bullets[0] == "resource_position「首页位1」贡献收入变化的88%（120→225）"
    drivers = card.tables[0]
    assert drivers.rows[0] == ["content_type", "家庭剧", "150", "240", "+90.00", "75.0%"]
    roi = card.tables[1]
    assert roi.columns == ["类别", "排名", "取值", "归因花费", "收入变化", "ROI"]
    assert roi.rows[0] == ["内容", "1", "家庭剧", "72.00", "+90.00", "1.25"]
    template = fields(card, 5)
    assert template["目标人群"] == "A" and template["内容配比"] == "家庭剧60%+动漫40%"
    assert template["时长"] == "3天" and template["边现目标"] == "50.0%"
    assert "D5: 重点关注资源位「详情页推荐」的投入产出（上次ROI偏低）" in card.sections[5].bullets


def test_roi_chart_puts_content_and_positions_side_by_side(engine: Engine) -> None:
    card = handle_retro("C2026001", make_context(engine))
    chart = card.chart
    assert chart is not None and chart.kind == "bar"
    content, positions = chart.series
    assert content.x == ["家庭剧", "动漫", "首页位1", "详情页推荐"]
    assert content.y[:2] == [1.25, pytest.approx(0.625)] and content.y[2:] == [None, None]
    assert positions.y[:2] == [None, None] and positions.y[2] == pytest.approx(1.1667, abs=1e-4)


def test_downloads_and_save_button(engine: Engine) -> None:
    card = handle_retro("C2026001", make_context(engine))
    assert [(b.action_id, b.label) for b in card.buttons] == [
        ("download", "下载复盘报告（Excel）"),
        ("download", "下载执行模板"),
        ("retro_save", "存入经验库"),
    ]
    assert card.buttons[2].value == "C2026001"
    assert [a.filename.rsplit(".", 1)[1] for a in card.attachments] == ["xlsx", "md", "md", "xlsx"]
    report_md = fetch_download(engine, card.attachments[2].download_id)
    assert report_md is not None
    text = report_md.content.decode("utf-8")
    assert "复盘报告：C2026001 家庭剧国庆档" in text
    assert "边现提升+36.4%未达目标50.0%" in text  # the narrative went into the report
    report_xlsx = fetch_download(engine, card.buttons[0].value)
    assert report_xlsx is not None and report_xlsx.content[:2] == b"PK"


def test_retro_card_in_english(engine: Engine) -> None:
    card = handle_retro("C2026001", make_context(engine, "en"))
    assert card.title == "Retro: C2026001 家庭剧国庆档"
    assert card.subtitle == "2026-10-04~2026-10-06 against 2026-10-01~2026-10-03"
    assert fields(card, 1)["边现 lift (before/after)"] == "+36.4%"
    assert card.sections[0].title == "Effect (against the counterfactual without the campaign)"
    assert card.sections[1].title == "Results vs plan"
    assert card.buttons[2].label == "Save to the library"


@pytest.mark.parametrize("args", ["C2026001", "2026-10-04~2026-10-06", "最近7天"])
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_number_in_the_card_is_in_the_facts(engine: Engine, args: str, language: str) -> None:
    context = make_context(engine, language)
    card = handle_retro(args, context)
    assert find_ungrounded_numbers(card_texts(card), retro_facts(args, context)) == []


def test_range_retro_and_default_target(engine: Engine) -> None:
    ranged = handle_retro("2026-10-04~2026-10-06", make_context(engine))
    assert ranged.title == "复盘：2026-10-04~2026-10-06"
    assert fields(ranged, 0)["归因花费"] == "120 元"
    assert ranged.buttons[-1].value == "R20261004-20261006"
    assert "期间进行的活动：C2026001" in ranged.context
    latest = handle_retro("", make_context(engine))  # the latest finished campaign
    assert latest.title == "复盘：C2026001 家庭剧国庆档"


def test_narration_request_uses_the_retro_deadline(engine: Engine) -> None:
    ai = RecordingAI(notice="离线版")
    card = handle_retro("C2026001", make_context(engine, ai=ai))
    seen = ai.requests
    assert (seen[0].section, seen[0].deadline_s, seen[0].user_text) == ("retro", 12.0, None)
    assert card.context[-1] == "离线版"


# --- bad arguments -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("胡说八道", "看不懂“胡说八道”：请给活动ID或起止日期。"),
        ("C2099001", "找不到活动 C2099001。可用的活动ID例如：C2026001"),
        ("2026-12-01", "2026-12-01 还没有数据（今天是 2026-10-12），只能复盘过去的日期。"),
        ("2020-01-01~2020-01-03", "这段时间没有可复盘的数据"),
    ],
)
def test_bad_arguments_give_a_helpful_card(engine: Engine, args: str, expected: str) -> None:
    card = run_command(f"/mo-retro {args}", make_context(engine))
    assert card.title == "/mo-retro: 没法执行这个命令"
    assert card.sections[0].text is not None and card.sections[0].text.startswith(expected)
    assert card.sections[1].text is not None and card.sections[1].text.startswith("/mo-retro C2026001")


def test_no_data_is_a_usage_card(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(engine)
    card = run_command("/mo-retro 上周", make_context(engine, "en"))
    assert card.title == "/mo-retro: Cannot run this command"
    assert card.sections[0].text is not None and card.sections[0].text.startswith("No data yet")


# --- saving closes the loop --------------------------------------------------------------------------------


def test_saving_a_range_retro_makes_it_searchable(engine: Engine) -> None:
    context = make_context(engine)
    assert (
        run_command("/mo-search 复盘 首页位1", context).tables[0].rows[0][2] == "C2026001"
    )  # index built before saving
    saved = save_retro("R20261004-20261006", context)
    assert saved.title == "已存入经验库：R20261004-20261006"
    assert {f.label: f.value for f in saved.sections[0].fields} == {
        "名称": "复盘 2026-10-04~2026-10-06",
        "ROI": "1.00",
        "边现提升": "+20.2%",
        "收入提升": "+22.2%",
        "经验库活动数": "4",
    }
    stored = load_table(engine, "campaigns").set_index("campaign_id").loc["R20261004-20261006"]
    assert stored["tokens"][:2] == ["复盘", "2026"]
    assert stored["roi"] == 1.0
    hits = run_command("/mo-search 复盘", context).tables[0].rows
    assert [row[2] for row in hits] == ["R20261004-20261006"]
    assert library_index(engine).last_sync is not None and library_index(engine).last_sync.loaded == 1


def test_saving_a_campaign_retro_updates_its_record(engine: Engine) -> None:
    context = make_context(engine)
    save_retro("C2026001", context)
    stored = load_table(engine, "campaigns").set_index("campaign_id").loc["C2026001"]
    assert stored["notes"].startswith("首页位1点击率高；复盘（2026-10-04~2026-10-06 对比前3天）：边现+36.4%")
    card = run_command("/mo-search 未达成", context)
    assert card.tables[0].rows[0][2] == "C2026001"
    facts = retro_facts("C2026001", context)  # what the retro measured sits beside the recorded outcome
    assert stored["measured_method"] in ("synthetic_control_placebo", "pre_period")
    if facts.counterfactual is not None and "arpu" in facts.counterfactual.metrics:
        assert stored["measured_arpu_lift"] == round(facts.counterfactual.metrics["arpu"].lift, 4)
        assert stored["measured_verdict"] == facts.counterfactual.verdict
    else:
        assert stored["measured_arpu_lift"] == round(facts.plan.measured_arpu_lift, 4)
    roi_cell, lift_cell = card.tables[0].rows[0][3], card.tables[0].rows[0][4]
    if stored["measured_roi"] is not None:
        assert roi_cell.endswith(f"（实测 {stored['measured_roi']:.2f}）")
    assert "（实测 " in lift_cell
    from core.planning.outcomes import measured_first  # what planning_frames hands the planners

    planned = measured_first(context.data.campaigns()).set_index("campaign_id").loc["C2026001"]
    assert planned["outcome_source"] == "measured" and planned["arpu_lift"] == stored["measured_arpu_lift"]
    assert (
        run_command("/mo-retro C2026001", context).title == "复盘：C2026001 家庭剧国庆档"
    )  # still reviewable


def test_save_with_a_bad_value_is_a_usage_error(engine: Engine) -> None:
    from handlers.errors import UsageError

    with pytest.raises(UsageError):
        save_retro("not-a-target", make_context(engine))


def test_the_counterfactual_section_says_what_was_left_out() -> None:
    from core.retro.counterfactual import CounterfactualLift, MetricLift
    from handlers.retro import counterfactual_sections

    arpu = MetricLift(
        metric="arpu", actual=1.1, counterfactual=1.0, lift=0.1, lift_low=0.05, lift_high=0.15, p_value=0.01
    )
    lift = CounterfactualLift(
        start=dt.date(2026, 10, 1),
        end=dt.date(2026, 10, 14),
        controls=["segment=C0", "segment=C1"],
        verdict="effective",
        metrics={"arpu": arpu},
        controls_have_campaigns=True,
        placebos_overlap_campaigns=True,
        placebos_in_space=True,
    )
    zh = counterfactual_sections(lift, lambda zh_text, en_text: zh_text)[0].text
    assert zh.startswith("边现 +10.0%（80%：+5.0% ~ +15.0%），相对于无活动的反事实")
    assert "对照切片同期也在做活动，这些天已从对照中剔除" in zh
    assert "区间的校准窗口与本切片的其他活动重叠（那些天已剔除）" in zh
    assert "区间另用对照切片（当作实验组、在活动同期及附近的窗口）校准" in zh
    en = counterfactual_sections(lift, lambda zh_text, en_text: en_text)[0].text
    assert "those days are left out of them" in en and "(those days are left out)" in en
    assert "its controls, each measured as if it ran the campaign" in en
    plain = lift.model_copy(
        update={
            "controls_have_campaigns": False,
            "placebos_overlap_campaigns": False,
            "placebos_in_space": False,
        }
    )
    plain_zh = counterfactual_sections(plain, lambda zh_text, en_text: zh_text)[0].text
    assert "剔除" not in plain_zh and "对照切片（当作实验组" not in plain_zh


def test_the_counterfactual_section_gives_incremental_revenue_and_roi_with_intervals() -> None:
    """Revenue 1,100 元 against a counterfactual of 1,000 (+10 %, 80 %: +5 % ~ +15 %) on a spend of 50 元:
    +100 元 (1,100 − 1,100 / 1.05 = 52.38 ~ 1,100 − 1,100 / 1.15 = 143.48), ROI 2.00 (1.05 ~ 2.87)."""
    from core.retro.counterfactual import CounterfactualLift, MetricLift
    from handlers.retro import counterfactual_sections

    def lifted(metric: str, actual: float) -> MetricLift:
        return MetricLift(
            metric=metric, actual=actual, counterfactual=actual / 1.1, lift=0.1, lift_low=0.05,
            lift_high=0.15, p_value=0.01,
        )  # fmt: skip

    lift = CounterfactualLift(
        start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 14), controls=["segment=C0"], verdict="effective",
        metrics={"arpu": lifted("arpu", 1.1), "revenue": lifted("revenue", 1100.0)},
    )  # fmt: skip
    zh = {f.label: f.value for f in counterfactual_sections(lift, lambda z, e: z, 50.0)[0].fields}
    assert zh["增量收入"] == "+100 元（+52.38 ~ +143）"
    assert zh["ROI（增量收入 ÷ 花费）"] == "2.00（1.05 ~ 2.87）"
    en = {f.label: f.value for f in counterfactual_sections(lift, lambda z, e: e)[0].fields}
    assert "Incremental revenue" in en and not any(label.startswith("ROI") for label in en)  # no spend
