"""Slash commands and the /budget modal against a running app and the fake Slack Web API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.http_app import create_app
from bot.render.slack_blocks import card_messages
from handlers import dispatch
from handlers.card import Button, Card, CardSection, Chart, ChartSeries
from handlers.commands import COMMANDS
from handlers.context import HandlerContext
from handlers.help import handle_help
from tests.fakes.slack_api import FakeSlack, Scripted, ServerThread, command_body
from tests.support.slack import click, header_text, post_signed, slack_context


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def only_help(monkeypatch: pytest.MonkeyPatch) -> dict:
    """The dispatcher as it is before any analytics handler registers: /help and the unknown reply."""
    handlers: dict = {"help": handle_help}
    monkeypatch.setattr(dispatch, "HANDLERS", handlers)
    return handlers


@pytest.fixture
def server(tmp_path: Path, fake_slack: FakeSlack, only_help: dict) -> Iterator[ServerThread]:
    with ServerThread(create_app(slack_context(tmp_path, fake_slack))) as running:
        yield running


def send_command(server: ServerThread, command: str, text: str, response_url: str) -> httpx.Response:
    return post_signed(server, command_body(command, text, response_url))


@pytest.mark.parametrize("spec", COMMANDS, ids=[c.name for c in COMMANDS])
def test_each_command_is_acked_at_once_then_answered_through_response_url(
    server: ServerThread, fake_slack: FakeSlack, spec
) -> None:
    args = "" if spec.name == "help" else "本周 家庭剧"
    response = send_command(server, spec.slash, args, fake_slack.response_url("r1"))

    assert response.status_code == 200
    assert f"正在处理 /mo-{spec.name}" in response.text  # the ephemeral "working on it"
    posted = fake_slack.wait_for("response", "r1")[0].body
    assert posted["response_type"] == "in_channel"
    assert header_text(posted) == "会员运营智能助手"
    sections = " ".join(b["text"]["text"] for b in posted["blocks"] if b["type"] == "section" and "text" in b)
    if spec.name == "help":
        assert "没有看懂" not in sections
    else:  # not registered yet: the unknown-command help names what was typed
        assert f"没有看懂「mo-{spec.name}」" in sections
    assert "/mo-strategy 提升家庭向会员收入" in sections
    assert "/strategy 提升" not in sections.replace("/mo-strategy", "")


@pytest.mark.parametrize("command", ["/mo-nothing", "/search-typo"])
def test_a_command_the_app_does_not_register_is_not_found(server: ServerThread, command: str) -> None:
    """Bolt answers 404 to a command without a listener: the manifest test relies on it."""
    response = send_command(server, command, "", "https://hooks.example/none")
    assert response.status_code == 404


def test_every_manifest_command_and_event_has_a_listener(server: ServerThread, fake_slack: FakeSlack) -> None:
    from bot.slack.manifest import build_manifest
    from tests.fakes.slack_api import event_body

    manifest = build_manifest()
    for i, entry in enumerate(manifest["features"]["slash_commands"]):
        response = send_command(server, entry["command"], "1", fake_slack.response_url(f"m{i}"))
        assert response.status_code == 200, entry["command"]
        assert fake_slack.wait_for("response", f"m{i}")
    for i, event in enumerate(manifest["settings"]["event_subscriptions"]["bot_events"]):
        kind, _, channel_type = event.partition(".")  # message.im arrives as a "message" in an "im"
        shape = {"type": kind, "text": "", "channel": "C0CHAN", "ts": "1.0", "tab": "messages"}
        if channel_type:
            shape["channel_type"] = channel_type
        body = event_body(shape, event_id=f"Ev{i}")
        response = post_signed(server, body, content_type="application/json")
        assert response.status_code == 200, event


def test_a_mention_is_answered_in_its_thread(server: ServerThread, fake_slack: FakeSlack) -> None:
    from tests.fakes.slack_api import BOT_USER_ID, event_body

    body = event_body(
        {
            "type": "app_mention",
            "text": f"<@{BOT_USER_ID}> 帮助",
            "channel": "C0CHAN",
            "ts": "1700000000.000100",
        }
    )
    assert post_signed(server, body, content_type="application/json").status_code == 200
    posted = fake_slack.wait_for("api", "chat.postMessage")[0].body
    assert posted["channel"] == "C0CHAN"
    assert posted["thread_ts"] == "1700000000.000100"
    assert "/mo-why 本周 边现" in json.dumps(posted["blocks"], ensure_ascii=False)


@pytest.mark.parametrize("legacy", ["/why", "/search", "/help"])
def test_the_bare_names_of_earlier_installs_still_answer(
    server: ServerThread, fake_slack: FakeSlack, legacy: str
) -> None:
    response = send_command(server, legacy, "", fake_slack.response_url("old"))
    assert response.status_code == 200
    assert f"正在处理 /mo-{legacy[1:]}" in response.text
    posted = fake_slack.wait_for("response", "old")[0].body
    assert header_text(posted) == "会员运营智能助手"


def test_registered_handlers_get_their_arguments_and_the_umbrella_routes_to_them(
    server: ServerThread, fake_slack: FakeSlack, only_help: dict
) -> None:
    seen: list[tuple[str, str]] = []

    def stub(name: str):
        def handle(args: str, context: HandlerContext) -> Card:
            seen.append((name, args))
            return Card(title=f"{name}: {args}", sections=[CardSection(text="<!channel> *bold*")])

        return handle

    for spec in COMMANDS:
        only_help[spec.name] = stub(spec.name)
    send_command(server, "/mo-why", "本周 边现", fake_slack.response_url("direct"))
    send_command(server, "/memberops", "search 家庭剧 周末", fake_slack.response_url("umbrella"))

    direct = fake_slack.wait_for("response", "direct")[0].body
    umbrella = fake_slack.wait_for("response", "umbrella")[0].body
    assert header_text(direct) == "why: 本周 边现"
    assert header_text(umbrella) == "search: 家庭剧 周末"
    assert sorted(seen) == [("search", "家庭剧 周末"), ("why", "本周 边现")]
    assert direct["blocks"][1]["text"]["text"] == "&lt;!channel&gt; *bold*"  # escaped: no broadcast


def test_a_long_card_is_split_into_messages_within_block_kit_limits_posted_in_order(
    server: ServerThread, fake_slack: FakeSlack, only_help: dict
) -> None:
    long_card = Card(
        title="长报告",
        sections=[CardSection(title=f"第{i}节", text="数据" * 1450) for i in range(80)],
        buttons=[Button(action_id="download", label=f"下载{i}", value=f"d{i}") for i in range(30)],
    )
    only_help["retro"] = lambda _args, _context: long_card
    send_command(server, "/mo-retro", "C2026001", fake_slack.response_url("long"))

    expected = card_messages(long_card)
    messages = [call.body for call in fake_slack.wait_for("response", "long", count=len(expected))]
    assert len(expected) == 2
    assert [m["blocks"] for m in messages] == [m["blocks"] for m in expected]
    assert [m["text"] for m in messages] == ["长报告", "长报告 (2/2)"]
    for message in messages:
        assert len(message["blocks"]) <= 50
        for block in message["blocks"]:
            if block["type"] == "section" and "text" in block:
                assert len(block["text"]["text"]) <= 3000
            if block["type"] == "actions":
                assert len(block["elements"]) <= 25
    actions = [b for b in messages[0]["blocks"] if b["type"] == "actions"]
    assert sum(len(b["elements"]) for b in actions) == 30
    assert all(b["type"] != "actions" for m in messages[1:] for b in m["blocks"])
    section_titles = [
        b["text"]["text"].split("\n", 1)[0]
        for m in messages
        for b in m["blocks"]
        if b["type"] == "section" and b["text"]["text"].startswith("*第")
    ]
    assert section_titles == [f"*第{i}节*" for i in range(80)]


def test_a_chart_is_rendered_uploaded_with_upload_v2_and_shown_in_an_image_block(
    server: ServerThread, fake_slack: FakeSlack, only_help: dict
) -> None:
    chart = Chart(
        kind="trend",
        title="边现趋势",
        series=[ChartSeries(name="边现", x=["11-01", "11-02", "11-03"], y=[1.0, 1.2, 0.7], highlight=[2])],
    )
    only_help["why"] = lambda _args, _context: Card(title="边现下降", chart=chart)
    send_command(server, "/mo-why", "", fake_slack.response_url("chart"))

    posted = fake_slack.wait_for("response", "chart")[0].body
    ticket = fake_slack.api("files.getUploadURLExternal")[0]
    upload = fake_slack.calls_to("upload")[0]
    complete = fake_slack.api("files.completeUploadExternal")[0]
    file_id = upload.name
    assert ticket.body["filename"] == "chart.png"
    assert int(ticket.body["length"]) == len(upload.raw)
    assert upload.raw.startswith(b"\x89PNG\r\n\x1a\n")
    assert complete.body["files"][0]["id"] == file_id
    assert "channel_id" not in complete.body  # private: referenced by the image block only
    images = [b for b in posted["blocks"] if b["type"] == "image"]
    assert images == [
        {
            "type": "image",
            "slack_file": {"id": file_id},
            "alt_text": "边现趋势",
            "title": {"type": "plain_text", "text": "边现趋势"},
        }
    ]
    assert ticket.headers["authorization"] == "Bearer xoxb-test"


def test_budget_without_arguments_opens_the_modal_and_its_submission_posts_the_result(
    server: ServerThread, fake_slack: FakeSlack, only_help: dict
) -> None:
    received: list[str] = []

    def budget(args: str, _context: HandlerContext) -> Card:
        received.append(args)
        return Card(title="预算模拟结果", sections=[CardSection(text=args)])

    only_help["budget"] = budget
    response = send_command(server, "/mo-budget", "", fake_slack.response_url("budget"))
    assert response.status_code == 200
    opened = fake_slack.wait_for("api", "views.open")[0].body
    assert opened["trigger_id"] == "1337.42.abcdef"
    view = opened["view"]
    assert view["callback_id"] == "budget_modal"
    assert [b["block_id"] for b in view["blocks"]] == ["mix", "positions", "budget"]
    assert json.loads(view["private_metadata"])["response_url"] == fake_slack.response_url("budget")

    submission = {
        "type": "view_submission",
        "team": {"id": "T0TEAM", "domain": "fake"},
        "user": {"id": "U0USER", "name": "alice", "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "view": {
            **view,
            "id": "V1",
            "state": {
                "values": {
                    "mix": {"value": {"type": "plain_text_input", "value": "家庭剧70 动漫30"}},
                    "positions": {
                        "value": {"type": "plain_text_input", "value": "首页位1=0.6 详情页推荐=0.4"}
                    },
                    "budget": {"value": {"type": "plain_text_input", "value": "50万"}},
                }
            },
        },
    }
    ack = click(server, submission)
    assert ack.status_code == 200
    posted = fake_slack.wait_for("response", "budget")[0].body
    assert received == ["家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 预算50万"]
    assert header_text(posted) == "预算模拟结果"

    submission["view"]["state"]["values"]["budget"]["value"]["value"] = "很多"
    refused = click(server, submission)
    assert refused.json() == {"response_action": "errors", "errors": {"budget": "请填写预算金额，例如 50万"}}
    assert received == ["家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 预算50万"]


def very_long_card() -> Card:
    return Card(
        title="超长报告", sections=[CardSection(title=f"第{i}节", text="数" * 2900) for i in range(300)]
    )


def test_a_card_longer_than_five_messages_goes_to_the_channel_in_order(
    server: ServerThread, fake_slack: FakeSlack, only_help: dict
) -> None:
    only_help["retro"] = lambda _args, _context: very_long_card()
    expected = card_messages(very_long_card())
    send_command(server, "/mo-retro", "", fake_slack.response_url("huge"))

    posted = fake_slack.wait_for("api", "chat.postMessage", count=len(expected))
    assert len(expected) > 5
    assert [call.body["channel"] for call in posted] == ["C0CHAN"] * len(expected)
    assert [call.body["text"] for call in posted] == [m["text"] for m in expected]
    assert fake_slack.responses("huge") == []


def test_when_the_app_cannot_post_in_the_channel_a_long_card_is_cut_with_a_notice(
    server: ServerThread, fake_slack: FakeSlack, only_help: dict
) -> None:
    only_help["retro"] = lambda _args, _context: very_long_card()
    fake_slack.script("chat.postMessage", Scripted(body={"ok": False, "error": "not_in_channel"}))
    send_command(server, "/mo-retro", "", fake_slack.response_url("cut"))

    posted = [call.body for call in fake_slack.wait_for("response", "cut", count=5)]
    expected = card_messages(very_long_card())
    assert [m["text"] for m in posted[:4]] == [m["text"] for m in expected[:4]]
    assert posted[4]["text"].startswith("报告太长")
