"""Where alert digests go: the console, Slack (``ALERT_CHANNEL``), DingTalk and WeCom group robots.

A channel sends one card and raises ``RetryableDeliveryError`` / ``PermanentDeliveryError``; the outbox
decides what happens next. Channels never retry by themselves (the outbox does, with its own back-off),
so the Slack client here has no retry handlers at all.

Multi-message cards are sent part by part, and each accepted part is checkpointed (``SendJob.checkpoint``)
so that a retry resumes after it. On Slack every message carries metadata (``memberops_delivery`` with the
digest key and part number): when an earlier attempt may have reached Slack (a timeout, a crash between
"sent" and "recorded"), the channel first looks for that message in the channel history
(``conversations.history`` / ``conversations.replies`` with ``include_all_metadata``) and records it
instead of posting it again.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.delivery_errors import PermanentDeliveryError, RetryableDeliveryError
from bot.download_links import attachment_links
from bot.render.slack_blocks import MAX_BLOCKS, MAX_SECTION_TEXT, card_messages
from bot.render.text import render_text
from core.config import Settings
from core.text_safety import escape_slack
from handlers.card import Card, Chart
from handlers.context import HandlerContext

logger = logging.getLogger(__name__)

METADATA_EVENT = "memberops_delivery"
SLACK_TIMEOUT_S = 20
RETRYABLE_SLACK_ERRORS = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}
DEFAULT_RATE_LIMIT_S = 30.0


class RateLimited(RetryableDeliveryError):
    """The platform said exactly when to come back (HTTP 429 + Retry-After): retry then, not later."""


@dataclass
class SendJob:
    digest_key: str
    card: Card
    parts_sent: int  # messages of this card already accepted by an earlier attempt
    thread_ref: str | None  # the first message's id (Slack ts) once it is sent
    maybe_sent: bool  # an earlier attempt may have reached the platform without being recorded
    checkpoint: Callable[[int, str | None], None]  # (parts_sent, thread_ref) after each accepted part
    earlier: dict[str, tuple[str, Card]] = field(default_factory=dict)  # amended digest → (its ts, its card)


class Channel(Protocol):
    name: str

    def send(self, job: SendJob) -> None: ...


class ConsoleChannel:
    """Pretty text on stdout: what ``make run`` shows when no messenger is configured."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    def send(self, job: SendJob) -> None:
        out = self.stream or sys.stdout
        out.write("\n" + render_text(job.card) + "\n\n")
        out.flush()
        job.checkpoint(1, None)


def slack_error(error: Exception) -> RetryableDeliveryError | PermanentDeliveryError:
    """429 → ``RateLimited`` after Retry-After; 5xx, Slack's transient codes, timeouts → retryable; else permanent."""
    if isinstance(error, SlackApiError):
        status = error.response.status_code
        data = error.response.data
        code = data.get("error") if isinstance(data, dict) else None
        code = (
            code if isinstance(code, str) and code.isidentifier() else None
        )  # not slack_sdk's parse message
        headers = {str(k).lower(): v for k, v in (error.response.headers or {}).items()}
        if status == 429 or code == "ratelimited":
            raw = headers.get("retry-after")
            raw = raw[0] if isinstance(raw, list) and raw else raw
            try:
                wait = max(1.0, float(raw)) if raw is not None else DEFAULT_RATE_LIMIT_S
            except ValueError:
                wait = DEFAULT_RATE_LIMIT_S
            return RateLimited(
                f"slack rate limited (HTTP {status}), Retry-After {wait:g}s", wait, platform="slack"
            )
        if status >= 500 or code in RETRYABLE_SLACK_ERRORS:
            return RetryableDeliveryError(f"slack HTTP {status} {code or ''}".strip(), 0.0, platform="slack")
        return PermanentDeliveryError(f"slack error: {code or f'HTTP {status}'}", platform="slack")
    return RetryableDeliveryError(
        f"slack unreachable: {type(error).__name__}: {error}", 0.0, platform="slack"
    )


class SlackChannel:
    """chat.postMessage to ``ALERT_CHANNEL``; the parts after the first go into the first one's thread."""

    name = "slack"

    def __init__(
        self,
        client: WebClient,
        channel: str,
        *,
        chart_png: Callable[[Chart], bytes] | None = None,
    ) -> None:
        self.client = client
        self.channel = channel
        self.chart_png = chart_png

    def send(self, job: SendJob) -> None:
        if job.card.amends and job.parts_sent == 0 and self._amend(job):
            job.checkpoint(1, None)
            return
        chart_id = self._upload_chart(job.card) if job.parts_sent == 0 else None
        messages = card_messages(job.card, chart_file_id=chart_id)
        thread = job.thread_ref
        for index in range(job.parts_sent, len(messages)):
            found = self._find_posted(job.digest_key, index, thread) if job.maybe_sent else None
            ts = found or self._post(messages[index], job.digest_key, index, thread)
            thread = thread or ts
            job.checkpoint(index + 1, thread)

    def _amend(self, job: SendJob) -> bool:
        """Add each amendment's line to the digest message it concerns (chat.update), keeping what the
        message shows now (notes of clicks) when Slack lets us read it, else re-rendered from the stored
        card. False when none of the digests went to Slack (the card is then posted instead)."""
        lines: dict[str, list[str]] = {}
        for amend in job.card.amends:
            if amend.digest_key in job.earlier:
                lines.setdefault(amend.digest_key, []).append(amend.line)
        for key, added in lines.items():
            ts, card = job.earlier[key]
            blocks = self._current_blocks(ts) or card_messages(card)[0].get("blocks", [])
            notes = [
                {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": escape_slack(line)[:MAX_SECTION_TEXT]}],
                }
                for line in added
            ]
            try:
                self.client.chat_update(
                    channel=self.channel,
                    ts=ts,
                    text=card.title,
                    blocks=[*blocks[: MAX_BLOCKS - len(notes)], *notes],
                )
            except Exception as error:
                raise slack_error(error) from error
        return bool(lines)

    def _current_blocks(self, ts: str) -> list[dict[str, Any]] | None:
        try:
            response = self.client.conversations_history(
                channel=self.channel, latest=ts, oldest=ts, inclusive=True, limit=1
            )
        except SlackClientError as error:
            logger.info("cannot read the digest message (%s); re-rendering it from the stored card", error)
            return None
        for message in response.get("messages") or []:
            if message.get("ts") == ts and message.get("blocks"):
                return list(message["blocks"])
        return None

    def _post(self, message: dict[str, Any], key: str, index: int, thread: str | None) -> str:
        try:
            response = self.client.chat_postMessage(
                channel=self.channel,
                thread_ts=thread,
                metadata={"event_type": METADATA_EVENT, "event_payload": {"delivery": key, "part": index}},
                **message,
            )
        except Exception as error:  # every failure becomes a typed delivery error
            raise slack_error(error) from error
        return str(response["ts"])

    def _find_posted(self, key: str, index: int, thread: str | None) -> str | None:
        """The ts of part ``index`` of ``key`` if Slack already has it (needs channels:history), else None."""
        try:
            if thread is None:
                response = self.client.conversations_history(
                    channel=self.channel, include_all_metadata=True, limit=50
                )
            else:
                response = self.client.conversations_replies(
                    channel=self.channel, ts=thread, include_all_metadata=True, limit=200
                )
        except SlackClientError as error:
            logger.info("cannot read Slack history to avoid a duplicate (%s); posting again", error)
            return None
        for message in response.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == METADATA_EVENT
                and payload.get("delivery") == key
                and payload.get("part") == index
            ):
                return str(message.get("ts"))
        return None

    def _upload_chart(self, card: Card) -> str | None:
        if card.chart is None or self.chart_png is None:
            return None
        try:
            png = self.chart_png(card.chart)
            response = self.client.files_upload_v2(filename="chart.png", title=card.chart.title, content=png)
            return str(response["file"]["id"])
        except Exception:
            logger.exception("chart upload failed; the digest goes out without the image")
            return None


class RobotSender(Protocol):
    """A DingTalk or WeCom group robot (``bot.dingtalk.sender`` / ``bot.wecom.sender``)."""

    def messages(self, card: Card, downloads: Sequence[tuple[str, str]] | None = None) -> list[Any]: ...

    def send_message(self, message: Any) -> Any: ...


class RobotChannel:
    """DingTalk or WeCom group robot: render the card into the platform's messages, send from the checkpoint."""

    def __init__(self, name: str, sender: RobotSender, settings: Settings) -> None:
        self.name = name
        self.sender = sender
        self.settings = settings

    def send(self, job: SendJob) -> None:
        messages = self.sender.messages(job.card, attachment_links(job.card, self.settings))
        for index in range(job.parts_sent, len(messages)):
            self.sender.send_message(messages[index])
            job.checkpoint(index + 1, None)


def dingtalk_channel(settings: Settings) -> RobotChannel | None:
    from bot.dingtalk.sender import sender_from_settings

    sender = sender_from_settings(settings)
    return RobotChannel("dingtalk", sender, settings) if sender is not None else None


def wecom_channel(settings: Settings) -> RobotChannel | None:
    from bot.wecom.sender import sender_from_settings

    sender = sender_from_settings(settings)
    return RobotChannel("wecom", sender, settings) if sender is not None else None


def slack_channel(settings: Settings) -> SlackChannel | None:
    """Slack alerts need a bot token and ``ALERT_CHANNEL``; otherwise Slack alerts are off."""
    if settings.slack_bot_token is None or not settings.alert_channel:
        return None
    from bot.render.chart_png import render_chart_png

    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=SLACK_TIMEOUT_S,
        retry_handlers=[],
    )
    return SlackChannel(client, settings.alert_channel, chart_png=render_chart_png)


def dingtalk_card_channel(
    settings: Settings, handler_context: Callable[[], HandlerContext] | None
) -> Channel | None:
    """Interactive alert cards through the enterprise-internal app (``DINGTALK_CARD_TEMPLATE_ID``)."""
    if (
        not settings.dingtalk_card_template_id
        or handler_context is None
        or settings.dingtalk_client_secret is None
    ):
        return None
    from bot.dingtalk.openapi import DingTalkOpenAPI
    from scheduler.dingtalk_cards import DingTalkCardChannel

    assert settings.dingtalk_client_id is not None
    api = DingTalkOpenAPI(
        settings.dingtalk_api_url,
        settings.dingtalk_client_id,
        settings.dingtalk_client_secret.get_secret_value(),
    )
    return DingTalkCardChannel(api, settings, handler_context)


def wecom_bot_channel(
    settings: Settings, handler_context: Callable[[], HandlerContext] | None
) -> Channel | None:
    """Alert cards through the WeCom AI bot's long connection (``WECOM_BOT_ID``)."""
    if not settings.wecom_bot_id or handler_context is None:
        return None
    from scheduler.wecom_cards import WeComBotChannel

    return WeComBotChannel(settings, handler_context)


def wecom_app_card_channel(
    settings: Settings, handler_context: Callable[[], HandlerContext] | None
) -> Channel | None:
    """Alert cards from the self-built app to ``WECOM_ALERT_USERS`` (no AI bot needed)."""
    if not settings.wecom_alert_users.strip() or handler_context is None or settings.wecom_bot_id:
        return None
    if settings.wecom_secret is None or not settings.wecom_corp_id or not settings.wecom_agent_id:
        return None
    from bot.wecom.app_client import WeComAppClient
    from scheduler.wecom_cards import WeComAppCardChannel

    client = WeComAppClient(
        settings.wecom_api_url, settings.wecom_corp_id, settings.wecom_secret.get_secret_value(),
        int(settings.wecom_agent_id),
    )  # fmt: skip
    return WeComAppCardChannel(client, settings, handler_context)


def channels_from_settings(
    settings: Settings,
    *,
    stream: TextIO | None = None,
    handler_context: Callable[[], HandlerContext] | None = None,
) -> dict[str, Channel]:
    """Every configured messenger; the console alone when none is configured."""
    found: list[Channel | None] = [
        slack_channel(settings),
        dingtalk_channel(settings),
        dingtalk_card_channel(settings, handler_context),
        wecom_channel(settings),
        wecom_bot_channel(settings, handler_context),
        wecom_app_card_channel(settings, handler_context),
    ]
    channels: dict[str, Channel] = {c.name: c for c in found if c is not None}
    return channels or {"console": ConsoleChannel(stream)}
