"""``POST /dingtalk/callback`` end to end: requests signed by a test-side implementation of DingTalk's
documented scheme, the command run by the shared handlers, the reply posted to a fake sessionWebhook."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.dingtalk.callback import routes
from tests.fakes.app_context import migrated_context
from tests.fakes.dingtalk_api import FakeDingTalk, documented_sign
from tests.fakes.fake_clock import FakeClock

APP_SECRET = "app-secret-for-tests"


@pytest.fixture
def dingtalk() -> Iterator[FakeDingTalk]:
    with FakeDingTalk() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(tmp_path: Path, dingtalk: FakeDingTalk, clock: FakeClock) -> Iterator[TestClient]:
    context = migrated_context(
        tmp_path, dingtalk_app_secret=APP_SECRET, dingtalk_webhook_url=dingtalk.webhook_url
    )
    with TestClient(Starlette(routes=routes(context, clock=clock))) as test_client:
        yield test_client


def _message(text: str, webhook: str, **extra: Any) -> dict[str, Any]:
    return {
        "msgtype": "text",
        "text": {"content": text},
        "msgId": "msg1",
        "conversationType": "2",
        "senderNick": "小王",
        "senderStaffId": "staff1",
        "sessionWebhook": webhook,
        "sessionWebhookExpiredTime": int(time.time() * 1000) + 3_600_000,
        **extra,
    }


def _post(client: TestClient, body: dict[str, Any], timestamp_ms: int, secret: str = APP_SECRET) -> Any:
    headers = {"timestamp": str(timestamp_ms), "sign": documented_sign(secret, str(timestamp_ms))}
    return client.post("/dingtalk/callback", content=json.dumps(body), headers=headers)


def test_command_is_acknowledged_and_answered_through_the_session_webhook(
    client: TestClient, dingtalk: FakeDingTalk, clock: FakeClock
) -> None:
    response = _post(client, _message(" 帮助", dingtalk.session_webhook("abc")), int(clock.now * 1000))
    assert (response.status_code, response.json()) == (200, {})
    [reply] = dingtalk.session_messages
    assert reply["msgtype"] == "markdown"
    assert reply["markdown"]["title"] == "会员运营智能助手"
    assert "/mo-strategy 提升家庭向会员收入" in reply["markdown"]["text"]
    assert [r.path for r in dingtalk.requests] == ["/session/abc"]


def test_unknown_text_gets_the_help_card(
    client: TestClient, dingtalk: FakeDingTalk, clock: FakeClock
) -> None:
    _post(client, _message("随便聊聊", dingtalk.session_webhook()), int(clock.now * 1000))
    [reply] = dingtalk.session_messages
    assert "没有看懂「随便聊聊」" in reply["markdown"]["text"]


@pytest.mark.parametrize(
    ("offset_ms", "secret"),
    [(-61 * 60 * 1000, APP_SECRET), (5 * 60 * 1000, APP_SECRET), (0, "forged-secret")],
    ids=["stale", "future", "forged"],
)
def test_stale_future_and_forged_requests_are_refused(
    client: TestClient, dingtalk: FakeDingTalk, clock: FakeClock, offset_ms: int, secret: str
) -> None:
    response = _post(
        client, _message("帮助", dingtalk.session_webhook()), int(clock.now * 1000) + offset_ms, secret
    )
    assert response.status_code == 401
    assert dingtalk.session_messages == []


def test_missing_headers_are_refused(client: TestClient, dingtalk: FakeDingTalk) -> None:
    response = client.post("/dingtalk/callback", json=_message("帮助", dingtalk.session_webhook()))
    assert response.status_code == 401


def test_bodies_over_64_kib_are_refused_unread(
    client: TestClient, dingtalk: FakeDingTalk, clock: FakeClock
) -> None:
    huge = _message("帮助" + "x" * (70 * 1024), dingtalk.session_webhook())
    response = _post(client, huge, int(clock.now * 1000))
    assert (response.status_code, response.json()) == (413, {"error": "body too large"})
    assert dingtalk.session_messages == []


def test_exact_replay_is_refused_even_with_another_body(
    client: TestClient, dingtalk: FakeDingTalk, clock: FakeClock
) -> None:
    timestamp = int(clock.now * 1000)
    assert _post(client, _message("帮助", dingtalk.session_webhook()), timestamp).status_code == 200
    clock.advance(1800)  # half an hour later: the captured signature is still within DingTalk's hour
    assert _post(client, _message("帮助", dingtalk.session_webhook()), timestamp).status_code == 401
    assert _post(client, _message("/mo-help", dingtalk.session_webhook("x")), timestamp).status_code == 401
    assert len(dingtalk.session_messages) == 1


def test_reply_is_never_sent_to_a_foreign_address(
    client: TestClient, dingtalk: FakeDingTalk, clock: FakeClock
) -> None:
    response = _post(client, _message("帮助", "http://127.0.0.1:9/steal"), int(clock.now * 1000))
    assert response.status_code == 200
    assert dingtalk.requests == []


def test_non_text_messages_are_acknowledged_and_ignored(
    client: TestClient, dingtalk: FakeDingTalk, clock: FakeClock
) -> None:
    body = _message("", dingtalk.session_webhook()) | {"msgtype": "picture", "content": {"downloadCode": "x"}}
    assert _post(client, body, int(clock.now * 1000)).json() == {}
    assert dingtalk.session_messages == []


def test_rich_text_is_read(client: TestClient, dingtalk: FakeDingTalk, clock: FakeClock) -> None:
    body = _message("", dingtalk.session_webhook()) | {
        "msgtype": "richText",
        "content": {"richText": [{"text": "/he"}, {"pictureDownloadCode": "p"}, {"text": "lp"}]},
    }
    _post(client, body, int(clock.now * 1000))
    assert "/mo-strategy" in dingtalk.session_messages[0]["markdown"]["text"]


def test_without_settings_dingtalk_is_off(tmp_path: Path) -> None:
    assert routes(migrated_context(tmp_path)) == []
    only_robot = routes(
        migrated_context(tmp_path, dingtalk_webhook_url="https://oapi.dingtalk.com/robot/send?access_token=t")
    )
    assert [r.path for r in only_robot] == ["/charts/{token}.png"]


def test_charts_are_served_by_token(tmp_path: Path) -> None:
    from bot.chart_store import ChartStore

    context = migrated_context(
        tmp_path, dingtalk_webhook_url="https://oapi.dingtalk.com/robot/send?access_token=t"
    )
    token = ChartStore(tmp_path / "charts").put(b"\x89PNG fake")
    with TestClient(Starlette(routes=routes(context))) as test_client:
        ok = test_client.get(f"/charts/{token}.png")
        assert (ok.status_code, ok.content, ok.headers["content-type"]) == (200, b"\x89PNG fake", "image/png")
        assert test_client.get("/charts/not-a-real-token-xxxx.png").status_code == 404
        assert test_client.get("/charts/..%2Fm.db.png").status_code == 404
