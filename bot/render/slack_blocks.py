"""Cards as Slack Block Kit messages, within Block Kit's limits.

Every string from a card is escaped with ``escape_slack`` (nothing a model or a user wrote can mention,
broadcast or link); our own emphasis is added around the escaped text. Limits respected (Slack rejects a
message that breaks any of them): ≤ 50 blocks per message, ≤ 3000 characters per section text, ≤ 150 per
header, ≤ 10 fields per section and ≤ 2000 characters each, ≤ 25 elements per actions block, ≤ 75 characters
per button label, ≤ 10 elements per context block. A card that needs more than one message is split into
several (the first carries the header and the buttons): long reports are split, never rejected.
"""

from __future__ import annotations

from typing import Any

from bot.render.text import render_table
from bot.render.text_split import clip, pack_lines
from core.text_safety import escape_slack
from handlers.card import Button, Card, CardSection

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_HEADER = 150
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_ACTIONS = 25
MAX_BUTTON_TEXT = 75
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK_TEXT = 3000

SEVERITY_EMOJI = {
    "info": "",
    "minor": ":large_yellow_circle: ",
    "moderate": ":large_orange_circle: ",
    "severe": ":red_circle: ",
}

Block = dict[str, Any]


def _mrkdwn_sections(text: str) -> list[Block]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        for chunk in pack_lines(text.split("\n"), MAX_SECTION_TEXT, "\n")
    ]


def section_blocks(section: CardSection) -> list[Block]:
    parts: list[str] = []
    if section.title:
        parts.append(f"*{escape_slack(section.title)}*")
    if section.text:
        parts.append(escape_slack(section.text))
    parts.extend(f"• {escape_slack(bullet)}" for bullet in section.bullets)
    blocks = _mrkdwn_sections("\n".join(parts)) if parts else []
    fields = [
        {
            "type": "mrkdwn",
            "text": clip(f"*{escape_slack(f.label)}*\n{escape_slack(f.value)}", MAX_FIELD_TEXT),
        }
        for f in section.fields
    ]
    for start in range(0, len(fields), MAX_FIELDS):
        blocks.append({"type": "section", "fields": fields[start : start + MAX_FIELDS]})
    return blocks


def button_element(button: Button, button_index: int) -> Block:
    """A Block Kit button; the index keeps action ids unique within their actions block."""
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(button.label, MAX_BUTTON_TEXT), "emoji": True},
        "action_id": f"{button.action_id}:{button_index}",
        "value": button.value[:2000],
    }
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    if button.url:
        element["url"] = button.url[:3000]
    return element


def card_blocks(card: Card, *, chart_file_id: str | None = None) -> list[Block]:
    """All blocks of a card, in order, before splitting into messages."""
    title = SEVERITY_EMOJI[str(card.severity)] + card.title
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(title, MAX_HEADER)}}
    ]
    if card.subtitle:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": escape_slack(card.subtitle)}]}
        )
    for section in card.sections:
        blocks.extend(section_blocks(section))
    for table in card.tables:
        text = "\n".join(render_table(table))
        for chunk in pack_lines(escape_slack(text).split("\n"), MAX_SECTION_TEXT - 6, "\n"):
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"```{chunk}```"}})
    if card.chart and chart_file_id:
        blocks.append(
            {
                "type": "image",
                "slack_file": {"id": chart_file_id},
                "alt_text": clip(card.chart.title, 2000),
                "title": {"type": "plain_text", "text": clip(card.chart.title, 2000)},
            }
        )
    for start in range(0, len(card.buttons), MAX_ACTIONS):
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    button_element(card.buttons[i], i)
                    for i in range(start, min(start + MAX_ACTIONS, len(card.buttons)))
                ],
            }
        )
    if card.context:
        lines = [escape_slack(line) for line in card.context]
        for start in range(0, len(lines), MAX_CONTEXT_ELEMENTS):
            blocks.append(
                {
                    "type": "context",
                    "elements": [
                        {"type": "mrkdwn", "text": clip(line, MAX_SECTION_TEXT)}
                        for line in lines[start : start + MAX_CONTEXT_ELEMENTS]
                    ],
                }
            )
    return blocks


def fallback_text(card: Card) -> str:
    """The notification text (shown in push notifications and where blocks cannot render)."""
    return clip(
        escape_slack(card.title if not card.subtitle else f"{card.title} — {card.subtitle}"),
        MAX_FALLBACK_TEXT,
    )


def card_messages(card: Card, *, chart_file_id: str | None = None) -> list[dict[str, Any]]:
    """One or more ``{"text", "blocks"}`` payloads, each within the 50-block limit.

    The buttons stay in the first message (so its actions work however long the report), at its end.
    """
    blocks = card_blocks(card, chart_file_id=chart_file_id)
    actions = [b for b in blocks if b["type"] == "actions"]
    content = [b for b in blocks if b["type"] != "actions"]
    first_room = MAX_BLOCKS - len(actions)
    parts = [content[:first_room] + actions]
    parts.extend(content[start : start + MAX_BLOCKS] for start in range(first_room, len(content), MAX_BLOCKS))
    text = fallback_text(card)
    return [
        {"text": text if index == 0 else f"{text} ({index + 1}/{len(parts)})", "blocks": part}
        for index, part in enumerate(parts)
    ]
