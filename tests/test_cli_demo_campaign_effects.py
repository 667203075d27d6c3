"""`memberops init --demo` (``--campaign-effects``, the default): the demo cube carries what each campaign really did, its
truth is written beside the ground truth, and the scan explains a campaign's planned rise on its days."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from core.demo.campaign_effects import effects_from_json

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}", "DATA_DIR": str(tmp_path), "LANGUAGE": "zh"}


def init(env: dict[str, str], *flags: str) -> str:
    result = runner.invoke(app, ["init", "--demo", "--days", "180", "--end", "2026-11-23", *flags], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_demo_with_its_campaigns_effects(env: dict[str, str]) -> None:
    said = init(env, "--campaign-effects")
    truth = Path(env["DATA_DIR"]) / "demo_campaign_effects.json"
    assert f"campaigns' true effects: {truth}" in said
    effects = {e.campaign_id: e for e in effects_from_json(truth.read_text(encoding="utf-8"))}
    assert len(effects) == 36 and effects["C2026022"].slice == {"segment": "新用户试看"}
    assert effects["C2026022"].arpu_lift > 0.05
    scan = runner.invoke(app, ["scan", "--date", "2026-08-12", "--json"], env=env)
    alerts = json.loads(scan.stdout)
    lifted = [a for a in alerts if a["scope"] == {"segment": "新用户试看"} and a["metric"] == "arpu"]
    assert lifted and not lifted[0]["notify"]
    assert lifted[0]["explained_by"].startswith("活动 C2026022 进行中：边现 +")


def test_the_effects_are_on_by_default_and_a_demo_without_them_leaves_no_stale_truth(
    env: dict[str, str],
) -> None:
    assert "campaigns' true effects: " in init(env)  # `make run`'s demo carries them
    said = init(env, "--force", "--no-campaign-effects")
    assert "true effects" not in said
    assert not (Path(env["DATA_DIR"]) / "demo_campaign_effects.json").exists()


def test_the_demo_retros_measure_the_true_effect_and_say_what_else_ran(env: dict[str, str]) -> None:
    """`make run`'s demo: C2026030 ran alone on 家庭向高活跃 and its measured 边现 interval covers its true
    effect; C2026036 shared 综艺轻度 with C2026035, and the card says the lift is theirs together. Both are
    compared within content types (the films taken down on 2026-10-08 hit the segments unevenly)."""
    init(env)
    truth = Path(env["DATA_DIR"]) / "demo_campaign_effects.json"
    effects = {e.campaign_id: e for e in effects_from_json(truth.read_text(encoding="utf-8"))}
    alone = json.loads(runner.invoke(app, ["retro", "C2026030", "--json"], env=env).stdout)
    arpu = alone["metrics"]["arpu"]
    assert alone["stratum"] == "content_type" and alone["overlapping_campaigns"] == []
    assert (
        arpu["lift_low"] < effects["C2026030"].arpu_lift < arpu["lift_high"]
        and alone["verdict"] == "effective"
    )
    chart = json.loads(runner.invoke(app, ["ask", "/mo-retro C2026030", "--format", "json"], env=env).stdout)[
        "chart"
    ]
    actual, expected = chart["series"]
    assert chart["kind"] == "trend" and (actual["name"], expected["name"]) == ("实际", "反事实（无活动）")
    during = [i for i, day in enumerate(actual["x"]) if alone["start"] <= day <= alone["end"]]
    assert during and all(expected["y"][i] is not None for i in during)  # the counterfactual over its days
    assert all(
        y is None for i, y in enumerate(expected["y"]) if i not in during
    )  # the pre-period: actual only
    gap = sum(actual["y"][i] for i in during) / sum(expected["y"][i] for i in during) - 1
    assert arpu["lift_low"] < gap < arpu["lift_high"]  # the lines' gap is the lift the card leads with
    shared = json.loads(runner.invoke(app, ["retro", "C2026036", "--json"], env=env).stdout)
    assert shared["overlapping_campaigns"] == ["C2026035"]
    card = runner.invoke(app, ["ask", "/mo-retro C2026036"], env=env).stdout
    assert "本切片同期还有活动 C2026035：测得的是它们的合计效果" in card
    assert "按 content_type 分层对比" in card
    # 动漫偏好沉默 runs campaigns on most of its days: too few windows of its own, its controls calibrate it
    busy = json.loads(runner.invoke(app, ["retro", "C2026013", "--json"], env=env).stdout)
    arpu = busy["metrics"]["arpu"]
    assert busy["placebos_in_space"] is True and busy["overlapping_campaigns"] == []
    assert (
        arpu["lift_low"] < effects["C2026013"].arpu_lift < arpu["lift_high"]
        and busy["verdict"] == "effective"
    )
    assert "区间另用对照切片" in runner.invoke(app, ["ask", "/mo-retro C2026013"], env=env).stdout
