"""/budget in Slack with data loaded: the modal opens pre-filled with the default plan and the capacities,
and its submission runs the real budget simulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from bot.context import AppContext
from bot.http_app import create_app
from core.cube import dimension_columns
from handlers.budget import budget_modal_defaults
from handlers.data_import import campaign_tokens
from storage.catalog_repo import upsert_campaigns, upsert_resources, upsert_segments
from storage.metrics_repo import upsert_metrics
from tests.fakes.slack_api import FakeSlack, ServerThread, command_body
from tests.support.slack import post_signed, slack_context
from tests.test_planning_data import make_campaigns, make_cube, make_resources, make_segments


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def context(tmp_path: Path, fake_slack: FakeSlack) -> AppContext:
    context = slack_context(tmp_path, fake_slack)
    cube = make_cube()
    upsert_metrics(context.engine, cube, dimension_columns(cube), replace=True)
    upsert_segments(context.engine, make_segments())
    campaigns = make_campaigns()
    upsert_campaigns(context.engine, campaigns, campaign_tokens(campaigns))
    upsert_resources(context.engine, make_resources())
    return context


def test_the_modal_is_prefilled_with_the_default_plan(context: AppContext, fake_slack: FakeSlack) -> None:
    expected = budget_modal_defaults(context.handler_context())["text"]
    with ServerThread(create_app(context)) as server:
        response = post_signed(server, command_body("/budget", "", fake_slack.response_url("budget")))
        assert response.status_code == 200
        view = fake_slack.wait_for("api", "views.open")[0].body["view"]
    initial = {
        b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"
    }
    assert initial == {
        "mix": expected["mix"],
        "positions": expected["positions"],
        "budget": expected["budget"],
    }
    hint = view["blocks"][-1]
    assert hint["type"] == "context" and "容量上限" in hint["elements"][0]["text"]
    assert pd.notna(expected["budget"]) and expected["mix"]
