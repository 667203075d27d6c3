"""The metric-tree line of a driver-led alert: "收入 -9.0%，由 DAU -9.0% 引起；边现持平"."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from core.detection.metric_tree import TreeMove, tree_facts
from core.detection.models import Alert
from core.narrators.metric_tree import tree_sentence
from handlers.alert_card import tree_field
from tests.test_scheduler_support import handler_context

FLAT_Z = 1.5


def moves(**changes: tuple[float, float]) -> dict[str, TreeMove]:
    return {metric: TreeMove(change=change, z=z) for metric, (change, z) in changes.items()}


def test_a_dau_led_drop_names_revenue_as_its_follower_and_arpu_flat() -> None:
    tree = moves(dau=(-0.09, -4.0), revenue=(-0.088, -3.5), arpu=(0.003, 0.0), conversion=(0.0, 0.0))
    facts = tree_facts("dau", tree, FLAT_Z)
    assert facts is not None and list(facts.followers) == ["revenue"] and facts.flat == ["arpu"]
    assert tree_sentence(facts, "zh") == "收入 -8.8%，由 DAU -9.0% 引起；边现持平"
    assert tree_sentence(facts, "en") == "Revenue -8.8%, caused by DAU -9.0%; ARPU (边现) flat"


def test_a_conversion_led_drop_names_the_members_and_dau_flat() -> None:
    tree = moves(
        conversion=(-0.12, -5.0), new_members=(-0.12, -3.0), renew_members=(-0.11, -2.0), dau=(0.001, 0.0)
    )
    facts = tree_facts("conversion", tree, FLAT_Z)
    assert facts is not None
    assert tree_sentence(facts, "zh") == "新增会员 -12.0%、续费会员 -11.0%，由 转化率 -12.0% 引起；DAU 持平"


def test_no_line_when_nothing_followed_or_the_metric_is_not_a_driver() -> None:
    assert tree_facts("arpu", moves(arpu=(-0.1, -4.0), revenue=(-0.004, -0.2)), FLAT_Z) is None
    assert tree_facts("revenue", moves(revenue=(-0.1, -4.0), dau=(-0.1, -3.0)), FLAT_Z) is None
    # a follower that moved the other way did not follow
    assert tree_facts("dau", moves(dau=(-0.1, -4.0), revenue=(0.05, 2.0)), FLAT_Z) is None


def test_the_other_factor_is_named_with_its_change_when_it_moved_too() -> None:
    facts = tree_facts("dau", moves(dau=(-0.1, -4.0), revenue=(-0.14, -5.0), arpu=(-0.045, -1.8)), FLAT_Z)
    assert facts is not None and facts.flat == []
    assert tree_sentence(facts, "zh") == "收入 -14.0%，由 DAU -10.0% 引起；另有 边现 -4.5%"


def test_the_alert_card_shows_the_line(sqlite_engine: Engine) -> None:
    alert = Alert(
        date=dt.date(2026, 11, 18), metric="dau", metric_label="DAU", value=91.0, expected=100.0, lower=97.0,
        upper=103.0, pct_change=-0.09, z=-4.0, z_raw=-8.0, severity="severe", direction="down",
        tree=moves(dau=(-0.09, -4.0), revenue=(-0.088, -3.5), arpu=(0.003, 0.0)),
    )  # fmt: skip
    field = tree_field(alert, handler_context(sqlite_engine))
    assert [f.value for f in field] == ["收入 -8.8%，由 DAU -9.0% 引起；边现持平"]
