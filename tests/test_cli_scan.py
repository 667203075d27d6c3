"""`memberops init --demo && memberops scan --json` as a user runs it: the showcase 边现 drop is found with its cause."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from bot.cli import app
from tests.support.cli_demo import demo_environment

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # without the campaigns' effects: in this 120-day demo the showcase drop of 2026-11-23 is then a total
    # 边现 alert, which the /why and /kpi contracts below are checked against (with the effects, campaign
    # lifts elsewhere keep the total inside its band and the segment 动漫偏好活跃 heads the incident)
    return demo_environment(tmp_path_factory, "scan", days=120, campaign_effects=False)


def test_scan_json_contract_and_showcase_root_cause(demo_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["scan", "--json"], env=demo_env)
    assert result.exit_code == 0, result.output
    alerts = json.loads(result.stdout)
    notifying = [a for a in alerts if a["notify"]]
    assert notifying, "the injected 边现 drop must alert"
    first = notifying[0]
    for key in ("date", "metric", "scope", "value", "expected", "z", "severity", "direction", "explained_by"):
        assert key in first
    assert first["date"] == "2026-11-23"
    assert first["metric"] == "arpu" and first["direction"] == "down"
    cause = {**first["scope"], **first["root_causes"][0]["slice"]}
    assert cause == {"segment": "动漫偏好活跃", "resource_position": "首页位1"}
    assert first["root_causes"][0]["share"] > 0.8
    shares = [rc["share"] for rc in first["root_causes"]]
    assert shares == sorted(shares, reverse=True)


def test_scan_text_and_bad_dates(demo_env: dict[str, str]) -> None:
    text = runner.invoke(app, ["scan", "--date", "2026-11-23"], env=demo_env)
    assert text.exit_code == 0 and "边现" in text.stdout and "首页位1" in text.stdout
    bad = runner.invoke(app, ["scan", "--date", "2026-02-30"], env=demo_env)
    assert bad.exit_code == 2 and "--date" in bad.stderr
    both = runner.invoke(app, ["scan", "--date", "2026-11-23", "--from", "2026-11-01"], env=demo_env)
    assert both.exit_code == 2


def test_scan_before_the_data_says_not_enough_data(demo_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["scan", "--date", "2026-07-01", "--lang", "en"], env=demo_env)
    assert result.exit_code == 0
    assert "not enough data" in result.stdout


def test_scan_on_an_empty_database_is_a_clear_error(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}", "DATA_DIR": str(tmp_path)}
    result = runner.invoke(app, ["scan"], env=env)
    assert result.exit_code == 2 and "memberops init --demo" in result.stderr


def test_why_json_contract(demo_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["why", "2026-11-23", "边现", "--json"], env=demo_env)
    assert result.exit_code == 0, result.output
    facts = json.loads(result.stdout)
    for key in (
        "metric",
        "start",
        "end",
        "value",
        "baseline",
        "change",
        "within_normal_range",
        "root_causes",
    ):
        assert key in facts
    assert (facts["metric"], facts["start"], facts["end"]) == ("arpu", "2026-11-23", "2026-11-23")
    assert facts["change"] == pytest.approx(facts["value"] / facts["baseline"] - 1)
    scan = json.loads(runner.invoke(app, ["scan", "--date", "2026-11-23", "--json"], env=demo_env).stdout)
    alert = next(a for a in scan if a["metric"] == "arpu" and not a["scope"])
    assert (
        facts["within_normal_range"] is False and facts["value"] < facts["lower"]
    )  # the scan alerts: outside
    assert (facts["lower"], facts["upper"]) == pytest.approx((alert["lower"], alert["upper"]))  # its band
    first = facts["root_causes"][0]
    assert first["slice"] == {"segment": "动漫偏好活跃", "resource_position": "首页位1"}
    assert first["significant"] is True and first["z"] < -3
    week = json.loads(
        runner.invoke(app, ["why", "2026-11-10~2026-11-16", "DAU", "--json"], env=demo_env).stdout
    )
    assert (week["start"], week["end"], week["baseline_start"]) == ("2026-11-10", "2026-11-16", "2026-11-03")
    assert isinstance(week["within_normal_range"], bool)
    assert all(isinstance(c["significant"], bool) for c in week["root_causes"])


def test_why_text_and_bad_arguments(demo_env: dict[str, str]) -> None:
    text = runner.invoke(app, ["why", "2026-11-23"], env=demo_env)
    assert text.exit_code == 0 and "为什么边现下降了 · 2026-11-23" in text.stdout
    bad = runner.invoke(app, ["why", "火星人", "--json"], env=demo_env)
    assert bad.exit_code == 2 and "火星人" in bad.stderr and bad.stdout == ""


def test_retro_json_contract(demo_env: dict[str, str]) -> None:
    """`memberops retro CAMPAIGN_ID --json`: the lift against the counterfactual, as issue 12 specifies it."""
    from storage.catalog_repo import load_table
    from storage.db import make_engine

    campaigns = load_table(make_engine(demo_env["DATABASE_URL"]), "campaigns")
    ends = pd.to_datetime(campaigns["end_date"])
    late = campaigns[(ends <= "2026-11-23") & (pd.to_datetime(campaigns["start_date"]) >= "2026-10-15")]
    campaign_id = str(late.sort_values("end_date").iloc[-1]["campaign_id"])
    result = runner.invoke(app, ["retro", campaign_id, "--json"], env=demo_env)
    assert result.exit_code == 0, result.output
    facts = json.loads(result.stdout)
    for key in ("campaign_id", "start", "end", "target", "method", "controls", "verdict", "mde", "metrics",
                "incremental_revenue", "roi"):  # fmt: skip
        assert key in facts, key
    assert facts["campaign_id"] == campaign_id and facts["method"] == "synthetic_control_placebo"
    assert facts["verdict"] in ("effective", "no_effect", "undetermined")
    assert facts["controls"] and all(next(iter(facts["target"])) in c for c in facts["controls"]), facts
    arpu = facts["metrics"]["arpu"]
    assert arpu["lift_low"] <= arpu["lift"] <= arpu["lift_high"] and 0 <= arpu["p_value"] <= 1
    assert arpu["actual"] == pytest.approx(arpu["counterfactual"] * (1 + arpu["lift"]))
    revenue = facts["incremental_revenue"]
    assert revenue["low"] <= revenue["estimate"] <= revenue["high"]
    text = runner.invoke(app, ["retro", campaign_id], env=demo_env)
    assert text.exit_code == 0 and "活动效果（对比无活动的反事实）" in text.stdout
    bad = runner.invoke(app, ["retro", "C1999999", "--json"], env=demo_env)
    assert bad.exit_code == 2 and "C1999999" in bad.stderr


def test_forecast_json_contract(demo_env: dict[str, str]) -> None:
    result = runner.invoke(
        app, ["forecast", "收入", "segment=家庭向高活跃", "--days", "14", "--as-of", "2026-11-01", "--json"],
        env=demo_env,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    facts = json.loads(result.stdout)
    assert (facts["metric"], facts["scope"], facts["as_of"], facts["days"]) == (
        "revenue", {"segment": "家庭向高活跃"}, "2026-11-01", 14,
    )  # fmt: skip
    assert facts["low"] < facts["mean"] < facts["high"]
    daily = facts["daily"]
    assert len(daily) == 14 and daily[0]["date"] == "2026-11-02" and daily[-1]["date"] == "2026-11-15"
    assert all(d["low"] < d["mean"] < d["high"] for d in daily)
    assert facts["mean"] == pytest.approx(sum(d["mean"] for d in daily) / 14)
    total = json.loads(runner.invoke(app, ["forecast", "收入", "--json"], env=demo_env).stdout)
    assert (
        total["as_of"] == "2026-11-23" and total["mean"] > facts["mean"]
    )  # the whole cube, from the last day
    for bad in (
        ["forecast", "火星"],
        ["forecast", "DAU", "--days", "500"],
        ["forecast", "DAU", "--as-of", "2020-01-01"],
    ):
        outcome = runner.invoke(app, bad, env=demo_env)
        assert outcome.exit_code == 2 and outcome.stdout == "" and outcome.stderr
    early = runner.invoke(app, ["forecast", "DAU", "--as-of", "2026-07-28", "--json"], env=demo_env)
    assert early.exit_code == 2 and early.stdout == ""  # the demo's second day: no band from two days
    assert "预测需要至少 14 天的历史数据：截至 2026-07-28 只有 2 天" in early.stderr


def test_abtest_plans_and_reads_out_through_ask(demo_env: dict[str, str]) -> None:
    plan = runner.invoke(app, ["ask", "/mo-abtest 家庭向高活跃 边现 +5% 7天"], env=demo_env)
    assert plan.exit_code == 0, plan.output
    assert "A/B 实验规划：家庭向高活跃 · 边现 +5.0% · 7天" in plan.stdout
    assert "最小可检测效果（7天）" in plan.stdout and "检测 +5.0% 需要" in plan.stdout
    assert "合成对照" in plan.stdout
    longer = runner.invoke(app, ["ask", "/mo-abtest 家庭向高活跃 边现 +5% 14天"], env=demo_env)
    # 120 days of busy history: too few clean windows of its own, its controls calibrate it too
    assert "（含对照）" in longer.stdout and "另把对照切片当作实验组" in longer.stdout
    english = runner.invoke(app, ["ask", "实验 segment=新用户试看 转化率 10%", "--lang", "en"], env=demo_env)
    assert "Test plan: 新用户试看 · Conversion +10.0% · 14 days" in english.stdout
    readout = runner.invoke(app, ["ask", "/mo-abtest 读数 C2026001"], env=demo_env)
    assert readout.exit_code == 0 and "A/B 读数：C2026001" in readout.stdout
    no_slice = runner.invoke(app, ["ask", "/mo-abtest 边现 5%"], env=demo_env)
    assert (
        "请指定一个要测试的切片" in no_slice.stdout
        and "/mo-abtest 家庭向高活跃 边现 +5% 14天" in no_slice.stdout
    )
    no_room = runner.invoke(app, ["ask", "/mo-abtest 家庭向高活跃 边现 +5% 90天"], env=demo_env)
    assert "90 天的历史窗口不够估计波动，见下表的其他时长" in no_room.stdout  # 120 days hold no 90-day window
    assert "14天" in no_room.stdout
    too_long = runner.invoke(app, ["ask", "/mo-abtest 家庭向高活跃 200天"], env=demo_env)
    assert "天数须在 3 到 90 之间" in too_long.stdout


def test_abtest_json_contract(demo_env: dict[str, str]) -> None:
    """`memberops abtest … --json`: the plan's numbers (the card's) and a readout as the retro's JSON."""
    result = runner.invoke(app, ["abtest", "家庭向高活跃", "边现", "+5%", "7天", "--json"], env=demo_env)
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert (plan["kind"], plan["scope"], plan["metric"], plan["effect"], plan["days"], plan["launch"]) == (
        "plan", {"segment": "家庭向高活跃"}, "arpu", 0.05, 7, "2026-11-24",
    )  # fmt: skip
    options = {o["days"]: o for o in plan["options"]}
    assert plan["mde"] == options[7]["mde"] and 0 < plan["mde"] < 0.5
    assert plan["days_needed"] == min(d for d, o in options.items() if o["mde"] <= 0.05)
    assert options[14]["in_space"] and options[14]["placebo_windows"] >= 6  # as the card's "（含对照）"
    assert plan["controls"] and all(c.startswith("segment=") for c in plan["controls"])
    card = runner.invoke(app, ["abtest", "家庭向高活跃", "边现", "+5%", "7天"], env=demo_env)
    assert f"最小可检测效果（7天）: +{plan['mde']:.1%}" in card.stdout, card.stdout
    readout = json.loads(runner.invoke(app, ["abtest", "读数", "C2026001", "--json"], env=demo_env).stdout)
    assert readout["kind"] == "readout" and readout["campaign_id"] == "C2026001"
    assert readout["verdict"] in ("effective", "no_effect", "undetermined") and "metrics" in readout
    for bad, said in ((["abtest", "边现", "5%", "--json"], "请指定一个要测试的切片"),
                      (["abtest", "家庭向高活跃", "200天", "--json"], "天数须在 3 到 90 之间")):  # fmt: skip
        outcome = runner.invoke(app, bad, env=demo_env)
        assert outcome.exit_code == 2 and outcome.stdout == "" and said in outcome.stderr


def test_kpi_panel_through_ask(demo_env: dict[str, str]) -> None:
    day = runner.invoke(app, ["ask", "/mo-kpi 2026-11-23", "--format", "json"], env=demo_env)
    assert day.exit_code == 0, day.output
    card = json.loads(day.stdout)
    assert card["title"] == "指标看板 · 2026-11-23 · 整体"
    rows = {row[0]: row for row in card["tables"][0]["rows"]}
    assert list(rows) == ["DAU", "收入", "边现", "转化率", "新增会员", "续费会员"]
    assert rows["边现"][5] == "严重告警" and rows["DAU"][5] == "正常"  # the showcase 边现 drop, DAU untouched
    chart = card["chart"]
    assert chart["kind"] == "panel" and [s["name"] for s in chart["series"]] == [
        "DAU",
        "收入",
        "边现",
        "转化率",
    ]
    assert all(s["lower"] and s["upper"] for s in chart["series"])  # each with the detection band
    assert (
        chart["series"][2]["x"][-1] == "2026-11-23" and chart["series"][2]["highlight"]
    )  # the alert day marked
    scan = json.loads(runner.invoke(app, ["scan", "--date", "2026-11-23", "--json"], env=demo_env).stdout)
    total_arpu = next(a for a in scan if a["metric"] == "arpu" and not a["scope"] and a["notify"])
    assert rows["边现"][2].startswith(f"{total_arpu['expected']:.4f}")  # the scan's own baseline
    week = json.loads(runner.invoke(app, ["ask", "看板 2026-11-10~2026-11-16 segment=家庭向高活跃", "--format", "json"],
                                    env=demo_env).stdout)  # fmt: skip
    assert week["title"] == "指标看板 · 2026-11-10~2026-11-16 · segment=家庭向高活跃"
    assert week["subtitle"] == "对比：2026-11-03~2026-11-09"
    week_rows = {row[0]: row for row in week["tables"][0]["rows"]}
    for metric in ("DAU", "收入", "边现", "转化率"):  # a period's normal range: the comparison's own noise
        low, high = (
            float(part.replace(",", "").rstrip("元% ")) for part in week_rows[metric][4].split(" ~ ")
        )
        value = float(week_rows[metric][1].replace(",", "").rstrip("元% "))
        assert low < high and (low <= value <= high) == (week_rows[metric][5] == "正常"), week_rows[metric]
    bad = runner.invoke(app, ["ask", "/mo-kpi 火星人"], env=demo_env)
    assert "火星人" in bad.stdout and "/mo-kpi 本周" in bad.stdout


def test_the_forecast_uses_the_teams_holiday_file(demo_env: dict[str, str], tmp_path: Path) -> None:
    """A holiday the team declares (HOLIDAY_FILE, for a year the calendar library does not know yet) is a
    day off in the forecast, as on the scan's calendar: Wednesday 2027-01-06 is forecast as a holiday, the day
    before it unchanged."""
    holidays = tmp_path / "holidays.csv"
    holidays.write_text("date,kind,name\n2027-01-06,holiday,团队假日\n", encoding="utf-8")
    args = ["forecast", "DAU", "--days", "50", "--json"]  # from 2026-11-23

    def daily(env: dict[str, str]) -> dict[str, float]:
        facts = json.loads(runner.invoke(app, args, env=env).stdout)
        return {d["date"]: d["mean"] for d in facts["daily"]}

    plain, declared = daily(demo_env), daily({**demo_env, "HOLIDAY_FILE": str(holidays)})
    assert declared["2027-01-05"] == pytest.approx(plain["2027-01-05"], rel=1e-3)
    # a day off (at least the Saturday's level) plus the holidays' own lift learnt from the history
    assert declared["2027-01-06"] > 1.03 * plain["2027-01-06"]
    assert declared["2027-01-06"] >= 0.95 * plain["2027-01-09"]
