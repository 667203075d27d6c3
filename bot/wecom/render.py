"""Cards as WeCom messages: ``markdown`` text (robot and app), the chart as an ``image`` (robot).

Limits (WeCom rejects larger): robot markdown ``content`` ≤ 4096 bytes UTF-8, app-message markdown
≤ 2048 bytes; robot images ≤ 2 MB before base64 (JPG/PNG) with their MD5. A longer card is split into
several markdown messages (``bot.robot_markdown.paginate``: nothing dropped, order kept, each part says
i/n). Links are our signed download URLs; card buttons without a URL (acknowledge, snooze…) cannot be
clicked in a robot message and are not shown. The robot's ``template_card`` is not used: its text fields
are short (≤ 30/44/160 characters) and would truncate reports that markdown carries whole.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from bot.robot_markdown import Link, MarkdownStyle, card_lines, link_buttons, paginate
from core.text_safety import escape_wecom_md
from handlers.card import Card

logger = logging.getLogger(__name__)

ROBOT_MARKDOWN_BYTES = 4096
APP_MARKDOWN_BYTES = 2048
MAX_IMAGE_BYTES = 2 * 1024 * 1024

STYLE = MarkdownStyle(
    escape=escape_wecom_md,
    severity_marks={
        "info": "",
        "minor": '<font color="comment">●</font> ',
        "moderate": '<font color="warning">●</font> ',
        "severe": '<font color="warning">●●</font> ',
    },
    joiner="\n",
    quiet=lambda text: f'<font color="comment">{text}</font>',
)

Message = dict[str, Any]


def markdown_texts(card: Card, downloads: Sequence[Link] | None, limit_bytes: int) -> list[str]:
    lines = card_lines(card, STYLE, links=link_buttons(card, downloads))
    return paginate(card, lines, limit_bytes, STYLE)


def image_message(png: bytes) -> Message | None:
    """An ``image`` message (base64 + md5 of the raw bytes); None when the image is over WeCom's 2 MB."""
    if len(png) > MAX_IMAGE_BYTES:
        logger.warning("chart image of %d bytes exceeds WeCom's 2 MB limit; not sent", len(png))
        return None
    return {
        "msgtype": "image",
        "image": {"base64": base64.b64encode(png).decode(), "md5": hashlib.md5(png).hexdigest()},
    }


def robot_messages(
    card: Card, downloads: Sequence[Link] | None = None, *, chart_png: bytes | None = None
) -> list[Message]:
    """The group robot's messages: the markdown parts, then the chart image."""
    messages: list[Message] = [
        {"msgtype": "markdown", "markdown": {"content": text}}
        for text in markdown_texts(card, downloads, ROBOT_MARKDOWN_BYTES)
    ]
    image = image_message(chart_png) if chart_png else None
    return [*messages, image] if image else messages


def app_messages(
    card: Card, touser: str, agent_id: int, downloads: Sequence[Link] | None = None
) -> list[Message]:
    """Bodies for the app message API (``/message/send``): markdown to one user, split at 2048 bytes."""
    return [
        {"touser": touser, "msgtype": "markdown", "agentid": agent_id, "markdown": {"content": text}}
        for text in markdown_texts(card, downloads, APP_MARKDOWN_BYTES)
    ]


def render_json(card: Card) -> str:
    """``memberops ask --format wecom``: the robot messages that would be sent (without the chart image)."""
    return json.dumps(robot_messages(card), ensure_ascii=False, indent=2)
