"""``/why`` through storage and the dispatcher on the small fixed cube (see ``tests/test_why_core.py``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from core.ai import find_ungrounded_numbers
from core.cube import dimension_columns
from core.demo import generate_demo
from core.why import build_why_facts, day_period, metric_trend, series_count
from handlers.context import HandlerContext
from handlers.dispatch import run_command
from handlers.downloads import fetch_download
from storage.db import make_engine
from storage.import_log import record_import
from storage.metrics_repo import upsert_metrics
from storage.migrate import upgrade
from tests.support.handler_fixtures import card_texts, fields, handler_context, section
from tests.test_why_core import LAST, TODAY, small_cube


def load(tmp_path: Path, cube: pd.DataFrame) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'why.db'}")
    upgrade(engine)
    upsert_metrics(engine, cube, dimension_columns(cube), replace=True)
    return engine


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return load(tmp_path, small_cube())


def make_context(engine: Engine, language: str = "zh", today: dt.date | None = TODAY) -> HandlerContext:
    return handler_context(engine, language, today=today)


def test_why_without_arguments_explains_the_latest_day(engine: Engine) -> None:
    card = run_command("/mo-why", make_context(engine))
    assert card.title == "为什么边现下降了 · 2026-11-25"
    assert card.subtitle == "对比上周同日（2026-11-18）"
    assert fields(card, "数字") == {
        "当期": "2026-11-25: 0.4000 元",
        "基线": "0.5000 元（上周同日（2026-11-18））",
        "变化": "-0.1000 元（-20.0%）",
        "检测基线": "0.5000 元（-20.0%）",
        "正常范围": fields(card, "数字")["正常范围"],
        "波动判断": "超出正常波动",  # the scan's band decides for a day; 4 weeks are too few for a z
    }
    table = card.tables[0]
    assert table.columns == ["切片", "贡献占比", "当期", "基线", "变化", "显著性（z）"]
    assert table.rows == [["segment=A · platform=TV", "100.0%", "0.1000 元", "0.5000 元", "-80.0%", "—"]]
    assert fields(card, "结构 vs 比率（按 segment、platform）") == {
        "结构效应": "+0.0000 元（0.0%）",
        "比率效应": "-0.1000 元（100.0%）",
    }
    assert section(card, "核心原因").bullets[0].startswith("A × TV 贡献了边现下降的100%")
    assert section(card, "行动建议").bullets[0].startswith("检查「TV」端（A）最近的客户端版本发布")
    assert len(section(card, "行动建议").bullets) == 3
    assert section(card, "日历").bullets == ["没有节假日或调休"]


def test_why_card_chart_alerts_and_checklist(engine: Engine) -> None:
    card = run_command("/mo-why", make_context(engine))
    assert card.chart is not None and card.chart.kind == "trend"
    actual = card.chart.series[0]
    assert len(actual.x) == 28 and actual.x[-1] == "2026-11-25"
    assert actual.y[-1] == pytest.approx(0.4) and actual.highlight == [27]
    assert actual.lower is not None and actual.lower[-1] is not None and actual.lower[-1] > 0.4
    assert card.chart.series[1].y[-1] == pytest.approx(0.5)
    alerts = section(card, "当期告警").bullets
    assert "[严重] 2026-11-25 边现 · segment=A: 0.3000 元（预期 0.5000 元，-40.0%）" in alerts
    assert card.severity == "severe"
    download = next(b for b in card.buttons if b.action_id == "download")
    names = sorted(a.filename for a in card.attachments)
    assert names == ["行动清单_边现_2026-11-25.md", "行动清单_边现_2026-11-25.xlsx"]
    markdown = next(a for a in card.attachments if a.filename.endswith(".md"))
    stored = fetch_download(engine, markdown.download_id)
    assert stored is not None and "segment=A · platform=TV" in stored.content.decode()
    assert fetch_download(engine, download.value) is not None


def test_every_number_of_the_card_is_in_the_facts(engine: Engine) -> None:
    context = make_context(engine)
    card = run_command("/mo-why", context)
    cube, calendar = context.data.cube(), context.calendar
    trend = metric_trend(cube, "arpu", {}, LAST, calendar=calendar, family_size=series_count(cube, LAST))
    from handlers.scan import scan_days

    alerts = scan_days(context.data, calendar, day=LAST).alerts
    facts = build_why_facts(
        cube, metric="arpu", period=day_period(LAST), calendar=calendar, trend=trend, alerts=alerts
    )
    assert find_ungrounded_numbers(card_texts(card), facts) == []


def test_week_and_dimension_filter(engine: Engine) -> None:
    week = run_command("为什么这周收入下降了？", make_context(engine))
    assert week.title == "为什么收入下降了 · 2026-11-23~2026-11-25"
    assert fields(week, "数字")["当期（日均）"] == "2026-11-23~2026-11-25: 187 元"
    assert fields(week, "数字")["基线"] == "200 元（上周同期（2026-11-16~2026-11-18））"
    assert fields(week, "数字")["变化"] == "-13 元（-6.7%）"
    assert week.tables[0].rows[0][:2] == ["segment=A · platform=TV", "100.0%"]
    scoped = run_command("/mo-why 2026-11-25 收入 TV", make_context(engine))
    assert scoped.title == "为什么platform=TV 的收入下降了 · 2026-11-25"
    assert fields(scoped, "数字")["当期"] == "2026-11-25: 60 元"
    assert fields(scoped, "数字")["变化"] == "-40 元（-40.0%）"


def test_english_card(engine: Engine) -> None:
    card = run_command("/mo-why yesterday arpu", make_context(engine, "en"))
    assert card.title == "Why did ARPU (边现) drop · 2026-11-25"
    assert card.subtitle == "vs the same weekday a week earlier (2026-11-18)"
    assert fields(card, "Numbers")["Change"] == "-0.1000 元（-20.0%）"
    assert section(card, "Core causes").bullets[0].startswith("A × TV carries 100% of the ARPU (边现) drop")
    assert (
        section(card, "Actions")
        .bullets[0]
        .startswith("Check the latest client release and the payment flow on TV")
    )
    assert card.tables[0].columns == ["Slice", "Share", "Actual", "Baseline", "Change", "Significance (z)"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("/mo-why 2026-13-45", "不是有效日期"),
        ("/mo-why 火星人", "没认出「火星人」"),
        ("/mo-why 2026-10-30", "缺少可比的基线"),
        ("/mo-why 今天", "没有数据"),
    ],
)
def test_bad_arguments_give_a_helpful_card(engine: Engine, text: str, fragment: str) -> None:
    card = run_command(text, make_context(engine))
    assert card.title == "/mo-why: 没法执行这个命令"
    assert fragment in (card.sections[0].text or "")
    assert card.sections[1].text is not None and "/mo-why 本周 边现" in card.sections[1].text


def test_no_data_gives_the_setup_hint(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(engine)
    card = run_command("/mo-why", make_context(engine))
    assert "memberops init --demo" in (card.sections[0].text or "")


def test_demo_why_names_the_planted_slice(tmp_path: Path) -> None:
    demo = generate_demo(end=dt.date(2026, 11, 23))
    engine = load(tmp_path, demo.metrics)
    card = run_command("/mo-why", make_context(engine, today=None))
    assert card.title == "为什么边现下降了 · 2026-11-23"
    top = card.tables[0].rows[0][0]
    assert "segment=动漫偏好活跃" in top and "resource_position=首页位1" in top
    assert card.tables[0].rows[0][-1].startswith("显著")
    causes = section(card, "核心原因").bullets
    # the day's total stays inside the scan's band (-2.7 %), the slice's own drop is significant
    assert (
        causes[0].startswith("整体的边现变化 -2.7% 在正常波动范围内") and "下列切片自身变化显著" in causes[0]
    )
    assert "动漫偏好活跃" in causes[1] and "首页位1" in causes[1]
    assert fields(card, "数字")["波动判断"].startswith("在正常波动范围内")
    assert section(card, "行动建议").bullets[0].startswith("检查资源位「首页位1」")


def test_repeated_why_reuses_the_scan_until_the_data_changes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import handlers.scan

    scans: list[object] = []

    def counting_scan(*args: object, **kwargs: object) -> object:
        scans.append(args[1])
        return real_scan(*args, **kwargs)

    real_scan = handlers.scan.scan
    monkeypatch.setattr(handlers.scan, "scan", counting_scan)
    context = make_context(engine)
    first = run_command("/mo-why", context)
    again = run_command("/mo-why", context)
    assert again.model_dump(exclude={"attachments", "buttons"}) == first.model_dump(
        exclude={"attachments", "buttons"}
    )
    assert scans == [[LAST]]
    run_command("/mo-why 2026-11-24", context)
    assert scans == [[LAST], [dt.date(2026, 11, 24)]]
    record_import(engine, kind="metrics", source="again.csv", rows=1)  # any import: the data may differ
    run_command("/mo-why", context)
    assert scans == [[LAST], [dt.date(2026, 11, 24)], [LAST]]


def test_reference_day_does_not_load_the_cube(engine: Engine) -> None:
    context = make_context(engine, today=None)
    assert context.reference_day() == LAST + dt.timedelta(days=1)
    assert context.data.cube_source.rows_read == 0  # the file list answered; no cube row was read
    assert make_context(engine, today=dt.date(2026, 12, 1)).reference_day() == dt.date(2026, 12, 1)


def test_reference_day_without_data_is_the_calendar_today(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    upgrade(engine)
    assert make_context(engine, today=None).reference_day() == dt.date.today()
