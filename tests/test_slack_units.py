"""Pieces of the Slack adapter without a running app: tokens, storage, retries, modal text."""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path

import pytest
from slack_sdk.errors import SlackApiError
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from bot.slack.actions import updated_blocks
from bot.slack.client import async_web_client
from bot.slack.commands import SLASH_COMMANDS, parse_slash
from bot.slack.installation import BOTS_TABLE, INSTALLATIONS_TABLE, STATES_TABLE
from bot.slack.runtime import SlackRuntime, id_set
from bot.slack.scopes import BOT_SCOPES
from bot.slack.views import budget_text, submitted_values
from core.documents.models import Document
from handlers.commands import COMMANDS, ParsedCommand
from handlers.downloads import (
    ExpiredDownloadToken,
    ForgedDownloadToken,
    MalformedDownloadToken,
    fetch_download,
    sign_download_token,
    signed_download_url,
    store_download,
    verify_download_token,
)
from tests.fakes.slack_api import FakeSlack, Scripted

NOW = dt.datetime(2026, 11, 5, 8, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[1]


def test_a_download_token_verifies_until_it_expires() -> None:
    url = signed_download_url("https://m.example/", "s3cret", "abc123", 3600, NOW)
    token = url.removeprefix("https://m.example/downloads/")
    assert token.startswith(f"abc123.{int(NOW.timestamp()) + 3600}.")
    assert verify_download_token("s3cret", token, NOW) == "abc123"
    assert verify_download_token("s3cret", token, NOW + dt.timedelta(seconds=3600)) == "abc123"
    with pytest.raises(ExpiredDownloadToken):
        verify_download_token("s3cret", token, NOW + dt.timedelta(seconds=3601))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.replace("abc123", "abc124", 1),  # another id
        lambda t: re.sub(r"\.(\d+)\.", lambda m: f".{int(m.group(1)) + 99999}.", t),  # later expiry
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # altered signature
    ],
)
def test_a_forged_token_is_refused_even_when_otherwise_valid(mutate) -> None:
    token = sign_download_token("s3cret", "abc123", int(NOW.timestamp()) + 60)
    with pytest.raises(ForgedDownloadToken):
        verify_download_token("s3cret", mutate(token), NOW)
    with pytest.raises(ForgedDownloadToken):
        verify_download_token("other", token, NOW)


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "abc.12.sig.extra", "../etc.1.x"])
def test_malformed_tokens(token: str) -> None:
    with pytest.raises(MalformedDownloadToken):
        verify_download_token("s3cret", token, NOW)


def test_downloads_and_slack_tables_exist_and_round_trip_on_each_backend(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert {"download", INSTALLATIONS_TABLE, BOTS_TABLE, STATES_TABLE} <= tables
    document = Document(
        filename="复盘报告.xlsx",
        ascii_filename="retro.xlsx",
        title="复盘",
        media_type="application/x",
        content=b"\x00\xff",
    )
    download_id = store_download(engine, document, NOW)
    assert fetch_download(engine, download_id) == document
    assert fetch_download(engine, "missing") is None


async def test_the_client_retries_5xx_and_429_then_raises_a_persistent_5xx() -> None:
    with FakeSlack() as fake:
        client = async_web_client(fake.api_url, "xoxb-test")
        fake.script(
            "chat.postMessage", Scripted(status=502), Scripted(status=429, headers={"Retry-After": "0"})
        )
        assert (await client.chat_postMessage(channel="C1", text="hi"))["ok"] is True
        assert [c.status for c in fake.api("chat.postMessage")] == [502, 429, 200]

        fake.script("chat.update", *[Scripted(status=504)] * 3)
        with pytest.raises(SlackApiError):
            await client.chat_update(channel="C1", ts="1.0", text="x")
        assert [c.status for c in fake.api("chat.update")] == [504, 504, 504]

        bad = async_web_client(fake.api_url, "xoxb-wrong")
        with pytest.raises(SlackApiError) as error:
            await bad.auth_test()
        assert error.value.response["error"] == "invalid_auth"


def test_modal_inputs_become_the_budget_command_text() -> None:
    view = {
        "state": {
            "values": {
                "mix": {"value": {"value": " 家庭剧70 动漫30 "}},
                "positions": {"value": {"value": None}},
                "budget": {"value": {"value": "50万"}},
            }
        }
    }
    values = submitted_values(view)
    assert values == {"mix": "家庭剧70 动漫30", "positions": "", "budget": "50万"}
    assert budget_text(values) == "家庭剧70 动漫30 预算50万"
    assert (
        budget_text({"mix": "a", "positions": "首页位1=0.6", "budget": "预算3万"}) == "a 首页位1=0.6 预算3万"
    )


def test_slash_commands_cover_every_command_and_the_umbrella() -> None:
    assert (*(f"/mo-{c.name}" for c in COMMANDS), "/memberops") == SLASH_COMMANDS
    assert parse_slash({"command": "/memberops", "text": "why 本周"}) == ParsedCommand("why", "本周", "why")
    assert parse_slash({"command": "/mo-why", "text": "本周"}) == ParsedCommand("why", "本周", "mo-why")
    assert parse_slash({"command": "/mo-budget", "text": ""}) == ParsedCommand("budget", "", "mo-budget")
    assert parse_slash({"command": "/budget", "text": ""}) == ParsedCommand(
        "budget", "", "budget"
    )  # old install


def test_alert_note_is_appended_within_the_block_limit() -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": str(i)}} for i in range(50)]
    updated = updated_blocks(blocks, "<@U1> 已确认")
    assert len(updated) == 50
    assert updated[-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "<@U1> 已确认"}]}
    assert updated[:49] == blocks[:49]


def test_id_lists() -> None:
    assert id_set(" T1, T2;T3 ,") == frozenset({"T1", "T2", "T3"})
    assert id_set("") == frozenset()


def test_with_oauth_credentials_the_install_page_links_to_slack_with_our_scopes(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from bot.context import AppContext
    from bot.http_app import create_app
    from core.config import load_settings
    from storage.migrate import upgrade

    settings = load_settings(
        database_url=f"sqlite:///{tmp_path / 'oauth.db'}",
        slack_client_id="111.222",
        slack_client_secret="client-secret",
        slack_signing_secret="s",
        public_base_url="https://m.example",
    )
    context = AppContext(settings)
    upgrade(context.engine)
    page = TestClient(create_app(context)).get("/slack/install")
    assert page.status_code == 200
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text).group(1)
    query = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&amp;"))
    assert query["client_id"] == "111.222"
    assert query["scope"] == ",".join(BOT_SCOPES)
    assert query["redirect_uri"] == "https://m.example/slack/oauth_redirect"
    assert len(query["state"]) == 36  # issued by the state store in our database


async def test_handlers_and_their_context_are_built_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first handler context imports the AI SDK and loads the calendar: never on the loop's thread."""
    loop_thread = threading.current_thread()
    built_in: list[threading.Thread] = []
    runtime = SlackRuntime(context=None)  # type: ignore[arg-type]

    def handler_context() -> str:
        built_in.append(threading.current_thread())
        return "the context"

    monkeypatch.setattr(runtime, "handler_context", handler_context)
    result = await runtime.in_thread(
        lambda text, context: (text, context, threading.current_thread()), "本周"
    )
    assert result[:2] == ("本周", "the context")
    assert result[2] is not loop_thread
    assert built_in == [result[2]]
