"""Alert card, digest card and the "data not arrived" notice on the small fixed cube."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from core.ai import find_ungrounded_numbers
from core.detection import DetectionConfig, ScanResult
from core.detection.models import Alert, DateStatus, FoldedSlice, PanelMetric, RootCause
from core.why import facts_from_alert
from handlers.alert_card import (
    alert_key,
    build_alert_card,
    build_digest_card,
    data_not_arrived_card,
)
from tests.support.handler_fixtures import card_texts
from tests.test_why_core import LAST, small_cube
from tests.test_why_handler import load, make_context


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return load(tmp_path, small_cube())


def alert(
    severity: str = "severe",
    scope: dict[str, str] | None = None,
    metric: str = "arpu",
    z: float = -5.0,
    value: float = 0.4,
    day: dt.date = LAST,
) -> Alert:
    labels = {"arpu": "边现", "revenue": "收入", "dau": "DAU", "conversion": "转化率"}
    return Alert(
        date=day, metric=metric, metric_label=labels[metric], scope=scope or {}, value=value, expected=0.5,
        lower=0.48, upper=0.52, pct_change=value / 0.5 - 1, z=z, z_raw=z * 1.5, severity=severity,  # type: ignore[arg-type]
        direction="down" if value < 0.5 else "up",
        root_causes=[RootCause(slice={"segment": "A", "platform": "TV"}, share=1.0)] if not scope else [],
        mix_rate={"dimensions": ["segment", "platform"], "total_change": -0.1, "mix": 0.0, "rate": -0.1,
                  "interaction": 0.0, "contributions": []} if not scope else None,
    )  # fmt: skip


def result_of(alerts: list[Alert], explained: list[Alert] | None = None, status: str = "ok") -> ScanResult:
    return ScanResult(
        dates=[LAST],
        alerts=alerts,
        explained=explained or [],
        statuses=[
            DateStatus(
                date=LAST,
                status=status,
                reason="历史数据只有 3 天，至少需要 14 天" if status != "ok" else None,
            )
        ],  # type: ignore[arg-type]
        series_scored=30,
        scopes=[{}],
        settings=DetectionConfig(),
    )


def test_alert_key_is_stable_and_sorted() -> None:
    assert alert_key(alert()) == "2026-11-25|arpu|*"
    assert (
        alert_key(alert(scope={"segment": "A", "platform": "TV"})) == "2026-11-25|arpu|platform=TV&segment=A"
    )


def test_alert_card_zh(engine: Engine) -> None:
    card = build_alert_card(alert(), make_context(engine))
    assert card.title == "[严重] 边现下降 -20.0% · 整体"
    assert card.severity == "severe"
    numbers = {f.label: f.value for f in card.sections[0].fields}
    assert numbers == {
        "指标": "边现", "范围": "整体", "实际": "0.4000 元", "预期": "0.5000 元", "变化": "-20.0%",
        "正常范围": "0.4800 元 ~ 0.5200 元", "严重程度": "严重 (z=-5.00)",
    }  # fmt: skip
    assert [s.title for s in card.sections[1:4]] == ["核心原因", "数据洞察", "行动建议"]
    assert card.sections[1].bullets[0] == "A × TV 贡献了边现下降的100%"
    assert len(card.sections[3].bullets) == 3
    assert card.tables[0].rows == [["segment=A · platform=TV", "100.0%", "—", "—", "—", "—"]]
    assert card.chart is not None and card.chart.series[0].highlight == [27]
    actions = [(b.action_id, b.value) for b in card.buttons if b.action_id != "download"]
    assert actions == [
        (a, "2026-11-25|arpu|*")
        for a in ("alert_ack", "alert_snooze", "alert_false_positive", "explain_more")
    ]
    assert any(b.action_id == "download" for b in card.buttons)
    assert sorted(a.filename for a in card.attachments) == [
        "行动清单_边现_2026-11-25.md",
        "行动清单_边现_2026-11-25.xlsx",
    ]
    facts = facts_from_alert(alert(), "zh")
    assert find_ungrounded_numbers(card_texts(card)[2:], facts) == []  # all but title/subtitle (the band's z)


def test_alert_card_en(engine: Engine) -> None:
    card = build_alert_card(alert(), make_context(engine, "en"))
    assert card.title == "[severe] ARPU (边现) drop -20.0% · total"
    assert [b.label for b in card.buttons if b.action_id != "download"] == [
        "Acknowledge", "Snooze", "False positive", "Explain more",
    ]  # fmt: skip


def test_folded_slices_are_named_in_the_readers_language(engine: Engine) -> None:
    leader = alert()
    leader.folded = [
        FoldedSlice(scope={"segment": "A"}, value=0.3, expected=0.5, z=-4.0, pct_change=-0.4),
        FoldedSlice(
            scope={"platform": "TV"}, value=80, expected=100, z=-3.0, pct_change=-0.2, metric="revenue"
        ),
    ]
    zh = build_alert_card(leader, make_context(engine))
    assert next(s for s in zh.sections if s.title == "同一事件的其他表现").bullets == [
        "边现 · segment=A: -40.0%",
        "收入 · platform=TV: -20.0%",
    ]
    en = build_alert_card(leader, make_context(engine, "en"))
    assert next(s for s in en.sections if s.title == "Same incident elsewhere").bullets == [
        "ARPU (边现) · segment=A: -40.0%",
        "Revenue · platform=TV: -20.0%",
    ]


def test_english_digest_of_a_chinese_scan_speaks_english(engine: Engine) -> None:
    explained = alert("minor", {"segment": "B"}, "dau", value=0.6)
    explained.explained_by = "holiday effect"
    card = build_digest_card(result_of([alert()], [explained]), make_context(engine, "en"), day=LAST)
    assert card.chart is not None and card.chart.title == "ARPU (边现) · total"
    assert card.context[0] == "Explained moves, not alerted: DAU · B +20.0% (holiday effect)"


def test_digest_orders_by_severity_and_cuts_at_five(engine: Engine) -> None:
    alerts = [
        alert("minor", {"segment": "B"}, "dau", z=-1.6),
        alert("severe", {}, "arpu", z=-6.0),
        alert("moderate", {"platform": "TV"}, "revenue", z=-2.2),
        alert("minor", {"platform": "手机"}, "dau", z=-1.7),
        alert("severe", {"segment": "A"}, "revenue", z=-4.0),
        alert("moderate", {"segment": "B"}, "conversion", z=2.1, value=0.6),
        alert("minor", {"segment": "A"}, "conversion", z=1.55, value=0.55),
    ]
    card = build_digest_card(result_of(alerts), make_context(engine), day=LAST)
    assert card.title == "2026-11-25 异常日报：7 条告警"
    assert card.severity == "severe"
    titles = [s.title for s in card.sections]
    assert titles[:5] == [
        "1. [严重] 边现下降 -20.0% · 整体",
        "2. [严重] 收入下降 -20.0% · segment=A",
        "3. [中等] 收入下降 -20.0% · platform=TV",
        "4. [中等] 转化率上升 +20.0% · segment=B",
        "5. [轻微] DAU下降 -20.0% · platform=手机",
    ]
    assert titles[5] == "更多（2 条）" and len(card.sections[5].bullets) == 2
    assert card.sections[5].bullets[0].startswith("[轻微] DAU下降 -20.0% · segment=B")
    assert len(card.sections[0].bullets) >= 4 and card.sections[0].text  # explanation of a top alert
    acks = [b for b in card.buttons if b.action_id == "alert_ack"]
    assert [b.label for b in acks][:2] == ["确认 边现·整体", "确认 收入·A"]
    assert len(acks) == 5 and acks[0].value == "2026-11-25|arpu|*"
    assert card.chart is not None and card.chart.series[0].x[-1] == "2026-11-25"
    assert any(b.action_id == "download" for b in card.buttons)


def test_digest_keys_to_show_and_explained_line(engine: Engine) -> None:
    alerts = [alert("severe"), alert("moderate", {"platform": "TV"}, "revenue")]
    explained = alert("minor", {"segment": "B"}, "dau", value=0.6)
    explained.explained_by = "法定节假日效应"
    card = build_digest_card(
        result_of(alerts, [explained]),
        make_context(engine),
        day=LAST,
        keys_to_show=["2026-11-25|revenue|platform=TV"],
    )
    assert card.title == "2026-11-25 异常日报：1 条告警"
    assert card.sections[0].title == "1. [中等] 收入下降 -20.0% · platform=TV"
    assert card.context[0] == "已有解释、不单独提醒的变化：DAU · B +20.0%（法定节假日效应）"


def test_quiet_digests(engine: Engine) -> None:
    quiet = build_digest_card(result_of([]), make_context(engine), day=LAST)
    assert quiet.title == "2026-11-25 异常日报：全部正常"
    assert quiet.sections[0].text == "2026-11-25 没有需要关注的异常。"
    missing = build_digest_card(result_of([], status="not_enough_data"), make_context(engine, "en"), day=LAST)
    assert missing.title == "Alerts for 2026-11-25: not scanned"
    assert missing.sections[0].text == "2026-11-25 could not be scanned: 历史数据只有 3 天，至少需要 14 天"


def panel() -> list[PanelMetric]:
    def row(metric: str, value: float, expected: float, state: str = "normal", severity: str | None = None):
        return PanelMetric(
            date=LAST, metric=metric, value=value, expected=expected, lower=expected * 0.97,
            upper=expected * 1.03, change=value / expected - 1, state=state, severity=severity,
        )  # fmt: skip

    return [
        row("dau", 1_000_000, 1_010_000),
        row("revenue", 400_000, 420_000, "alert", "severe"),
        row("arpu", 0.40, 0.4158, "alert", "severe"),
        row("conversion", 0.0113, 0.0112, "explained"),
    ]


def test_the_digest_starts_with_the_panel_and_a_quiet_day_still_shows_it(engine: Engine) -> None:
    result = result_of([alert()]).model_copy(update={"panel": panel()})
    card = build_digest_card(result, make_context(engine), day=LAST)
    head = card.sections[0]
    assert head.title == "今日指标（整体，对比检测基线）"
    assert [(f.label, f.value) for f in head.fields] == [
        ("DAU", "1,000,000（-1.0%，正常）"),
        ("收入", "400,000 元（-4.8%，严重告警）"),
        ("边现", "0.4000 元（-3.8%，严重告警）"),
        ("转化率", "1.13%（+0.9%，已解释）"),
    ]
    quiet = build_digest_card(
        result_of([]).model_copy(update={"panel": panel()}), make_context(engine, "en"), day=LAST
    )
    assert quiet.title == "Alerts for 2026-11-25: all normal"
    assert quiet.sections[0].fields[0].value == "1,000,000 (-1.0%, normal)"
    assert quiet.sections[1].text == "No anomalies that need attention on 2026-11-25."


def test_the_scan_fills_the_panel_from_its_own_numbers() -> None:
    from core.calendar import ChineseCalendar
    from core.demo import generate_demo
    from core.detection import scan

    calendar = ChineseCalendar()
    demo = generate_demo(end=dt.date(2026, 11, 23), days=120, seed=7, calendar=calendar)
    result = scan(demo.metrics, [dt.date(2026, 11, 23)], calendar=calendar)
    by_metric = {m.metric: m for m in result.panel}
    assert list(by_metric) == ["dau", "revenue", "arpu", "conversion"]
    arpu = by_metric["arpu"]
    lead = next(a for a in result.alerts if a.metric == "arpu" and not a.scope)
    assert arpu.state == "alert" and arpu.severity == lead.severity
    assert arpu.value == pytest.approx(lead.value) and arpu.expected == pytest.approx(lead.expected)
    assert (
        by_metric["dau"].state == "normal"
        and by_metric["dau"].lower < by_metric["dau"].value < by_metric["dau"].upper
    )


def test_data_not_arrived_card(engine: Engine) -> None:
    zh = data_not_arrived_card(LAST, make_context(engine))
    assert zh.title == "昨天的数据还没到"
    assert (zh.sections[0].text or "").startswith("2026-11-25 的数据还没到，30 分钟后再检查")
    en = data_not_arrived_card(LAST, make_context(engine, "en"))
    assert en.title == "Yesterday's data has not arrived yet"
    assert "checking again in 30 minutes" in (en.sections[0].text or "")
