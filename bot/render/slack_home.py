"""The App Home as a Block Kit ``home`` view (``views.publish``), within Block Kit's limits: 100 blocks, the
same text and button limits as messages. Every string is escaped like a message's."""

from __future__ import annotations

from typing import Any

from bot.render.slack_blocks import MAX_HEADER, MAX_SECTION_TEXT, button_element, section_blocks
from bot.render.text_split import clip
from core.text_safety import escape_slack
from handlers.home import HomeView

MAX_HOME_BLOCKS = 100
STATE_EMOJI = {"open": "🔴", "acknowledged": "✅", "snoozed": "⏸️", "resolved": "🟢"}


def home_view(home: HomeView) -> dict[str, Any]:
    zh = home.language == "zh"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(home.title, MAX_HEADER)}},
        _context(f"{home.freshness} · {home.updated}"),
    ]
    for section in home.panel:
        blocks.extend(section_blocks(section))
    blocks.append({"type": "divider"})
    blocks.append(_header("近 7 天的告警" if zh else "Alerts of the last 7 days"))
    if not home.alerts:
        blocks.append(_text("没有告警：全部正常。" if zh else "No alerts: all normal."))
    for alert in home.alerts:
        line = f"{STATE_EMOJI.get(alert.state, '')} *{escape_slack(alert.headline)}*\n{escape_slack(alert.state_text)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip(line, MAX_SECTION_TEXT)}})
        if alert.buttons:
            blocks.append(
                {"type": "actions", "elements": [button_element(b, i) for i, b in enumerate(alert.buttons)]}
            )
    blocks.append({"type": "divider"})
    blocks.append(_header("常用命令" if zh else "Common commands"))
    blocks.append(
        {"type": "actions", "elements": [button_element(b, i) for i, b in enumerate(home.commands)]}
    )
    if len(blocks) > MAX_HOME_BLOCKS:  # the alerts go first (the list is capped well below this)
        blocks = blocks[: MAX_HOME_BLOCKS - 4] + blocks[-4:]
    return {"type": "home", "blocks": blocks}


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, MAX_HEADER)}}


def _text(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(escape_slack(text), MAX_SECTION_TEXT)}}


def _context(text: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": clip(escape_slack(text), MAX_SECTION_TEXT)}],
    }
