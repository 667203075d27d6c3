"""Signature checks (Bolt), replay refusal, the body size limit and the allow-lists, over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.http_app import create_app
from handlers import dispatch
from handlers.card import Card
from handlers.context import HandlerContext
from tests.fakes.slack_api import FakeSlack, ServerThread, command_body, signed_headers, slack_signature
from tests.support.slack import SECRET, slack_context


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Arguments of every /why that ran: proves whether a request did anything."""
    seen: list[str] = []

    def why(args: str, _context: HandlerContext) -> Card:
        seen.append(args)
        return Card(title=f"why {args}")

    monkeypatch.setattr(dispatch, "HANDLERS", {"why": why})
    return seen


def start(tmp_path: Path, fake: FakeSlack, **overrides: object) -> ServerThread:
    """A server not yet started (``with start(…) as running:`` starts and stops it)."""
    return ServerThread(create_app(slack_context(tmp_path, fake, **overrides)))


@pytest.fixture
def server(tmp_path: Path, fake_slack: FakeSlack, calls: list[str]) -> Iterator[ServerThread]:
    with start(tmp_path, fake_slack) as running:
        yield running


def post(server: ServerThread, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{server.url}/slack/events", content=body, headers=headers)


def prove_quiet(server: ServerThread, fake: FakeSlack, calls: list[str], refused: list[str]) -> None:
    """Send one good request and wait for its answer: anything the refused ones started would be there too."""
    body = command_body("/why", "good", fake.response_url("good"))
    assert post(server, body, signed_headers(SECRET, body)).status_code == 200
    fake.wait_for("response", "good")
    assert calls[-1] == "good"
    assert [c for c in calls if c != "good"] == [c for c in calls[:-1] if c not in refused]
    for name in refused:
        assert fake.responses(name) == []


def test_bad_signature_stale_timestamp_and_missing_headers_get_401_and_do_nothing(
    server: ServerThread, fake_slack: FakeSlack, calls: list[str]
) -> None:
    bad = command_body("/why", "bad", fake_slack.response_url("bad"))
    headers = signed_headers("not-the-secret", bad)
    assert post(server, bad, headers).status_code == 401

    stale = command_body("/why", "stale", fake_slack.response_url("stale"))
    old = int(time.time()) - 6 * 60
    assert post(server, stale, signed_headers(SECRET, stale, timestamp=old)).status_code == 401

    missing = command_body("/why", "missing", fake_slack.response_url("missing"))
    no_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert post(server, missing, no_headers).status_code == 401
    only_stamp = {**no_headers, "X-Slack-Request-Timestamp": str(int(time.time()))}
    assert post(server, missing, only_stamp).status_code == 401

    tampered = command_body("/why", "tampered", fake_slack.response_url("tampered"))
    good_headers = signed_headers(SECRET, command_body("/why", "x", fake_slack.response_url("x")))
    assert post(server, tampered, good_headers).status_code == 401

    prove_quiet(server, fake_slack, calls, ["bad", "stale", "missing", "tampered"])
    assert calls == ["good"]


def test_an_exact_replay_inside_the_window_is_refused(
    server: ServerThread, fake_slack: FakeSlack, calls: list[str]
) -> None:
    body = command_body("/why", "once", fake_slack.response_url("once"))
    headers = signed_headers(SECRET, body)
    assert post(server, body, headers).status_code == 200
    fake_slack.wait_for("response", "once")
    replay = post(server, body, headers)
    assert replay.status_code == 401
    prove_quiet(server, fake_slack, calls, [])
    assert len(fake_slack.responses("once")) == 1
    assert calls == ["once", "good"]


def test_replay_refusal_is_shared_through_the_database_on_each_backend(
    db_url: str, tmp_path: Path, fake_slack: FakeSlack, calls: list[str]
) -> None:
    """Two app instances (two replicas) on one database: the replay sent to the second one is refused."""
    with (
        start(tmp_path, fake_slack, database_url=db_url) as first,
        start(tmp_path, fake_slack, database_url=db_url) as second,
    ):
        body = command_body("/why", "replica", fake_slack.response_url("replica"))
        headers = signed_headers(SECRET, body)
        assert post(first, body, headers).status_code == 200
        assert post(second, body, headers).status_code == 401
        fake_slack.wait_for("response", "replica")
    assert calls == ["replica"]


def test_bodies_over_64_kib_get_413_before_bolt_reads_them(
    server: ServerThread, fake_slack: FakeSlack, calls: list[str]
) -> None:
    huge = command_body("/why", "x" * (70 * 1024), fake_slack.response_url("huge"))
    assert post(server, huge, signed_headers(SECRET, huge)).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: cut off while streaming
        for start_at in range(0, len(huge), 8192):
            yield huge[start_at : start_at + 8192]

    chunked = httpx.post(f"{server.url}/slack/events", content=chunks(), headers=signed_headers(SECRET, huge))
    assert chunked.status_code == 413
    prove_quiet(server, fake_slack, calls, ["huge"])
    assert calls == ["good"]


@pytest.mark.parametrize(
    ("allow", "expect_allowed"),
    [
        ({"slack_allowed_teams": "T0OTHER"}, False),
        ({"slack_allowed_teams": "T0OTHER, T0TEAM"}, True),
        ({"slack_allowed_channels": "C0ELSEWHERE"}, False),
        ({"slack_allowed_teams": "T0TEAM", "slack_allowed_channels": "C0CHAN"}, True),
    ],
)
def test_allow_lists_of_teams_and_channels(
    tmp_path: Path, fake_slack: FakeSlack, calls: list[str], allow: dict[str, str], expect_allowed: bool
) -> None:
    with start(tmp_path, fake_slack, **allow) as running:
        body = command_body("/why", "fenced", fake_slack.response_url("fenced"))
        response = post(running, body, signed_headers(SECRET, body))
        assert response.status_code == 200
        if expect_allowed:
            fake_slack.wait_for("response", "fenced")
            assert calls == ["fenced"]
        else:
            assert response.text == "这个工作区或频道没有开通会员运营助手，请联系管理员。"
            time.sleep(0.3)  # a listener would have run by now; nothing may arrive
            assert calls == []
            assert fake_slack.responses("fenced") == []


def test_the_signature_helper_matches_slacks_documented_example() -> None:
    """The example from Slack's "Verifying requests from Slack" page, so our test signer is right."""
    body = (
        b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    assert (
        slack_signature("8f742231b10e8888abcd99yyyzzz85a5", "1531420618", body)
        == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    )
