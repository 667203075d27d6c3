"""Sending cards: through a ``response_url`` (slash commands, buttons, modals) or chat.postMessage.

A card may need several messages (``card_messages`` splits long reports); they are sent one after the
other, in order. A chart is uploaded first and referenced by an image block; if Slack refuses the message
with the image (e.g. the file is still processing), the card is sent again without it. Failures after the
client's retries are logged and raised as ``DeliveryError`` so that callers can tell the user.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.render.slack_blocks import card_messages
from bot.slack.client import response_url_client
from bot.slack.files import describe_error, upload_chart
from handlers.card import Card

logger = logging.getLogger(__name__)


class DeliveryError(RuntimeError):
    """Slack did not take a message after the retries (HTTP status or Slack error code in the text)."""


async def respond(response_url: str, message: dict[str, Any], **options: Any) -> None:
    """One post to a response_url; ``options``: response_type, replace_original, delete_original."""
    response = await response_url_client(response_url).send_dict({**message, **options})
    if response.status_code != 200:
        raise DeliveryError(f"response_url answered HTTP {response.status_code}: {response.body[:200]}")


async def respond_text(response_url: str, text: str, *, ephemeral: bool = True) -> None:
    await respond(
        response_url,
        {"text": text},
        response_type="ephemeral" if ephemeral else "in_channel",
        replace_original=False,
    )


async def _chart_id(client: AsyncWebClient, card: Card) -> str | None:
    return await upload_chart(client, card.chart) if card.chart is not None else None


MAX_RESPONSE_POSTS = 5  # Slack accepts 5 posts per response_url


async def respond_card(
    client: AsyncWebClient,
    response_url: str,
    card: Card,
    *,
    channel_id: str | None = None,
    response_type: str = "in_channel",
) -> None:
    """Every message of ``card``, in order, through ``response_url``.

    A card longer than the 5 posts a response_url takes goes to ``channel_id`` with chat.postMessage
    instead; when the app may not post there, the first 4 messages go through the response_url followed
    by a notice that the rest was cut.
    """
    chart_file_id = await _chart_id(client, card)
    messages = card_messages(card, chart_file_id=chart_file_id)
    if len(messages) > MAX_RESPONSE_POSTS and channel_id:
        try:
            await _post_messages(client, channel_id, messages, thread_ts=None)
            return
        except DeliveryError as error:
            logger.warning("long card: chat.postMessage refused (%s); sending it cut", error)
    if len(messages) > MAX_RESPONSE_POSTS:
        messages = [*messages[: MAX_RESPONSE_POSTS - 1], _cut_notice(card)]
    try:
        await _respond_all(response_url, messages, response_type)
    except DeliveryError:
        if chart_file_id is None:
            raise
        logger.warning("card with chart image refused; sending it without the image")
        await _respond_all(
            response_url, card_messages(card.model_copy(update={"chart": None})), response_type
        )


def _cut_notice(card: Card) -> dict[str, Any]:
    text = (
        "报告太长，后续内容未能发送到这里；请把应用加入频道后重试，或使用下载按钮。"
        if card.language == "zh"
        else "The report is too long for this reply; add the app to the channel and retry, or use a download."
    )
    return {"text": text, "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}]}


async def _respond_all(response_url: str, messages: list[dict[str, Any]], response_type: str) -> None:
    for message in messages:
        await respond(response_url, message, response_type=response_type, replace_original=False)


async def _post_messages(
    client: AsyncWebClient, channel: str, messages: list[dict[str, Any]], *, thread_ts: str | None
) -> str:
    first_ts = ""
    for message in messages:
        try:
            response = await client.chat_postMessage(channel=channel, thread_ts=thread_ts, **message)
        except SlackClientError as error:
            raise DeliveryError(f"chat.postMessage failed: {describe_error(error)}") from error
        first_ts = first_ts or str(response["ts"])
    return first_ts


async def post_card(client: AsyncWebClient, channel: str, card: Card, *, thread_ts: str | None = None) -> str:
    """Every message of ``card`` with chat.postMessage; returns the ts of the first (for threads, updates)."""
    chart_file_id = await _chart_id(client, card)
    return await _post_messages(
        client, channel, card_messages(card, chart_file_id=chart_file_id), thread_ts=thread_ts
    )
