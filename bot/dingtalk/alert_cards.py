"""Alerts as DingTalk interactive cards: the card data our template (``alert_card_template.json``) binds, the
answer to a click, and the card id of an alert.

Template variables (all strings): ``title``, ``content`` (markdown: the alert card's numbers, causes and
explanation), ``severity``, ``status`` (the audit line: 待处理 / 已确认 · 张三 09:12 / 已恢复 …),
``checklist_url`` and ``checklist_title`` (the signed checklist link; empty: the link button is hidden),
``done`` ("true" once acknowledged, marked false or resolved: the buttons grey out) and the private
``explanation`` (shown only to the user who pressed 更多解释). The five buttons call back over Stream with
``params {"action": "alert_ack" | "alert_snooze" | "alert_false_positive" | "explain_more"}``; the
checklist is a link button.
"""

from __future__ import annotations

import hashlib
from typing import Any

from bot.dingtalk.render import render_messages
from bot.render.text_split import clip
from bot.robot_markdown import Link
from core.text_safety import escape_dingtalk_md
from handlers.card import Card

MAX_CONTENT = 3000
DONE_ACTIONS = ("alert_ack", "alert_false_positive")


def out_track_id(alert_key: str) -> str:
    """The card's id: one card per alert (sending it again is recognised, not duplicated)."""
    return "mo-" + hashlib.sha256(alert_key.encode()).hexdigest()[:40]


def card_params(card: Card, links: list[Link], status: str) -> dict[str, str]:
    body = card.model_copy(update={"buttons": [], "attachments": []})
    text = render_messages(body)[0]
    content = text.get("markdown", {}).get("text") or text.get("actionCard", {}).get("text", "")
    checklist = links[0] if links else ("", "")
    return {
        "title": clip(escape_dingtalk_md(card.title), 120),
        "content": clip(content, MAX_CONTENT),
        "severity": str(card.severity),
        "status": status,
        "checklist_title": checklist[0],
        "checklist_url": checklist[1],
        "done": "false",
    }


def click_response(status: str, action: str, *, user_id: str, explanation: str | None) -> dict[str, Any]:
    """The callback's answer: DingTalk applies ``cardData`` to everyone's card and ``privateData`` to the
    clicking user's only."""
    public: dict[str, str] = {"status": status}
    if action in DONE_ACTIONS:
        public["done"] = "true"
    response: dict[str, Any] = {"cardData": {"cardParamMap": public}}
    if explanation is not None:
        response["privateData"] = {user_id: {"cardParamMap": {"explanation": explanation}}}
    return response
