"""``/help``: every command with an example; also the reply to an unknown command."""

from __future__ import annotations

from handlers.card import Card, CardSection
from handlers.commands import COMMANDS
from handlers.context import HandlerContext


def handle_help(_args: str, context: HandlerContext, *, unknown: str | None = None) -> Card:
    lines = [f"{c.example}  —  {context.t(c.zh, c.en)}" for c in COMMANDS]
    sections = []
    if unknown is not None:
        sections.append(
            CardSection(
                text=context.t(
                    f"没有看懂「{unknown}」。可以试试下面的命令：",
                    f"I did not understand “{unknown}”. Try one of these:",
                )
            )
        )
    sections.append(CardSection(title=context.t("命令", "Commands"), bullets=lines))
    sections.append(
        CardSection(
            text=context.t(
                "也可以直接问：为什么这周边现下降了？", "You can also just ask: why did 边现 drop this week?"
            )
        )
    )
    return Card(
        title=context.t("会员运营智能助手", "MemberOps Copilot"), sections=sections, language=context.language
    )
