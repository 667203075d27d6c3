"""The output formats of ``memberops ask --format``: one renderer per format."""

from __future__ import annotations

import json
from collections.abc import Callable

from bot.dingtalk.render import render_json as render_dingtalk
from bot.render.slack_blocks import card_messages
from bot.render.text import render_text
from bot.wecom.render import render_json as render_wecom
from handlers.card import Card


def _render_json(card: Card) -> str:
    return card.model_dump_json(indent=2)


def _render_slack(card: Card) -> str:
    """The Block Kit message payload(s) that would be posted (a long card is several messages)."""
    return json.dumps(card_messages(card), ensure_ascii=False, indent=2)


FORMATS: dict[str, Callable[[Card], str]] = {
    "text": render_text,
    "json": _render_json,
    "slack": _render_slack,  # Block Kit messages
    "dingtalk": render_dingtalk,  # the DingTalk robot messages (JSON) that would be sent
    "wecom": render_wecom,  # the WeCom robot messages (JSON) that would be sent
}


def render(card: Card, format_: str) -> str:
    return FORMATS[format_](card)
