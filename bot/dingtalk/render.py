"""Cards as DingTalk robot messages: an ``actionCard`` when there are links to offer, else ``markdown``.

Limits: DingTalk refuses a robot message over 20,000 bytes (errcode 460101); the markdown text of each
message is kept ≤ ``MAX_TEXT_BYTES`` (15,000) to leave room for the JSON, the title and the buttons. A longer
card is split into several messages (see ``bot.robot_markdown.paginate``); the first one carries the
buttons. Buttons beyond ``MAX_BUTTONS`` become links at the end of the text.

Buttons only open URLs (custom robots have no interactive callbacks), so a card's link buttons and our
signed download links are offered; buttons without a URL (acknowledge, snooze…) are not shown. Every URL is
wrapped in DingTalk's ``dingtalk://dingtalkclient/page/link?…&pc_slide=false`` so that on the desktop client
it opens in the system browser ("open in browser", where downloads work) rather than the side panel.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from bot.render.text_split import clip
from bot.robot_markdown import Link, MarkdownStyle, card_lines, link_buttons, link_label, paginate
from core.text_safety import escape_dingtalk_md
from handlers.card import Card

MAX_TEXT_BYTES = 15_000
MAX_BUTTONS = 5
MAX_TITLE_CHARS = 64
MAX_BUTTON_CHARS = 20

STYLE = MarkdownStyle(
    escape=escape_dingtalk_md,
    severity_marks={"info": "", "minor": "🟡 ", "moderate": "🟠 ", "severe": "🔴 "},
    joiner="\n\n",
    quiet=lambda text: f"> {text}",
)

Message = dict[str, Any]


def open_in_browser(url: str) -> str:
    """DingTalk's link that opens ``url`` outside the client's side panel."""
    return f"dingtalk://dingtalkclient/page/link?url={quote(url, safe='')}&pc_slide=false"


def render_messages(
    card: Card, downloads: Sequence[Link] | None = None, *, chart_image_url: str | None = None
) -> list[Message]:
    """The JSON bodies to POST to the robot webhook, in order."""
    buttons = [(label, open_in_browser(url)) for label, url in link_buttons(card, downloads)]
    on_card, overflow = buttons[:MAX_BUTTONS], buttons[MAX_BUTTONS:]
    lines = card_lines(card, STYLE, links=overflow, chart_image_url=chart_image_url)
    texts = paginate(card, lines, MAX_TEXT_BYTES, STYLE)
    title = clip(escape_dingtalk_md(card.title), MAX_TITLE_CHARS)
    messages: list[Message] = []
    for index, text in enumerate(texts):
        if index == 0 and on_card:
            messages.append(
                {
                    "msgtype": "actionCard",
                    "actionCard": {
                        "title": title,
                        "text": text,
                        "btnOrientation": "1" if len(on_card) > 2 else "0",
                        "btns": [
                            {"title": clip(link_label(label, STYLE), MAX_BUTTON_CHARS), "actionURL": url}
                            for label, url in on_card
                        ],
                    },
                }
            )
        else:
            messages.append({"msgtype": "markdown", "markdown": {"title": title, "text": text}})
    return messages


def render_json(card: Card) -> str:
    """``memberops ask --format dingtalk``: the messages that would be sent (no links without a server)."""
    return json.dumps(render_messages(card), ensure_ascii=False, indent=2)
