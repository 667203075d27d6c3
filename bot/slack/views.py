"""The /budget modal: content ratio, usage per resource position and budget in; the recomputed plan out.

The modal carries the slash command's response_url and channel in ``private_metadata``; the submission is
turned into the same text a user would type (``家庭剧70 动漫30 首页位1=0.6 详情页推荐=0.4 预算50万``)
and run by the registered budget handler, so the modal and the command can never disagree.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.posting import DeliveryError, post_card, respond_card
from bot.slack.runtime import SlackRuntime
from handlers.commands import ParsedCommand

logger = logging.getLogger(__name__)

BUDGET_CALLBACK = "budget_modal"
FIELDS = ("mix", "positions", "budget")  # block ids; each input's action id is "value"


DEFAULTS_TIMEOUT_S = 1.5  # Slack's trigger_id expires 3 s after the command: never wait longer for defaults


def _input(
    block_id: str, label: str, placeholder: str, *, optional: bool = False, initial: str | None = None
) -> dict[str, Any]:
    block = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": {"type": "plain_text", "text": label},
        "element": {
            "type": "plain_text_input",
            "action_id": "value",
            "max_length": 500,
            "placeholder": {"type": "plain_text", "text": placeholder},
        },
    }
    if initial:
        block["element"]["initial_value"] = initial[:500]  # type: ignore[index]
    return block


def _capacity_hint(runtime: SlackRuntime, defaults: dict[str, Any]) -> dict[str, Any]:
    positions = " · ".join(f"{p['position']} ≤ {p['max_capacity']:g}" for p in defaults.get("positions", []))
    text = runtime.t(
        f"已按默认方案预填。资源位容量上限：{positions}；超过上限的 80% 会提示并打折计算收益。",
        f"Pre-filled with the default plan. Position capacity: {positions}; above 80% of it is warned and penalised.",
    )
    return {"type": "context", "elements": [{"type": "plain_text", "text": text[:2000]}]}


async def modal_defaults(runtime: SlackRuntime) -> dict[str, Any] | None:
    """The default plan to pre-fill the modal, or None if it is not ready within ``DEFAULTS_TIMEOUT_S``."""
    from handlers.budget import budget_modal_defaults

    try:
        return await asyncio.wait_for(runtime.in_thread(budget_modal_defaults), DEFAULTS_TIMEOUT_S)
    except Exception as error:  # no data yet, slow first load…: an empty modal still works
        logger.info("budget modal opens without defaults: %s", type(error).__name__)
        return None


def budget_modal_view(
    runtime: SlackRuntime, *, response_url: str, channel_id: str, defaults: dict[str, Any] | None = None
) -> dict[str, Any]:
    t = runtime.t
    initial = (defaults or {}).get("text", {})
    view = {
        "type": "modal",
        "callback_id": BUDGET_CALLBACK,
        "title": {"type": "plain_text", "text": t("预算模拟", "Budget simulator")},
        "submit": {"type": "plain_text", "text": t("计算", "Compute")},
        "close": {"type": "plain_text", "text": t("取消", "Cancel")},
        "private_metadata": json.dumps({"response_url": response_url, "channel_id": channel_id}),
        "blocks": [
            _input(
                "mix", t("内容配比（%）", "Content ratio (%)"), "家庭剧70 动漫30", initial=initial.get("mix")
            ),
            _input(
                "positions",
                t("资源位使用比例", "Usage per resource position"),
                "首页位1=0.6 详情页推荐=0.4",
                optional=True,
                initial=initial.get("positions"),
            ),
            _input(
                "budget",
                t("预算（元，可写 万）", "Budget (CNY, 万 allowed)"),
                "50万",
                initial=initial.get("budget"),
            ),
        ],
    }
    if defaults:
        view["blocks"].append(_capacity_hint(runtime, defaults))  # type: ignore[attr-defined]
    return view


async def open_budget_modal(
    client: AsyncWebClient, runtime: SlackRuntime, *, trigger_id: str, response_url: str, channel_id: str
) -> None:
    defaults = await modal_defaults(runtime)
    await client.views_open(
        trigger_id=trigger_id,
        view=budget_modal_view(runtime, response_url=response_url, channel_id=channel_id, defaults=defaults),
    )


def submitted_values(view: dict[str, Any]) -> dict[str, str]:
    values = view.get("state", {}).get("values", {})
    return {
        name: str((values.get(name, {}).get("value", {}) or {}).get("value") or "").strip() for name in FIELDS
    }


def budget_text(values: dict[str, str]) -> str:
    """The command text the budget handler parses, from the three inputs."""
    budget = values["budget"]
    if budget and not budget.startswith(("预算", "budget")):
        budget = f"预算{budget}"
    return " ".join(part for part in (values["mix"], values["positions"], budget) if part)


def register(app: AsyncApp, runtime: SlackRuntime) -> None:
    async def validate(ack: AsyncAck, view: dict[str, Any]) -> None:
        values = submitted_values(view)
        if not re.search(r"\d", values["budget"]):
            await ack(
                response_action="errors",
                errors={"budget": runtime.t("请填写预算金额，例如 50万", "Enter a budget, e.g. 500000")},
            )
            return
        await ack()

    async def compute(body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient) -> None:
        values = submitted_values(view)
        if not re.search(r"\d", values["budget"]):
            return
        card = await runtime.run(ParsedCommand("budget", budget_text(values), "budget"))
        metadata = json.loads(view.get("private_metadata") or "{}")
        try:
            if metadata.get("response_url"):
                await respond_card(
                    client, metadata["response_url"], card, channel_id=metadata.get("channel_id")
                )
            else:
                await post_card(client, body["user"]["id"], card)
        except DeliveryError as error:
            logger.error("could not deliver the budget modal result: %s", error)

    app.view(BUDGET_CALLBACK)(ack=validate, lazy=[compute])
