"""Alerts as WeCom ``template_card`` messages of type ``button_interaction`` (the AI bot and the self-built
app send the same card): the title and severity, up to six key figures, the explanation line, the checklist
as a jump link, and the buttons 确认 / 暂停提醒 / 误报 / 更多解释 whose ``key`` is the alert action. A card's
``task_id`` is derived from its alert (WeCom refuses a repeated task id, and a click names it). Template card
text is plain text — it is not markdown — so nothing a model wrote can turn into markup there.
"""

from __future__ import annotations

import hashlib
from typing import Any

from bot.download_links import attachment_links
from bot.render.text_split import clip
from bot.robot_markdown import Link
from core.config import Settings
from handlers.alert_card import ALERT_BUTTONS
from handlers.card import Card
from handlers.messenger_cards import CardClick

MAX_FIGURES = 6
SEVERITY_WORDS = {"severe": "严重", "moderate": "中等", "minor": "轻微", "info": "提示"}


def task_id(alert_key: str) -> str:
    """Letters, digits and ``_-@`` only, at most 128 bytes."""
    return "mo_" + hashlib.sha256(alert_key.encode()).hexdigest()[:48]


def template_card(
    card: Card, task: str, links: list[Link], *, status: str, buttons: bool, note: str | None = None
) -> dict[str, Any]:
    figures = [f for section in card.sections for f in section.fields][:MAX_FIGURES]
    first_text = next((s.text for s in card.sections if s.text), "") or ""
    body: dict[str, Any] = {
        "card_type": "button_interaction",
        "source": {"desc": "会员运营助手", "desc_color": 0},
        "main_title": {"title": clip(card.title, 36), "desc": clip(card.subtitle or "", 44)},
        "sub_title_text": clip(note or first_text or status, 112),
        "horizontal_content_list": [
            {"keyname": clip(f.label, 10), "value": clip(f.value, 30)} for f in figures
        ],
        "task_id": task,
    }
    if status:
        body["horizontal_content_list"] = [*body["horizontal_content_list"][: MAX_FIGURES - 1],
                                           {"keyname": "状态", "value": clip(status, 30)}]  # fmt: skip
    if links:
        body["jump_list"] = [{"type": 1, "title": clip(title, 13), "url": url} for title, url in links[:3]]
    if buttons:
        body["button_list"] = [
            {"text": zh, "style": 1 if style == "primary" else (3 if style == "danger" else 2), "key": action}
            for action, zh, _en, style in ALERT_BUTTONS
        ]
    else:  # a button_interaction card needs a button: one that only opens the checklist or does nothing
        body["card_type"] = "text_notice"
        body["card_action"] = {"type": 1, "url": links[0][1]} if links else {"type": 0}
    return body


DONE = ("alert_ack", "alert_false_positive")  # after these the card keeps no buttons


def redrawn_card(built: Card, task: str, clicked: CardClick, settings: Settings) -> dict[str, Any]:
    """The ``update_template_card`` body after a click: for everyone with the audit line, or — for
    更多解释 — for the clicking user only (``userids``), with the explanation."""
    links = attachment_links(built, settings)
    outcome = clicked.outcome
    if outcome is not None and outcome.card is not None:
        note = " ".join(sec.text or " ".join(sec.bullets) for sec in outcome.card.sections)[:112]
        private = template_card(built, task, links, status=clicked.status, buttons=True, note=note)
        return {
            "response_type": "update_template_card",
            "userids": [clicked.click.user_id],
            "template_card": private,
        }
    public = template_card(
        built, task, links, status=clicked.status, buttons=clicked.click.action not in DONE
    )
    return {"response_type": "update_template_card", "template_card": public}
