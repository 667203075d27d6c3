"""DingTalk group robot delivery against a fake DingTalk on a real socket: signing, errors, pacing."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.delivery_errors import PermanentDeliveryError, RetryableDeliveryError
from bot.dingtalk.sender import DingTalkSender
from bot.rate_limit import SlidingWindowLimiter
from handlers.card import Card, CardSection, Chart, ChartSeries
from tests.fakes.dingtalk_api import FakeDingTalk
from tests.fakes.fake_clock import FakeClock
from tests.fakes.robot_http_server import FakeReply

SECRET = "SECtest0123456789"


@pytest.fixture
def dingtalk() -> Iterator[FakeDingTalk]:
    with FakeDingTalk(secret=SECRET) as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def _sender(
    server: FakeDingTalk, http: httpx.Client, clock: FakeClock, secret: str | None = SECRET, **kw: object
) -> DingTalkSender:
    return DingTalkSender(server.webhook_url, secret, http=http, clock=clock, **kw)  # type: ignore[arg-type]


def test_signed_card_is_accepted_and_recorded(dingtalk: FakeDingTalk, http: httpx.Client) -> None:
    card = Card(title="每日摘要", sections=[CardSection(text="边现 1.23 元")])
    replies = _sender(dingtalk, http, FakeClock()).send_card(card, [("下载", "https://ops.example/d/1")])
    assert replies == [{"errcode": 0, "errmsg": "ok"}]
    [message] = dingtalk.robot_messages
    assert message["msgtype"] == "actionCard"
    assert "边现 1.23 元" in message["actionCard"]["text"]


def test_wrong_secret_is_a_permanent_error(dingtalk: FakeDingTalk, http: httpx.Client) -> None:
    with pytest.raises(PermanentDeliveryError) as caught:
        _sender(dingtalk, http, FakeClock(), secret="wrong").send_card(Card(title="x"))
    assert caught.value.errcode == 310000
    assert dingtalk.robot_messages == []


def test_throttling_busy_and_server_errors_are_retryable(dingtalk: FakeDingTalk, http: httpx.Client) -> None:
    sender = _sender(dingtalk, http, FakeClock())
    dingtalk.script(
        "/robot/send",
        FakeReply(body={"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}),
        FakeReply(body={"errcode": -1, "errmsg": "system busy"}),
        FakeReply(status=503, body=b"unavailable", headers={"Retry-After": "7"}),
        FakeReply(status=429, body={}),
    )
    expected = [(130101, 600.0), (-1, 30.0), (None, 7.0), (None, 30.0)]
    for errcode, retry_after in expected:
        with pytest.raises(RetryableDeliveryError) as caught:
            sender.send_card(Card(title="x"))
        assert (caught.value.errcode, caught.value.retry_after_s) == (errcode, retry_after)
    sender.send_card(Card(title="终于"))
    assert [m["markdown"]["title"] for m in dingtalk.robot_messages] == ["终于"]


def test_unreachable_robot_is_retryable(http: httpx.Client) -> None:
    with FakeDingTalk() as server:
        url = server.webhook_url
    sender = DingTalkSender(url, None, http=http, clock=FakeClock(), timeout_s=2)
    with pytest.raises(RetryableDeliveryError):
        sender.send_card(Card(title="x"))


def test_failure_midway_reports_how_many_parts_went_through(
    dingtalk: FakeDingTalk, http: httpx.Client
) -> None:
    card = Card(title="长", sections=[CardSection(bullets=[f"第{i}行 " + "数据" * 20 for i in range(1200)])])
    dingtalk.script("/robot/send", FakeReply(), FakeReply(body={"errcode": 410100, "errmsg": "too fast"}))
    with pytest.raises(RetryableDeliveryError) as caught:
        _sender(dingtalk, http, FakeClock()).send_card(card)
    assert caught.value.parts_sent == 1


def test_rate_limit_queues_instead_of_dropping(dingtalk: FakeDingTalk, http: httpx.Client) -> None:
    clock = FakeClock()
    sender = _sender(dingtalk, http, clock)
    sent_at: list[float] = []
    for i in range(45):
        sender.send_card(Card(title=f"告警{i}"))
        sent_at.append(clock.now)
    assert [m["markdown"]["title"] for m in dingtalk.robot_messages] == [f"告警{i}" for i in range(45)]
    assert clock.sleeps == [pytest.approx(60.0), pytest.approx(60.0)]
    for start in sent_at:  # never more than 20 in any 60-second window
        assert sum(1 for t in sent_at if start <= t < start + 60) <= 20


def test_limiter_waits_only_as_long_as_needed() -> None:
    clock = FakeClock(start=1000.0)
    limiter = SlidingWindowLimiter(max_events=3, window_s=60, clock=clock)
    assert [limiter.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    clock.advance(50)
    assert limiter.acquire() == pytest.approx(10.0)  # the first slot frees at t=1060
    clock.advance(30)
    assert limiter.acquire() == 0.0  # t=1090: the 2nd and 3rd (t=1000) have expired


def test_chart_is_linked_as_an_image(dingtalk: FakeDingTalk, http: httpx.Client) -> None:
    chart = Chart(
        kind="trend", title="边现趋势", series=[ChartSeries(name="边现", x=["1", "2"], y=[1.0, 2.0])]
    )
    published: list[Chart] = []

    def publish(c: Chart) -> str:
        published.append(c)
        return "https://ops.example/charts/tok.png"

    _sender(dingtalk, http, FakeClock(), chart_url=publish).send_card(Card(title="趋势", chart=chart))
    assert published == [chart]
    assert "![边现趋势](https://ops.example/charts/tok.png)" in dingtalk.robot_messages[0]["markdown"]["text"]


def test_sender_from_settings_is_off_without_a_webhook() -> None:
    from bot.dingtalk.sender import sender_from_settings
    from core.config import Settings

    assert sender_from_settings(Settings(_env_file=None)) is None  # type: ignore[call-arg]
    sender = sender_from_settings(
        Settings(
            _env_file=None, dingtalk_webhook_url="https://x/robot/send?access_token=t", dingtalk_secret="s"
        )
    )  # type: ignore[call-arg]
    assert sender is not None and sender.secret == "s" and sender.chart_url is not None
