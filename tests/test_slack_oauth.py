"""Multi-workspace install end to end: /slack/install → /slack/oauth_redirect → the installation in our
database → commands from that team use its bot token; unknown teams and bad states are refused.

The app runs with SLACK_CLIENT_ID/SECRET and a signing secret but no bot token, against the fake Slack Web
API, which knows only the token it hands out from ``oauth.v2.access`` (team ``T0NEW``, ``xoxb-installed``).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import MetaData, Table, select, update
from sqlalchemy.engine import Engine

from bot.context import AppContext
from bot.http_app import create_app
from bot.slack.installation import BOTS_TABLE, INSTALLATIONS_TABLE, STATES_TABLE
from handlers import dispatch
from handlers.help import handle_help
from tests.fakes.slack_api import FakeSlack, ServerThread, command_body
from tests.support.slack import header_text, post_signed, slack_context

INSTALLED_TEAM = "T0NEW"  # what the fake's oauth.v2.access answers
INSTALLED_TOKEN = "xoxb-installed"
CLIENT_ID = "111.222"
CLIENT_SECRET = "client-secret"
STATE_COOKIE = "slack-app-oauth-state"
NOT_INSTALLED_ZH = (
    "会员运营助手还没有安装到这个工作区，请管理员打开 https://memberops.example/slack/install 安装。"
)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack(tokens=(INSTALLED_TOKEN,)) as fake:
        yield fake


@pytest.fixture
def context(tmp_path: Path, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> AppContext:
    monkeypatch.setattr(dispatch, "HANDLERS", {"help": handle_help})
    return slack_context(
        tmp_path,
        fake_slack,
        slack_bot_token=None,
        slack_client_id=CLIENT_ID,
        slack_client_secret=CLIENT_SECRET,
    )


@pytest.fixture
def server(context: AppContext) -> Iterator[ServerThread]:
    with ServerThread(create_app(context)) as running:
        yield running


def rows(engine: Engine, table_name: str) -> list[dict[str, Any]]:
    table = Table(table_name, MetaData(), autoload_with=engine)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(table)).mappings()]


def start_install(server: ServerThread) -> str:
    """GET /slack/install; returns the state carried by the "Add to Slack" link (and its cookie)."""
    page = httpx.get(f"{server.url}/slack/install")
    assert page.status_code == 200
    link = html.unescape(
        re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text).group(1)
    )
    query = dict(urllib.parse.parse_qsl(link.split("?", 1)[1]))
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == "https://memberops.example/slack/oauth_redirect"
    assert page.headers["set-cookie"].startswith(f"{STATE_COOKIE}={query['state']};")
    return query["state"]


def finish_install(server: ServerThread, state: str, code: str = "c0de") -> httpx.Response:
    """Slack's redirect back to us, from the browser that started the install (it carries the cookie)."""
    return httpx.get(
        f"{server.url}/slack/oauth_redirect",
        params={"code": code, "state": state},
        headers={"Cookie": f"{STATE_COOKIE}={state}"},
    )


def send_command(
    server: ServerThread, command: str, text: str, response_url: str, team_id: str
) -> httpx.Response:
    return post_signed(server, command_body(command, text, response_url, team_id=team_id))


def test_install_stores_the_workspace_and_its_commands_run_with_the_stored_bot_token(
    server: ServerThread, fake_slack: FakeSlack, context: AppContext
) -> None:
    state = start_install(server)
    assert [row["state"] for row in rows(context.engine, STATES_TABLE)] == [state]

    done = finish_install(server, state)

    assert done.status_code == 200
    exchange = fake_slack.api("oauth.v2.access")
    assert len(exchange) == 1
    assert exchange[0].body["code"] == "c0de"
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert exchange[0].headers["authorization"] == f"Basic {basic}"
    assert [call.headers["authorization"] for call in fake_slack.api("auth.test")] == [
        f"Bearer {INSTALLED_TOKEN}"
    ]
    assert rows(context.engine, STATES_TABLE) == []  # consumed
    installations = rows(context.engine, INSTALLATIONS_TABLE)
    bots = rows(context.engine, BOTS_TABLE)
    assert [(i["client_id"], i["team_id"], i["bot_token"], i["bot_user_id"]) for i in installations] == [
        (CLIENT_ID, INSTALLED_TEAM, INSTALLED_TOKEN, "U0INSTALLED")
    ]
    assert [(b["team_id"], b["bot_token"], b["bot_id"]) for b in bots] == [
        (INSTALLED_TEAM, INSTALLED_TOKEN, "B0BOT")
    ]

    help_ack = send_command(server, "/mo-help", "", fake_slack.response_url("help"), INSTALLED_TEAM)
    assert help_ack.status_code == 200
    assert "正在处理 /mo-help" in help_ack.text
    assert header_text(fake_slack.wait_for("response", "help")[0].body) == "会员运营智能助手"

    budget_ack = send_command(server, "/mo-budget", "", fake_slack.response_url("budget"), INSTALLED_TEAM)
    assert budget_ack.status_code == 200
    opened = fake_slack.wait_for("api", "views.open")
    assert [(call.headers["authorization"], call.status) for call in opened] == [
        (f"Bearer {INSTALLED_TOKEN}", 200)
    ]
    assert all(
        call.headers["authorization"] == f"Bearer {INSTALLED_TOKEN}"
        for call in fake_slack.calls_to("api")
        if call.name != "oauth.v2.access"
    )


def test_a_command_from_a_workspace_that_never_installed_the_app_is_refused(
    server: ServerThread, fake_slack: FakeSlack, context: AppContext
) -> None:
    finish_install(server, start_install(server))

    refused = send_command(server, "/mo-budget", "", fake_slack.response_url("stranger"), "T0STRANGER")

    assert refused.status_code == 200
    assert "正在处理" not in refused.text  # no "working on it": nothing runs
    notices = [call.body for call in fake_slack.responses("stranger")]
    assert notices == [{"text": NOT_INSTALLED_ZH}]  # told in the product's language, once
    assert fake_slack.api("views.open") == []
    assert {row["team_id"] for row in rows(context.engine, INSTALLATIONS_TABLE)} == {INSTALLED_TEAM}


def test_a_reused_state_is_rejected_and_installs_nothing_more(
    server: ServerThread, fake_slack: FakeSlack, context: AppContext
) -> None:
    state = start_install(server)
    assert finish_install(server, state).status_code == 200

    replayed = finish_install(server, state, code="another-code")

    assert replayed.status_code == 401
    assert [call.body["code"] for call in fake_slack.api("oauth.v2.access")] == ["c0de"]
    assert len(rows(context.engine, INSTALLATIONS_TABLE)) == 1


def test_an_expired_state_is_rejected_without_calling_slack(
    server: ServerThread, fake_slack: FakeSlack, context: AppContext
) -> None:
    state = start_install(server)
    states = Table(STATES_TABLE, MetaData(), autoload_with=context.engine)
    an_hour_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=1)
    with context.engine.begin() as connection:
        connection.execute(update(states).where(states.c.state == state).values(expire_at=an_hour_ago))

    expired = finish_install(server, state)

    assert expired.status_code == 401
    assert fake_slack.api("oauth.v2.access") == []
    assert rows(context.engine, INSTALLATIONS_TABLE) == []


def test_a_state_without_the_browser_cookie_is_rejected(
    server: ServerThread, fake_slack: FakeSlack, context: AppContext
) -> None:
    state = start_install(server)

    foreign = httpx.get(f"{server.url}/slack/oauth_redirect", params={"code": "c0de", "state": state})

    assert foreign.status_code == 400
    assert fake_slack.api("oauth.v2.access") == []
    assert [row["state"] for row in rows(context.engine, STATES_TABLE)] == [state]  # still usable
