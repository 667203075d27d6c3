"""Questions in plain words through the dispatcher, on the demo: breakdowns, ROI, routing, not understood.

Every number is checked against sums of the demo frame computed here with pandas, and the ROI table
against the date-range /mo-retro of the same month (the same attribution).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy.engine import Engine

from core.calendar import ChineseCalendar
from core.cube import DATE
from core.narrators.planning_format import metric_value, pct
from handlers.demo_setup import load_demo
from handlers.dispatch import run_command
from storage.db import make_engine
from storage.migrate import upgrade
from tests.support.handler_fixtures import card_texts, handler_context

END = dt.date(2026, 11, 23)  # a Monday
TODAY = END + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    directory = tmp_path_factory.mktemp("query")
    engine = make_engine(f"sqlite:///{directory / 'q.db'}")
    upgrade(engine)
    load_demo(engine, end=END, days=120, seed=7, data_dir=directory, calendar=ChineseCalendar())
    return engine


@pytest.fixture(scope="module")
def cube(demo_engine: Engine) -> pd.DataFrame:
    return handler_context(demo_engine, today=TODAY).data.cube()


def ask(engine: Engine, text: str, language: str = "zh"):  # type: ignore[no-untyped-def]
    return run_command(text, handler_context(engine, language, today=TODAY))


def sums(cube: pd.DataFrame, by: str, start: str, end: str, **scope: str) -> pd.DataFrame:
    rows = cube[(cube[DATE] >= pd.Timestamp(start)) & (cube[DATE] <= pd.Timestamp(end))]
    for dimension, value in scope.items():
        rows = rows[rows[dimension] == value]
    out = rows.groupby(by)[["dau", "revenue", "new_members", "renew_members"]].sum()
    out["arpu"] = out["revenue"] / out["dau"]
    out["conversion"] = (out["new_members"] + out["renew_members"]) / out["dau"]
    return out


def test_arpu_by_platform_this_week_is_ranked_from_the_sums(demo_engine: Engine, cube: pd.DataFrame) -> None:
    card = ask(demo_engine, "本周各平台的边现")
    assert card.title == "边现 · 按平台 · 本周（2026-11-23）"
    expected = sums(cube, "platform", "2026-11-23", "2026-11-23").sort_values("arpu", ascending=False)
    table = card.tables[0]
    assert table.columns[:3] == ["平台", "边现", "比整体"]
    assert [r[0] for r in table.rows[:-1]] == list(expected.index)
    assert [r[1] for r in table.rows[:-1]] == [metric_value("arpu", v) for v in expected["arpu"]]
    total = cube[cube[DATE] == pd.Timestamp(END)]
    whole = total["revenue"].sum() / total["dau"].sum()
    assert table.rows[0][2] == pct(expected["arpu"].iloc[0] / whole - 1)  # a ratio: against the total's ratio
    assert table.rows[-1][:2] == ["整体", metric_value("arpu", whole)]
    assert card.chart is not None and card.chart.kind == "bar"
    assert card.chart.series[0].x == list(expected.index)


def test_revenue_top_segment_of_november_names_the_leader(demo_engine: Engine, cube: pd.DataFrame) -> None:
    card = ask(demo_engine, "11月收入最高的人群")
    expected = sums(cube, "segment", "2026-11-01", "2026-11-23").sort_values("revenue", ascending=False)
    leader, share = expected.index[0], expected["revenue"].iloc[0] / expected["revenue"].sum()
    assert card.title == "收入 · 按人群 · 2026年11月（2026-11-01~2026-11-23）"
    assert card.sections[0].text == (
        f"2026年11月收入最高的人群：{leader}（{metric_value('revenue', expected['revenue'].iloc[0])}，"
        f"占 {pct(share, signed=False)}）"
    )
    assert [r[2] for r in card.tables[0].rows[:-1]] == [
        pct(v / expected["revenue"].sum(), signed=False) for v in expected["revenue"]
    ]


def test_a_slice_broken_down_reads_the_sources_group_by(demo_engine: Engine, cube: pd.DataFrame) -> None:
    card = ask(demo_engine, "家庭剧 各平台 DAU 2026-11-01~2026-11-20 前2")
    expected = sums(cube, "platform", "2026-11-01", "2026-11-20", content_type="家庭剧")
    expected = expected.sort_values("dau", ascending=False)
    rows = card.tables[0].rows
    assert [r[0] for r in rows] == [*expected.index[:2], "整体"]  # the top two, then the slice's total
    assert rows[0][1] == metric_value("dau", expected["dau"].iloc[0])
    assert rows[-1][1] == metric_value("dau", expected["dau"].sum())
    assert "另有 1 个取值未列出" in (card.tables[0].title or "")


def test_roi_by_position_is_the_date_range_retros(demo_engine: Engine) -> None:
    card = ask(demo_engine, "上个月哪个资源位ROI最高")
    retro = ask(demo_engine, "/mo-retro 2026-10-01~2026-10-31")
    retro_table = next(t for t in retro.tables if (t.title or "").startswith("ROI 排名"))
    assert card.title == "ROI · 按资源位 · 上个月（2026年10月）（2026-10-01~2026-10-31）"
    table = card.tables[0]
    assert table.columns == ["资源位", "摊到的花费", "收入变化", "ROI"]
    retro_roi = {row[2]: (row[3], row[-1]) for row in retro_table.rows if row[0] == "资源位"}
    assert len(retro_roi) >= 2
    assert {
        row[0]: (row[1].removesuffix(" 元"), row[-1]) for row in table.rows
    } == retro_roi  # same spend, same ROI
    best = max(table.rows, key=lambda r: float(r[-1]))
    assert table.rows[0] == best
    assert (card.sections[0].text or "").startswith(
        f"上个月（2026年10月） ROI 最高的资源位：{best[0]}（ROI {best[-1]}"
    )


def test_roi_is_refused_where_spend_is_not_known(demo_engine: Engine) -> None:
    by_platform = ask(demo_engine, "上个月各平台ROI")
    assert by_platform.title == "/mo-query: 没法执行这个命令"
    assert "ROI 只能按资源位或内容类型看" in (by_platform.sections[0].text or "")
    scoped = ask(demo_engine, "上个月 TV 各资源位ROI")
    assert "不能再限定维度取值" in (scoped.sections[0].text or "")


def test_a_total_over_a_period_has_its_daily_chart(demo_engine: Engine, cube: pd.DataFrame) -> None:
    card = ask(demo_engine, "最近两周 收入")
    days = cube[(cube[DATE] >= pd.Timestamp("2026-11-10")) & (cube[DATE] <= pd.Timestamp(END))]
    assert (
        card.sections[0].text == f"整体 收入：{metric_value('revenue', days['revenue'].sum())}（14 天合计）"
    )
    assert card.chart is not None and card.chart.kind == "trend" and len(card.chart.series[0].x) == 14


def test_english_question_and_card(demo_engine: Engine) -> None:
    card = ask(demo_engine, "lowest conversion by segment last week", "en")
    assert card.title.startswith("Conversion · by segment · last week")
    assert (card.sections[0].text or "").startswith("Lowest Conversion by segment, last week: ")
    assert card.tables[0].columns[:3] == ["segment", "Conversion", "vs total"]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("本周边现为什么下降了", "为什么边现下降了 · 2026-11-23"),
        ("能不能把家庭向收入提升15%", "目标评估：家庭向收入 +15.0% / 30天"),
        ("上周 TV", "指标看板 · 2026-11-16~2026-11-22 · platform=TV"),
        ("/memberops 本周各平台的边现", "边现 · 按平台 · 本周（2026-11-23）"),
        ("@MemberOps 各渠道 收入", None),  # no 渠道 in the demo: not understood
    ],
)
def test_the_router_sends_plain_questions_to_their_command(
    demo_engine: Engine, text: str, title: str | None
) -> None:
    card = ask(demo_engine, text)
    if title is None:
        assert card.title == "没有看懂这个问题"
    else:
        assert card.title.startswith(title), card.title


def test_not_understood_names_the_part_and_offers_two_commands_that_run(demo_engine: Engine) -> None:
    card = ask(demo_engine, "上个月各平台的毛利")
    assert card.title == "没有看懂这个问题"
    assert card.sections[0].text == "没有看懂「上个月各平台的毛利」：没认出「毛利」。"
    offered = card.sections[1].bullets
    assert len(offered) == 2
    assert all(c.startswith("/mo-query ") and "平台" in c for c in offered)  # the dimension it did recognise
    for command in offered:
        answer = ask(demo_engine, command)
        assert "没法执行" not in answer.title and "没有看懂" not in answer.title, command
    assert "命令" not in [s.title for s in card.sections]  # never the bare help list
    assert all("Traceback" not in text for text in card_texts(card))
