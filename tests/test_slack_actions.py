"""Download and alert buttons, signed download links, and Slack API errors (429 retried, 5xx reported)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.context import AppContext
from bot.http_app import create_app
from core.documents.models import Document
from handlers import alert_actions
from handlers.alert_actions import AlertClick, AlertOutcome, register_alert_action
from handlers.card import Card, CardSection
from handlers.context import HandlerContext
from handlers.downloads import sign_download_token, store_download
from tests.fakes.slack_api import (
    FakeSlack,
    Scripted,
    ServerThread,
    block_action_payload,
    interaction_body,
    signed_headers,
)
from tests.support.slack import click, slack_context

DOCUMENT = Document(
    filename="行动清单_边现_2026-11-04.md",
    ascii_filename="action-checklist_arpu_2026-11-04.md",
    title="行动清单",
    media_type="text/markdown; charset=utf-8",
    content="# 行动清单\n- 检查首页位1\n".encode(),
)
LINK = re.compile(r"<(https://memberops\.example/downloads/([^|>]+))\|")


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def context(tmp_path: Path, fake_slack: FakeSlack) -> AppContext:
    return slack_context(tmp_path, fake_slack)


@pytest.fixture
def server(context: AppContext) -> Iterator[ServerThread]:
    with ServerThread(create_app(context)) as running:
        yield running


def test_download_click_uploads_to_the_thread_and_offers_a_signed_link_that_serves_the_file(
    server: ServerThread, fake_slack: FakeSlack, context: AppContext
) -> None:
    download_id = store_download(context.engine, DOCUMENT)
    response = click(server, block_action_payload("download:0", download_id, fake_slack.response_url("dl")))
    assert response.status_code == 200

    ephemeral = fake_slack.wait_for("response", "dl")[0].body
    ticket = fake_slack.api("files.getUploadURLExternal")[0].body
    upload = fake_slack.calls_to("upload")[0]
    complete = fake_slack.api("files.completeUploadExternal")[0].body
    assert ticket["filename"] == DOCUMENT.filename
    assert upload.raw == DOCUMENT.content
    assert complete["channel_id"] == "C0CHAN"
    assert complete["thread_ts"] == "1700000000.000100"
    assert complete["files"] == [{"id": upload.name, "title": "行动清单"}]
    assert ephemeral["response_type"] == "ephemeral"
    assert ephemeral["replace_original"] is False
    assert ephemeral["text"].startswith("已上传《行动清单》。 下载链接（168 小时内有效）")

    url, token = LINK.search(ephemeral["text"]).groups()
    served = httpx.get(f"{server.url}/downloads/{token}")
    assert served.status_code == 200
    assert served.content == DOCUMENT.content
    assert served.headers["content-type"] == "text/markdown; charset=utf-8"
    assert served.headers["content-disposition"] == DOCUMENT.content_disposition
    assert url == f"https://memberops.example/downloads/{token}"

    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert httpx.get(f"{server.url}/downloads/{forged}").status_code == 404
    expired = sign_download_token(
        "download-secret", download_id, int(dt.datetime.now(dt.UTC).timestamp()) - 1
    )
    assert httpx.get(f"{server.url}/downloads/{expired}").status_code == 410
    other_secret = sign_download_token("another-secret", download_id, 4_000_000_000)
    assert httpx.get(f"{server.url}/downloads/{other_secret}").status_code == 404
    assert httpx.get(f"{server.url}/downloads/garbage").status_code == 404


def test_download_goes_to_the_users_dm_when_the_app_cannot_post_in_the_channel(
    server: ServerThread, fake_slack: FakeSlack, context: AppContext
) -> None:
    download_id = store_download(context.engine, DOCUMENT)
    fake_slack.script("files.completeUploadExternal", Scripted(body={"ok": False, "error": "not_in_channel"}))
    click(server, block_action_payload("download:0", download_id, fake_slack.response_url("dm")))

    fake_slack.wait_for("response", "dm")
    completes = fake_slack.api("files.completeUploadExternal")
    assert [c.body.get("channel_id") for c in completes] == ["C0CHAN", "D0DMU0USER"]
    assert "thread_ts" not in completes[1].body
    assert fake_slack.api("conversations.open")[0].body["users"] == "U0USER"


def test_a_missing_download_is_explained(server: ServerThread, fake_slack: FakeSlack) -> None:
    click(server, block_action_payload("download:1", "nope", fake_slack.response_url("gone")))
    assert fake_slack.wait_for("response", "gone")[0].body["text"] == "这个文件已不存在或已过期。"
    assert fake_slack.api("files.getUploadURLExternal") == []


def test_a_429_is_retried_after_retry_after(
    server: ServerThread, fake_slack: FakeSlack, context: AppContext
) -> None:
    download_id = store_download(context.engine, DOCUMENT)
    fake_slack.script(
        "files.getUploadURLExternal",
        Scripted(status=429, body={"ok": False, "error": "ratelimited"}, headers={"Retry-After": "1"}),
    )
    click(server, block_action_payload("download:0", download_id, fake_slack.response_url("rl")))

    ephemeral = fake_slack.wait_for("response", "rl")[0].body
    tickets = fake_slack.api("files.getUploadURLExternal")
    assert [t.status for t in tickets] == [429, 200]
    assert len(fake_slack.api("files.completeUploadExternal")) == 1
    assert ephemeral["text"].startswith("已上传《行动清单》。")


def test_a_persistent_5xx_is_retried_then_reported_to_the_user(
    server: ServerThread, fake_slack: FakeSlack, context: AppContext
) -> None:
    download_id = store_download(context.engine, DOCUMENT)
    fake_slack.script("files.getUploadURLExternal", *[Scripted(status=503)] * 3)
    click(server, block_action_payload("download:0", download_id, fake_slack.response_url("down")))

    ephemeral = fake_slack.wait_for("response", "down")[0].body
    assert [t.status for t in fake_slack.api("files.getUploadURLExternal")] == [503, 503, 503]
    assert fake_slack.api("files.completeUploadExternal") == []
    assert ephemeral["text"].startswith(
        "《行动清单》上传到 Slack 失败（Slack 暂时不可用），请稍后重试。 下载链接"
    )


def test_a_transient_502_is_retried_and_succeeds(
    server: ServerThread, fake_slack: FakeSlack, context: AppContext
) -> None:
    download_id = store_download(context.engine, DOCUMENT)
    fake_slack.script("files.completeUploadExternal", Scripted(status=502))
    click(server, block_action_payload("download:0", download_id, fake_slack.response_url("flaky")))

    assert fake_slack.wait_for("response", "flaky")[0].body["text"].startswith("已上传")
    assert [c.status for c in fake_slack.api("files.completeUploadExternal")] == [502, 200]


ALERT_MESSAGE = {
    "type": "message",
    "text": "边现下降",
    "ts": "1700000000.000100",
    "blocks": [
        {"type": "header", "text": {"type": "plain_text", "text": "边现下降"}},
        {"type": "actions", "elements": []},
    ],
}


@pytest.mark.parametrize(
    ("action", "note"),
    [
        ("alert_ack", "已确认"),
        ("alert_snooze", "已暂停提醒 24 小时"),
        ("alert_false_positive", "标记为误报"),
        ("explain_more", "请求了更多解释"),
    ],
)
def test_alert_buttons_record_who_did_what_and_update_the_card_in_place(
    server: ServerThread, fake_slack: FakeSlack, action: str, note: str
) -> None:
    alert_actions.RECORDED.clear()
    payload = block_action_payload(
        f"{action}:2", "alert-42", fake_slack.response_url("a"), message=ALERT_MESSAGE
    )
    assert click(server, payload).status_code == 200

    update = fake_slack.wait_for("api", "chat.update")[0].body
    assert update["channel"] == "C0CHAN"
    assert update["ts"] == "1700000000.000100"
    assert update["blocks"][:2] == ALERT_MESSAGE["blocks"]
    line = update["blocks"][2]["elements"][0]["text"]
    assert line.startswith(f"<@U0USER> {note} · <!date^")
    recorded = alert_actions.RECORDED[-1]
    assert (recorded.action, recorded.alert_id, recorded.user_id, recorded.platform) == (
        action,
        "alert-42",
        "U0USER",
        "slack",
    )


def test_a_registered_hook_can_answer_in_the_alert_thread(
    server: ServerThread, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alert_actions, "_HOOKS", {})

    def explain(click: AlertClick, context: HandlerContext) -> AlertOutcome:
        return AlertOutcome(
            note="请求了更多解释",
            card=Card(title=f"解释 {click.alert_id}", sections=[CardSection(text="原因")]),
        )

    register_alert_action("explain_more", explain)
    click(
        server,
        block_action_payload(
            "explain_more:3", "alert-7", fake_slack.response_url("e"), message=ALERT_MESSAGE
        ),
    )

    posted = fake_slack.wait_for("api", "chat.postMessage")[0].body
    assert posted["thread_ts"] == "1700000000.000100"
    assert posted["blocks"][0]["text"]["text"] == "解释 alert-7"
    assert len(fake_slack.api("chat.update")) == 1


def test_when_the_alert_cannot_be_updated_the_user_is_told(
    server: ServerThread, fake_slack: FakeSlack
) -> None:
    fake_slack.script("chat.update", *[Scripted(status=500)] * 3)
    click(
        server,
        block_action_payload(
            "alert_ack:0", "alert-9", fake_slack.response_url("fail"), message=ALERT_MESSAGE
        ),
    )

    told = fake_slack.wait_for("response", "fail")[0].body
    assert [c.status for c in fake_slack.api("chat.update")] == [500, 500, 500]
    assert told["text"] == "已记录（已确认），但更新消息失败：Slack 暂时不可用。"
    assert told["response_type"] == "ephemeral"


def test_button_clicks_with_a_bad_signature_do_nothing(server: ServerThread, fake_slack: FakeSlack) -> None:
    body = interaction_body(block_action_payload("alert_ack:0", "alert-1", fake_slack.response_url("x")))
    headers = signed_headers("wrong", body)
    assert httpx.post(f"{server.url}/slack/events", content=body, headers=headers).status_code == 401
    assert fake_slack.calls == []
