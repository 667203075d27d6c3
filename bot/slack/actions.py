"""Buttons: ``download:<i>`` (value = download id), the alert buttons (value = alert id) and
``retro_save:<i>`` (value = campaign or range id: the retro joins the experience library).

A download click uploads the stored document into the message's thread (or, when the app cannot post
there, the user's DM) and answers with an ephemeral carrying a signed, expiring link to
``/downloads/{token}``. An alert click runs the registered hook (``handlers.alert_actions``) and updates
the alert in place (chat.update) with who did what.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.render.slack_blocks import MAX_BLOCKS, MAX_SECTION_TEXT
from bot.slack.files import describe_error, upload_document
from bot.slack.home import dm_card, is_home, publish_home
from bot.slack.posting import DeliveryError, post_card, respond_text
from bot.slack.runtime import SlackRuntime
from core.documents.models import Document
from core.text_safety import escape_slack
from handlers.alert_actions import ALERT_ACTIONS, AlertClick, handle_alert_action
from handlers.card import Card
from handlers.context import HandlerContext
from handlers.downloads import fetch_download, signed_download_url

logger = logging.getLogger(__name__)

DOWNLOAD_ACTION = re.compile(r"^download:\d+$")
ALERT_ACTION = re.compile(rf"^({'|'.join(ALERT_ACTIONS)}):\d+$")
RETRO_SAVE_ACTION = re.compile(r"^retro_save:\d+$")
USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
CANNOT_POST_HERE = {
    "not_in_channel",
    "channel_not_found",
    "is_archived",
    "restricted_action",
    "access_denied",
}


async def _ack(ack: AsyncAck) -> None:
    await ack()


def _action(body: dict[str, Any]) -> dict[str, Any]:
    return body["actions"][0]


def _where(body: dict[str, Any]) -> tuple[str | None, str | None]:
    """The channel and the thread to answer in (None ts for an ephemeral message: it has no thread)."""
    container = body.get("container", {})
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    if container.get("is_ephemeral"):
        return channel, None
    return channel, container.get("thread_ts") or container.get("message_ts")


async def _upload_to_thread_or_dm(client: AsyncWebClient, document: Document, body: dict[str, Any]) -> str:
    channel, thread_ts = _where(body)
    if channel is not None:
        try:
            return await upload_document(client, document, channel=channel, thread_ts=thread_ts)
        except SlackApiError as error:
            if describe_error(error) not in CANNOT_POST_HERE:
                raise
    dm = await client.conversations_open(users=body["user"]["id"])
    return await upload_document(client, document, channel=dm["channel"]["id"], thread_ts=None)


def _link_text(runtime: SlackRuntime, download_id: str, document: Document, uploaded: bool) -> str:
    secret = runtime.download_secret
    settings = runtime.context.settings
    head = (
        runtime.t(f"已上传《{document.title}》。", f"Uploaded “{document.title}”.")
        if uploaded
        else runtime.t(
            f"《{document.title}》上传到 Slack 失败（Slack 暂时不可用），请稍后重试。",
            f"Uploading “{document.title}” to Slack failed (Slack unavailable); please retry later.",
        )
    )
    head = escape_slack(head)
    if secret is None:
        return head
    url = signed_download_url(
        settings.public_base_url, secret, download_id, settings.download_ttl_seconds, runtime.now()
    )
    hours = settings.download_ttl_seconds // 3600
    return head + runtime.t(
        f" 下载链接（{hours} 小时内有效）：<{url}|{escape_slack(document.filename)}>",
        f" Download link (valid {hours} h): <{url}|{escape_slack(document.filename)}>",
    )


def register_downloads(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def send_download(body: dict[str, Any], client: AsyncWebClient) -> None:
        download_id = str(_action(body).get("value", ""))
        response_url = body.get("response_url", "")
        document = await asyncio.to_thread(fetch_download, runtime.context.engine, download_id)
        if document is None:
            await respond_text(
                response_url, runtime.t("这个文件已不存在或已过期。", "This file no longer exists.")
            )
            return
        uploaded = True
        try:
            await _upload_to_thread_or_dm(client, document, body)
        except SlackClientError as error:
            logger.error("download %s: upload failed after retries: %s", download_id, describe_error(error))
            uploaded = False
        await respond_text(response_url, _link_text(runtime, download_id, document, uploaded))

    app.action(DOWNLOAD_ACTION)(ack=_ack, lazy=[send_download])


def _who(body: dict[str, Any]) -> str:
    user_id = str(body["user"]["id"])
    return f"<@{user_id}>" if USER_ID.match(user_id) else escape_slack(body["user"].get("name", user_id))


def updated_blocks(blocks: list[dict[str, Any]], line: str) -> list[dict[str, Any]]:
    """The alert's blocks plus a context line; the oldest note goes when the 50-block limit is reached."""
    note = {"type": "context", "elements": [{"type": "mrkdwn", "text": line[:MAX_SECTION_TEXT]}]}
    return [*blocks[: MAX_BLOCKS - 1], note]


def register_alerts(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def apply_alert_action(body: dict[str, Any], client: AsyncWebClient) -> None:
        action = _action(body)
        click = AlertClick(
            action=str(action["action_id"]).split(":", 1)[0],
            alert_id=str(action.get("value", "")),
            user_id=str(body["user"]["id"]),
            user_name=str(body["user"].get("name") or body["user"].get("username") or ""),
            platform="slack",
            at=runtime.now(),
        )
        outcome = await runtime.in_thread(handle_alert_action, click)
        if is_home(body):  # pressed on the App Home: republish it with the new state
            await publish_home(runtime, client, click.user_id)
            if outcome.card is not None:
                await dm_card(client, click.user_id, outcome.card)
            return
        channel, ts = _where(body)
        message = body.get("message") or {}
        line = f"{_who(body)} {escape_slack(outcome.note)} · <!date^{int(click.at.timestamp())}^{{time}}|now>"
        try:
            if channel is None or ts is None:
                raise DeliveryError("the alert message cannot be updated (ephemeral)")
            try:
                await client.chat_update(
                    channel=channel,
                    ts=ts,
                    text=message.get("text", ""),
                    blocks=updated_blocks(message.get("blocks", []), line),
                )
            except SlackClientError as error:
                raise DeliveryError(f"chat.update failed: {describe_error(error)}") from error
            if outcome.card is not None:
                await post_card(client, channel, outcome.card, thread_ts=ts)
        except DeliveryError as error:
            logger.error("alert %s %s: %s", click.alert_id, click.action, error)
            await respond_text(
                body.get("response_url", ""),
                runtime.t(
                    f"已记录（{outcome.note}），但更新消息失败：Slack 暂时不可用。",
                    f"Recorded ({outcome.note}) but the message could not be updated: Slack unavailable.",
                ),
            )

    app.action(ALERT_ACTION)(ack=_ack, lazy=[apply_alert_action])


def register_retro_save(app: AsyncApp, runtime: SlackRuntime) -> None:
    """Save a retrospective to the experience library and answer in the retro's thread."""
    from handlers.dispatch import usage_card
    from handlers.errors import UsageError
    from handlers.retro import save_retro

    def save_or_explain(target: str, context: HandlerContext) -> Card:
        try:
            return save_retro(target, context)
        except UsageError as error:
            return usage_card(error, context, "retro")

    async def save(body: dict[str, Any], client: AsyncWebClient) -> None:
        target = str(_action(body).get("value", ""))
        card = await runtime.in_thread(save_or_explain, target)
        channel, ts = _where(body)
        try:
            if channel is None:
                raise DeliveryError("no channel to answer in")
            await post_card(client, channel, card, thread_ts=ts)
        except (DeliveryError, SlackClientError) as error:
            logger.error("retro_save %s: %s", target, error)
            await respond_text(
                body.get("response_url", ""),
                runtime.t(f"已保存到经验库：{card.title}", f"Saved to the experience library: {card.title}"),
            )

    app.action(RETRO_SAVE_ACTION)(ack=_ack, lazy=[save])


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    register_downloads(app, runtime)
    register_alerts(app, runtime)
    register_retro_save(app, runtime)
