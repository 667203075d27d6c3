"""``memberops messengers check [--send-test]``: before trusting the 9:00 digest, see every configured
channel: what is set, whether the platform accepts our credentials (a real call), where alerts will go, and —
with ``--send-test`` — a test card actually posted there. No secret is printed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from bot.context import AppContext
from bot.delivery_errors import DeliveryError
from handlers.card import Card, CardSection
from storage.messenger_repo import bound_target


@dataclass(frozen=True)
class CheckLine:
    channel: str
    ok: bool
    detail: str


def test_card(now: dt.datetime) -> Card:
    return Card(
        title="会员运营助手 · 测试消息 / test message",
        sections=[
            CardSection(text=f"messengers check --send-test at {now:%Y-%m-%d %H:%M} UTC: this channel works.")
        ],
    )


def check_messengers(context: AppContext, *, send_test: bool = False) -> list[CheckLine]:
    checks: list[Callable[[AppContext, bool], CheckLine | None]] = [
        _slack, _dingtalk_robot, _dingtalk_app, _wecom_robot, _wecom_app, _wecom_bot,
    ]  # fmt: skip
    lines = [line for check in checks if (line := _safely(check, context, send_test)) is not None]
    return lines or [
        CheckLine("console", True, "no messenger configured: the digest is printed to the console")
    ]


def _safely(
    check: Callable[[AppContext, bool], CheckLine | None], context: AppContext, send: bool
) -> CheckLine | None:
    try:
        return check(context, send)
    except (DeliveryError, httpx.HTTPError, OSError, ValueError, KeyError) as error:
        name = check.__name__.lstrip("_")
        return CheckLine(name, False, f"{type(error).__name__}: {error}")


def _slack(context: AppContext, send: bool) -> CheckLine | None:
    settings = context.settings
    if settings.slack_bot_token is None:
        return None
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url, timeout=10
    )
    try:
        who = client.auth_test()
    except SlackApiError as error:
        return CheckLine(
            "slack",
            False,
            f"auth.test refused the bot token: {error.response.get('error')} (SLACK_BOT_TOKEN)",
        )
    detail = f"auth.test ok (team {who.get('team')}, bot {who.get('user')})"
    if not settings.alert_channel:
        return CheckLine("slack", True, detail + "; ALERT_CHANNEL is not set: no daily digest in Slack")
    if send:
        from bot.render.slack_blocks import card_messages

        message = card_messages(test_card(dt.datetime.now(dt.UTC)))[0]
        try:
            client.chat_postMessage(channel=settings.alert_channel, **message)
        except SlackApiError as error:
            return CheckLine(
                "slack",
                False,
                f"test card to {settings.alert_channel} refused: {error.response.get('error')}",
            )
        return CheckLine("slack", True, detail + f"; test card posted to {settings.alert_channel}")
    return CheckLine("slack", True, detail + f"; alerts to {settings.alert_channel}")


def _robot(name: str, sender, variable: str, send: bool) -> CheckLine | None:  # type: ignore[no-untyped-def]
    """A group robot (DingTalk or WeCom): nothing to check without sending; ``--send-test`` sends."""
    if sender is None:
        return None
    if not send:
        return CheckLine(name, True, f"group robot set ({variable}); --send-test posts a test card")
    sender.send_card(test_card(dt.datetime.now(dt.UTC)))
    return CheckLine(name, True, "test card posted by the group robot")


def _dingtalk_robot(context: AppContext, send: bool) -> CheckLine | None:
    from bot.dingtalk.sender import sender_from_settings

    return _robot("dingtalk", sender_from_settings(context.settings), "DINGTALK_WEBHOOK_URL", send)


def _dingtalk_app(context: AppContext, send: bool) -> CheckLine | None:
    settings = context.settings
    if not settings.dingtalk_client_id or settings.dingtalk_client_secret is None:
        return None
    from bot.dingtalk.openapi import DingTalkOpenAPI

    api = DingTalkOpenAPI(
        settings.dingtalk_api_url,
        settings.dingtalk_client_id,
        settings.dingtalk_client_secret.get_secret_value(),
    )
    try:
        api.access_token()
    except DeliveryError as error:
        return CheckLine(
            "dingtalk_app",
            False,
            f"access token refused ({error}): check DINGTALK_CLIENT_ID / DINGTALK_CLIENT_SECRET",
        )
    opened = httpx.post(
        f"{settings.dingtalk_api_url.rstrip('/')}/v1.0/gateway/connections/open", timeout=10,
        json={"clientId": settings.dingtalk_client_id, "clientSecret": settings.dingtalk_client_secret.get_secret_value(),
              "subscriptions": [{"type": "CALLBACK", "topic": "/v1.0/im/bot/messages/get"}]},
    )  # fmt: skip
    if opened.status_code != 200:
        return CheckLine(
            "dingtalk_app",
            False,
            f"Stream gateway refused the app (HTTP {opened.status_code}): is Stream mode on?",
        )
    detail = "access token ok; Stream gateway ok"
    if not settings.dingtalk_card_template_id:
        return CheckLine(
            "dingtalk_app", True, detail + "; DINGTALK_CARD_TEMPLATE_ID not set: no interactive alert cards"
        )
    group = settings.dingtalk_alert_conversation_id or bound_target(context.engine, "dingtalk", "alerts")
    if not group:
        return CheckLine(
            "dingtalk_app",
            False,
            detail + "; no alert group: set DINGTALK_ALERT_CONVERSATION_ID or send 绑定告警群",
        )
    if send:
        from bot.dingtalk.alert_cards import card_params

        stamp = dt.datetime.now(dt.UTC)
        params = {**card_params(test_card(stamp), [], ""), "has_actions": "false"}
        api.create_and_deliver(
            template_id=settings.dingtalk_card_template_id, out_track_id=f"mo-test-{stamp:%Y%m%d%H%M%S}", params=params,
            conversation_id=group, robot_code=settings.dingtalk_robot_code or settings.dingtalk_client_id,
        )  # fmt: skip
        return CheckLine("dingtalk_app", True, detail + f"; test card delivered to {group}")
    return CheckLine("dingtalk_app", True, detail + f"; alert cards to {group}")


def _wecom_robot(context: AppContext, send: bool) -> CheckLine | None:
    from bot.wecom.sender import sender_from_settings

    return _robot("wecom", sender_from_settings(context.settings), "WECOM_WEBHOOK_URL", send)


def _wecom_app(context: AppContext, send: bool) -> CheckLine | None:
    settings = context.settings
    if settings.wecom_secret is None or not settings.wecom_corp_id or not settings.wecom_agent_id:
        return None
    from bot.wecom.app_client import WeComAppClient

    client = WeComAppClient(settings.wecom_api_url, settings.wecom_corp_id, settings.wecom_secret.get_secret_value(),
                            int(settings.wecom_agent_id))  # fmt: skip
    try:
        client.access_token()
    except DeliveryError as error:
        return CheckLine(
            "wecom_app", False, f"gettoken refused ({error}): check WECOM_CORP_ID / WECOM_SECRET"
        )
    users = settings.wecom_alert_users.strip()
    if send and users:
        client.send_card(test_card(dt.datetime.now(dt.UTC)), users)
        return CheckLine("wecom_app", True, f"gettoken ok; test card sent to {users}")
    return CheckLine(
        "wecom_app",
        True,
        "gettoken ok" + (f"; alert cards to {users}" if users else "; WECOM_ALERT_USERS not set"),
    )


def _wecom_bot(context: AppContext, send: bool) -> CheckLine | None:
    settings = context.settings
    if not settings.wecom_bot_id:
        return None
    chat = settings.wecom_bot_chat_id or bound_target(context.engine, "wecom", "alerts")
    where = f"alerts to {chat}" if chat else "no alert group: set WECOM_BOT_CHAT_ID or send 绑定告警群"
    return CheckLine(
        "wecom_bot", bool(chat),
        f"AI bot {settings.wecom_bot_id}: {where}; not connected by this check (a second connection would take the "
        "bot over from memberops serve: see its /healthz)" + ("; --send-test does not apply" if send else ""),
    )  # fmt: skip
