"""``/strategy`` end to end on the small planning dataset (hand-checked facts in test_planning_strategy)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from core.ai import find_ungrounded_numbers
from core.ai.sections import StrategyRationale
from core.planning import recommend_strategy
from handlers.context import HandlerContext
from handlers.dispatch import run_command
from handlers.downloads import fetch_download
from handlers.strategy import split_budget
from tests.support.handler_fixtures import RecordingAI, assert_usage_card, card_texts, section
from tests.test_handler_goal import make_planning_context
from tests.test_planning_data import make_campaigns, make_cube, make_resources, make_segments


@pytest.fixture
def zh(tmp_path: Path) -> HandlerContext:
    return make_planning_context(tmp_path, "zh")


def test_strategy_card_zh_lists_every_lever(zh: HandlerContext) -> None:
    card = run_command("/mo-strategy 提升家庭向会员收入 预算30万", zh)
    assert card.title == "运营策略：家庭向 收入 / 30天"
    segments = section(card, "目标人群")
    assert segments.bullets[0] == "家庭向高活跃：规模 1,000,000，历史转化率 1.20%，价格敏感度 低，得分 0.90"
    assert segments.bullets[1].startswith("家庭向低活跃：规模 700,000")
    assert "匹配目标关键词「家庭向」" in segments.text
    content = section(card, "内容配比")
    assert content.fields[0].value == "家庭剧50%+综艺50%"
    assert "ROI 4.00" in content.text and "C6" in content.text
    assert section(card, "优惠").fields[0].value == "无优惠"
    budget = {f.label: f.value for f in section(card, "资源位、时间与预算").fields}
    assert budget["总预算"] == "300,000 元（指定）"
    assert budget["时间窗口（DAU 指数）"].startswith("周末（1.14）")
    assert budget["最佳投放日"].startswith("周六、周日")
    kpi = {f.label: f.value for f in section(card, "KPI 预测").fields}
    assert set(kpi) == {"边现提升", "收入提升", "ROI", "置信度", "依据"}
    assert "（80%：" in kpi["ROI"] and kpi["依据"].startswith("5 个相似活动")


def test_positions_table_spends_the_budget_within_capacity(zh: HandlerContext) -> None:
    card = run_command("/mo-strategy 提升家庭向会员收入 预算30万", zh)
    positions, neighbours = card.tables
    assert positions.columns == ["资源位", "预算", "占比", "占用", "容量上限", "容量使用", "提示"]
    budgets = [int(row[1].removesuffix(" 元").replace(",", "")) for row in positions.rows]
    assert sum(budgets) == pytest.approx(300_000, abs=len(budgets))
    assert budgets == sorted(budgets, reverse=True)
    for row in positions.rows:
        assert float(row[3]) <= float(row[4])
        assert float(row[5].removesuffix("%")) <= 100.0
    assert neighbours.rows[0][:4] == ["C6", "活动C6", "86.7%", "4.00"]


def test_execution_template_is_attached_as_markdown_and_xlsx(zh: HandlerContext) -> None:
    card = run_command("/mo-strategy 提升家庭向会员收入 预算30万", zh)
    assert [b.action_id for b in card.buttons] == ["download", "download"]
    assert [a.filename for a in card.attachments] == [
        "执行模板_家庭向高活跃_2025-04-28.md",
        "执行模板_家庭向高活跃_2025-04-28.xlsx",
    ]
    assert [b.value for b in card.buttons] == [a.download_id for a in card.attachments]
    markdown = fetch_download(zh.engine, card.attachments[0].download_id).content.decode()
    for milestone in ("| D1 |", "| D3 |", "| D5 |", "| D7 |"):
        assert milestone in markdown
    assert "| 负责人 |" in markdown and "2025-04-28~2025-05-27" in markdown
    facts = recommend_strategy(
        "提升家庭向会员收入", make_cube(), make_segments(), make_campaigns(), make_resources(), 300_000
    )
    # 边现 of both family segments over the last 28 days: 780,000 / 1,600,000 = 0.4875
    target = 0.4875 * (1 + facts.kpi.arpu_lift.point)
    assert f"| 0.4875 | {facts.kpi.arpu_lift.point:.1%} | {target:.4f} |" in markdown
    xlsx = fetch_download(zh.engine, card.attachments[1].download_id)
    assert xlsx.content[:2] == b"PK"


def test_strategy_card_en(tmp_path: Path) -> None:
    card = run_command("/mo-strategy raise family revenue budget 300k", make_planning_context(tmp_path, "en"))
    assert card.title == "Strategy: Revenue in 30 days (family)"
    assert section(card, "Target segments").bullets[0].startswith("家庭向高活跃: size 1,000,000")
    assert {f.label for f in section(card, "KPI forecast").fields} >= {"ROI", "Confidence"}
    assert card.buttons[1].label == "Download execution template (Excel)"
    assert card.attachments[0].filename.startswith("execution-template_C6_")


def test_every_number_in_the_strategy_card_comes_from_the_facts(zh: HandlerContext) -> None:
    card = run_command("/mo-strategy 提升家庭向会员收入 预算30万", zh)
    facts = recommend_strategy(
        "提升家庭向会员收入", make_cube(), make_segments(), make_campaigns(), make_resources(), 300_000
    )
    assert find_ungrounded_numbers(card_texts(card), facts) == []


def test_rationale_request_carries_the_user_text_and_the_facts(zh: HandlerContext) -> None:
    answer = StrategyRationale(
        segment_reason="人群理由",
        content_reason="内容理由",
        position_reason="资源位理由",
        discount_reason="优惠理由",
        risks=[],
    )
    context = dataclasses.replace(zh, ai=RecordingAI(answer))
    card = run_command("/mo-strategy 提升家庭向会员收入", context)
    (request,) = context.ai.requests
    assert request.section == "strategy_rationale" and request.user_text == "提升家庭向会员收入"
    assert request.facts.segments[0].segment == "家庭向高活跃" and request.schema is StrategyRationale
    assert section(card, "目标人群").text == "人群理由"
    assert section(card, "优惠").text == "优惠理由"
    assert all(s.title != "风险" for s in card.sections)


@pytest.mark.parametrize(
    ("text", "message"),
    [("/mo-strategy", "请写出目标。"), ("/mo-strategy 提升火星人会员收入", "没有找到与“火星人”匹配的人群")],
)
def test_bad_strategy_arguments_get_the_strategy_example(zh: HandlerContext, text: str, message: str) -> None:
    assert_usage_card(run_command(text, zh), "strategy", message, "/mo-strategy 提升家庭向会员收入")


def test_split_budget() -> None:
    assert split_budget("提升家庭向会员收入 预算50万") == ("提升家庭向会员收入", 500_000.0)
    assert split_budget("raise family revenue budget 300k") == ("raise family revenue", 300_000.0)
    assert split_budget("提升家庭向会员收入") == ("提升家庭向会员收入", None)
