"""Documents: Markdown content, workbook sheets / cells / numeric types, and file names."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from core.documents.action_checklist import action_checklist
from core.documents.execution_template import execution_template
from core.documents.markdown import escape_cell
from core.documents.models import (
    ActionChecklistInput,
    ActionItem,
    CampaignRecord,
    ExecutionTemplateInput,
    KpiTarget,
    MixPart,
    ReuseTemplateInput,
    RootCauseShare,
    TimeWindow,
)
from core.documents.retro_report import retro_report
from core.documents.reuse_template import reuse_template
from core.retro import retro_as_campaign
from tests.test_retro import campaign_facts

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def checklist_input() -> ActionChecklistInput:
    return ActionChecklistInput(
        title="边现下跌",
        metric="arpu",
        date=dt.date(2026, 11, 23),
        actual=0.43,
        expected=0.5,
        causes=["动漫偏好沉默人群边现下滑"],
        actions=[ActionItem(action="首页位1|详情页 加推动漫")],
        slices=[
            RootCauseShare(
                slice={"segment": "动漫偏好沉默", "platform": "手机"}, share=0.62, actual=0.2, expected=0.25
            )
        ],
    )


def template_input() -> ExecutionTemplateInput:
    return ExecutionTemplateInput(
        title="动漫召回",
        segment="动漫偏好沉默",
        content_mix=[MixPart(name="动漫", share=0.7), MixPart(name="电影", share=0.3)],
        positions=["首页位1", "详情页推荐"],
        time_windows=[TimeWindow(start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 10))],
        discount="5折月卡",
        budget=50000.0,
        kpi_targets=[
            KpiTarget(metric="arpu", baseline=0.22, target_lift=0.1, target_value=0.242),
            KpiTarget(metric="conversion", baseline=0.006, target_lift=0.2, target_value=0.0072),
            KpiTarget(metric="roi", target_value=2.0),
        ],
        based_on="C2026006",
        prepared_on=dt.date(2026, 11, 23),
    )


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content))


def table_rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


# --- action checklist ------------------------------------------------------------------------------------


def test_action_checklist_names_and_media_types() -> None:
    zh = action_checklist(checklist_input())
    assert zh.filename == "行动清单_边现_2026-11-23.md"
    assert zh.ascii_filename == "action-checklist_arpu_2026-11-23.md"
    assert zh.media_type == "text/markdown; charset=utf-8"
    en = action_checklist(checklist_input(), language="en", fmt="xlsx")
    assert en.filename == en.ascii_filename == "action-checklist_arpu_2026-11-23.xlsx"
    assert en.media_type == XLSX
    assert "filename*=UTF-8''%E8%A1%8C" in zh.content_disposition


def test_action_checklist_markdown_escapes_pipes_and_leaves_owners_blank() -> None:
    text = action_checklist(checklist_input()).content.decode("utf-8")
    assert "| 1 | 首页位1\\|详情页 加推动漫 |  |  |  |" in text
    assert "| segment=动漫偏好沉默 · platform=手机 | 62.0% | 0.2000 | 0.2500 |" in text
    assert "| 偏离 | -14.0% |" in text
    assert "- 动漫偏好沉默人群边现下滑" in text


def test_action_checklist_without_causes_or_values_says_so() -> None:
    data = checklist_input().model_copy(update={"causes": [], "actual": None})
    zh = action_checklist(data).content.decode("utf-8")
    assert "| 项目 | 内容 |" in zh
    assert "| 实际值 | — |" in zh
    assert "| 偏离 | — |" in zh
    assert "- （暂无）" in zh
    en = action_checklist(data, language="en").content.decode("utf-8")
    assert "| Field | Value |" in en
    assert "- (none)" in en


def test_escape_cell() -> None:
    assert escape_cell("a|b\\c\nd") == "a\\|b\\\\c d"


def test_action_checklist_xlsx_sheets_and_numbers() -> None:
    book = workbook(action_checklist(checklist_input(), language="en", fmt="xlsx").content)
    assert book.sheetnames == ["Summary", "Causes", "Slices", "Actions"]
    slices = book["Slices"]
    header = [c.value for c in slices[2]]
    assert header == ["Slice", "Share of deviation", "Actual", "Expected"]
    assert all(c.font.bold for c in slices[2])
    share = slices.cell(row=3, column=2)
    assert share.value == pytest.approx(0.62) and isinstance(share.value, float)
    assert share.number_format == "0.0%"
    assert slices.column_dimensions["A"].width > 20


# --- execution template ----------------------------------------------------------------------------------


def test_execution_template_markdown_has_milestones_and_kpi_targets() -> None:
    document = execution_template(template_input())
    assert document.filename == "执行模板_动漫偏好沉默_2026-11-23.md"
    assert document.ascii_filename == "execution-template_C2026006_2026-11-23.md"
    text = document.content.decode("utf-8")
    for day in ("D1", "D3", "D5", "D7"):
        assert f"| {day} |" in text
    assert "| 边现 | 0.2200 | 10.0% | 0.2420 |" in text
    assert "| 转化率 | 0.6% | 20.0% | 0.7% |" in text
    assert "| D5 | 观察指标 | 边现 | 0.2420 |  |  |" in text
    assert "| D3 | 预算消耗上限 | 预算 | 15,000.00 |  |  |" in text  # 50,000 × 3 / 10 days
    assert "确认资源位「详情页推荐」已上线" in text
    assert "动漫70%+电影30%" in text


def test_execution_template_xlsx() -> None:
    document = execution_template(template_input(), language="en", fmt="xlsx")
    assert document.filename == "execution-template_C2026006_动漫偏好沉默_2026-11-23.xlsx"
    assert document.ascii_filename == "execution-template_C2026006_2026-11-23.xlsx"
    book = workbook(document.content)
    assert book.sheetnames == ["Overview", "KPI targets", "Milestones"]
    rows = table_rows(book["Milestones"])
    assert rows[1] == ("Day", "Check", "KPI", "Target", "Owner", "Status")
    assert {r[0] for r in rows[2:]} == {"D1", "D3", "D5", "D7"}
    roi_row = next(r for r in rows if r[0] == "D7" and r[2] == "ROI")
    assert roi_row[3] == 2.0
    kpis = book["KPI targets"]
    assert kpis.cell(row=3, column=1).value == "ARPU (边现)"
    assert kpis.cell(row=3, column=3).value == pytest.approx(0.1)
    assert kpis.cell(row=3, column=3).number_format == "0.0%"
    assert kpis.cell(row=3, column=4).number_format == "0.0000"


# --- retro report ----------------------------------------------------------------------------------------


def test_retro_report_markdown_sections_and_numbers() -> None:
    document = retro_report(campaign_facts(), {"summary": "整体达成一半目标", "next_time": ["早点上线"]})
    assert document.filename == "复盘报告_C2026001_2026-10-06.md"
    text = document.content.decode("utf-8")
    assert "整体达成一半目标" in text and "- 早点上线" in text
    assert "| 边现提升 | 50.0% | 33.0% | 36.4% | 未达成 |" in text
    assert "| 预算（元） | 100.00 | 120.00 | — | 使用率 120.0% |" in text
    assert "| content_type | 家庭剧 | 150.00 | 240.00 | 90.00 | 75.0% |" in text
    assert "| 1 | 首页位1 | 90.00 | 105.00 | 1.1667 |" in text
    assert "重点关注内容「动漫」的表现" in text  # default improvements from the lessons
    for day in ("D1", "D3", "D5", "D7"):
        assert f"| {day} |" in text


def test_retro_report_xlsx_sheets_and_types() -> None:
    document = retro_report(campaign_facts(), None, language="en", fmt="xlsx")
    assert document.filename == "retro-report_C2026001_2026-10-06.xlsx"
    book = workbook(document.content)
    assert book.sheetnames == [
        "Summary", "Metrics", "Drivers", "ROI content", "ROI positions", "Underperformed", "Improvements",
        "Next time", "Daily", "Overview", "KPI targets", "Milestones",
    ]  # fmt: skip
    positions = table_rows(book["ROI positions"])
    header_index = positions.index(("Rank", "Name", "Attributed cost", "Revenue change", "ROI"))
    assert positions[header_index + 1] == (1, "首页位1", 90.0, 105.0, pytest.approx(105 / 90))
    daily = book["Daily"]
    assert isinstance(daily.cell(row=3, column=1).value, dt.datetime)
    assert daily.cell(row=3, column=1).number_format == "yyyy-mm-dd"
    assert daily.cell(row=3, column=3).value == 200 and daily.cell(row=3, column=3).number_format == "#,##0"


def with_counterfactual():
    """campaign_facts() with a fitted counterfactual: 边现 +10 % (80 %: +5 % ~ +15 %), revenue 360 元 against
    327.27 (+10 %), on the 120 元 spent: +32.73 元 (17.14 ~ 46.96), ROI 0.27 (0.14 ~ 0.39)."""
    from core.retro.counterfactual import CounterfactualLift, MetricLift

    facts = campaign_facts()

    def lifted(metric: str, actual: float) -> MetricLift:
        return MetricLift(metric=metric, actual=actual, counterfactual=actual / 1.1, lift=0.1, lift_low=0.05,
                          lift_high=0.15, p_value=0.02)  # fmt: skip

    daily = [(dt.date(2026, 10, d), 0.545, 0.5) for d in (4, 5, 6)]
    lift = CounterfactualLift(
        start=facts.target.start, end=facts.target.end, controls=["segment=B"], verdict="effective",
        metrics={"arpu": lifted("arpu", 0.5455), "revenue": lifted("revenue", 360.0)}, mde=0.04, daily=daily,
    )  # fmt: skip
    return facts.model_copy(update={"counterfactual": lift})


def test_the_retro_report_leads_with_the_counterfactual() -> None:
    text = retro_report(with_counterfactual()).content.decode("utf-8")
    effect = text.index("## 活动效果（对比无活动的反事实）")
    assert effect < text.index("## 摘要：计划 vs 实际")
    assert "边现 +10.0%（80%：+5.0% ~ +15.0%），相对于无活动的反事实。结论：有效（对照：segment=B）" in text
    assert "| 收入 | 360.00 | 327.27 | 10.0% | 5.0% | 15.0% | 0.0200 |" in text
    assert "| 增量收入（元） | — | — | 32.73 | 17.14 | 46.96 | — |" in text
    assert "| ROI（增量收入 ÷ 花费） | — | — | 0.2727 | 0.1429 | 0.3913 | — |" in text
    assert "最小可检测效果（边现）：+4.0%" in text
    book = workbook(retro_report(with_counterfactual(), None, language="en", fmt="xlsx").content)
    assert book.sheetnames[:2] == ["Effect", "Summary"]
    daily = table_rows(book["Daily"])
    header = daily.index(("Date", "Phase", "DAU", "Revenue", "ARPU", "ARPU (counterfactual)", "Conversion"))
    assert [row[5] for row in daily[header + 1 :]] == [
        None,
        None,
        None,
        0.5,
        0.5,
        0.5,
    ]  # before, then the campaign
    plain = retro_report(campaign_facts()).content.decode("utf-8")
    assert "反事实（无活动）" not in plain  # nothing fitted: no effect part


# --- reuse template --------------------------------------------------------------------------------------


def test_reuse_template_from_saved_retro() -> None:
    facts = campaign_facts()
    record = CampaignRecord.model_validate(retro_as_campaign(facts))
    data = ReuseTemplateInput(campaign=record, suggestion=["换成动漫偏好活跃人群"], template=facts.template,
                              prepared_on=dt.date(2026, 11, 23))  # fmt: skip
    zh = reuse_template(data)
    assert zh.filename == "复用模板_C2026001_2026-11-23.md"
    text = zh.content.decode("utf-8")
    assert "- 换成动漫偏好活跃人群" in text and "| ROI | 1.2000 |" in text and "| D7 |" in text
    book = workbook(reuse_template(data, language="en", fmt="xlsx").content)
    assert book.sheetnames[:2] == ["Campaign", "Suggestion"]
    budget = next(r for r in table_rows(book["Campaign"]) if r[0] == "Budget used")
    assert budget[1] == 120.0
