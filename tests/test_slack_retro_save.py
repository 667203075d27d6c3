"""The retro card's "save to the experience library" button, clicked in Slack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from bot.context import AppContext
from bot.http_app import create_app
from core.cube import dimension_columns
from handlers.data_import import campaign_tokens
from storage.catalog_repo import load_table, upsert_campaigns, upsert_resources
from storage.metrics_repo import upsert_metrics
from tests.fakes.slack_api import (
    FakeSlack,
    ServerThread,
    block_action_payload,
)
from tests.support.slack import click, slack_context
from tests.test_handler_retro import older_campaigns, small_campaigns, small_cube, small_resources


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def context(tmp_path: Path, fake_slack: FakeSlack) -> AppContext:
    context = slack_context(tmp_path, fake_slack)
    cube = small_cube()
    upsert_metrics(context.engine, cube, dimension_columns(cube), replace=True)
    campaigns = pd.concat([small_campaigns(), older_campaigns()], ignore_index=True)
    upsert_campaigns(context.engine, campaigns, campaign_tokens(campaigns))
    upsert_resources(context.engine, small_resources())
    return context


@pytest.fixture
def server(context: AppContext) -> Iterator[ServerThread]:
    with ServerThread(create_app(context)) as running:
        yield running


def _texts(blocks: list[dict]) -> str:
    return " ".join(str(b) for b in blocks)


def test_saving_a_retro_from_slack_adds_it_to_the_library_and_answers_in_the_thread(
    server: ServerThread, fake_slack: FakeSlack, context: AppContext
) -> None:
    response = click(
        server, block_action_payload("retro_save:0", "R20261004-20261006", fake_slack.response_url("rs"))
    )
    assert response.status_code == 200
    posted = fake_slack.wait_for("api", "chat.postMessage")[0].body
    assert posted["channel"] == "C0CHAN" and posted["thread_ts"] == "1700000000.000100"
    assert "已存入经验库：R20261004-20261006" in _texts(posted["blocks"])
    assert "R20261004-20261006" in set(load_table(context.engine, "campaigns")["campaign_id"])


def test_an_unknown_retro_target_gets_a_helpful_card_not_a_crash(
    server: ServerThread, fake_slack: FakeSlack
) -> None:
    click(server, block_action_payload("retro_save:0", "C1999999", fake_slack.response_url("rs2")))
    posted = fake_slack.wait_for("api", "chat.postMessage")[0].body
    assert "/mo-retro" in _texts(posted["blocks"]) and "C1999999" in _texts(posted["blocks"])
