"""Socket Mode as ``memberops serve`` runs it (SLACK_APP_TOKEN + SLACK_BOT_TOKEN, no signing secret):
``serve_with_socket_mode`` holds a WebSocket to the fake Socket Mode endpoint next to the HTTP app.

The fake Web API answers ``apps.connections.open`` with the fake endpoint's ``ws://`` URL; the endpoint
says hello, then sends a ``slash_commands`` envelope. The app must ack it (``{"envelope_id": …}``) within
Slack's 3 s, then post the card to the command's response_url.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from bot.http_app import create_app
from bot.slack.socket_mode import serve_with_socket_mode
from handlers import dispatch
from handlers.help import handle_help
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_socket import FakeSocketMode, slash_command_envelope
from tests.test_slack_commands import header_text, slack_context

APP_TOKEN = "xapp-1-A0APP-1-secret"
BOT_TOKEN = "xoxb-test"
SLACK_ACK_DEADLINE_S = 3.0


class SocketModeServe:
    """``memberops serve`` with SLACK_APP_TOKEN: uvicorn plus the Socket Mode connection, one event loop,
    in a background thread."""

    def __init__(self, http_app: Starlette, app_token: str) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.server = uvicorn.Server(
            uvicorn.Config(http_app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        run = serve_with_socket_mode(self.server, http_app.state.slack_bolt, app_token)
        self._thread = threading.Thread(target=asyncio.run, args=(run,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> SocketModeServe:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("memberops serve (Socket Mode) did not start")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "serve_with_socket_mode did not return"


@pytest.fixture
def socket_endpoint() -> Iterator[FakeSocketMode]:
    endpoint = FakeSocketMode().start()
    yield endpoint
    endpoint.close()


@pytest.fixture
def fake_slack(socket_endpoint: FakeSocketMode) -> Iterator[FakeSlack]:
    fake = FakeSlack(tokens=(BOT_TOKEN, APP_TOKEN))
    fake.socket_mode_url = socket_endpoint.url
    fake.start()
    yield fake
    fake.close()


def socket_mode_app(tmp_path: Path, fake_slack: FakeSlack) -> Starlette:
    context = slack_context(
        tmp_path, fake_slack, slack_app_token=APP_TOKEN, slack_bot_token=BOT_TOKEN, slack_signing_secret=None
    )
    return create_app(context)


@pytest.fixture
def serving(
    tmp_path: Path, fake_slack: FakeSlack, socket_endpoint: FakeSocketMode, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SocketModeServe]:
    monkeypatch.setattr(dispatch, "HANDLERS", {"help": handle_help})
    running = SocketModeServe(socket_mode_app(tmp_path, fake_slack), APP_TOKEN).start()
    socket_endpoint.wait_connected()
    yield running
    running.stop()


def test_a_slash_command_over_the_websocket_is_acked_in_time_and_its_card_reaches_the_response_url(
    serving: SocketModeServe, fake_slack: FakeSlack, socket_endpoint: FakeSocketMode
) -> None:
    opened = fake_slack.api("apps.connections.open")
    assert [call.headers["authorization"] for call in opened] == [f"Bearer {APP_TOKEN}"]

    envelope = slash_command_envelope("env-1", "/mo-help", "", fake_slack.response_url("socket"))
    sent_at = socket_endpoint.send(envelope)
    ack = socket_endpoint.wait_for_ack("env-1", timeout=SLACK_ACK_DEADLINE_S)

    assert ack.at - sent_at < SLACK_ACK_DEADLINE_S
    assert ack.message["envelope_id"] == "env-1"
    assert ack.message["payload"]["text"] == ":hourglass_flowing_sand: 正在处理 /mo-help…"
    card = fake_slack.wait_for("response", "socket")[0].body
    assert card["response_type"] == "in_channel"
    assert header_text(card) == "会员运营智能助手"
    assert [f.message["envelope_id"] for f in socket_endpoint.frames] == ["env-1"]  # acked exactly once
    assert all(call.headers["authorization"] == f"Bearer {BOT_TOKEN}" for call in fake_slack.api("auth.test"))


def test_the_http_app_is_served_alongside_without_the_signed_events_endpoint(
    serving: SocketModeServe,
) -> None:
    health = httpx.get(f"{serving.url}/healthz")
    events = httpx.post(f"{serving.url}/slack/events", content=b"command=/mo-help")

    assert health.json()["database"] == "sqlite"
    assert events.status_code == 404  # no signing secret: nothing accepts unsigned HTTP events


def test_stopping_the_server_closes_the_websocket(
    serving: SocketModeServe, socket_endpoint: FakeSocketMode
) -> None:
    serving.stop()

    socket_endpoint.wait_closed()
    assert socket_endpoint.connections == 1


def test_when_slack_refuses_the_connection_http_still_serves_and_the_server_stops_cleanly(
    tmp_path: Path, fake_slack: FakeSlack, socket_endpoint: FakeSocketMode
) -> None:
    fake_slack.socket_mode_url = None  # apps.connections.open answers ok=false (the client retries later)
    running = SocketModeServe(socket_mode_app(tmp_path, fake_slack), APP_TOKEN).start()
    try:
        fake_slack.wait_for("api", "apps.connections.open")
        assert httpx.get(f"{running.url}/healthz").json()["database"] == "sqlite"
    finally:
        running.stop()
    assert socket_endpoint.connections == 0
