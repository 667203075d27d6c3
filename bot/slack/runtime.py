"""What every Slack listener needs, held once per app: the process context and the parsed settings."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.context import AppContext
from handlers.card import Card
from handlers.commands import ParsedCommand
from handlers.context import HandlerContext
from handlers.dispatch import run_parsed

T = TypeVar("T")


def id_set(text: str) -> frozenset[str]:
    """``"T1, T2"`` → ``{"T1", "T2"}``; empty text means no restriction."""
    return frozenset(part.strip() for part in text.replace(";", ",").split(",") if part.strip())


@dataclass
class SlackRuntime:
    context: AppContext
    allowed_teams: frozenset[str] = field(default_factory=frozenset)
    allowed_channels: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_context(cls, context: AppContext) -> SlackRuntime:
        settings = context.settings
        return cls(
            context=context,
            allowed_teams=id_set(settings.slack_allowed_teams),
            allowed_channels=id_set(settings.slack_allowed_channels),
        )

    @property
    def language(self) -> str:
        return self.context.settings.language

    def t(self, zh: str, en: str) -> str:
        return zh if self.language == "zh" else en

    def handler_context(self) -> HandlerContext:
        return self.context.handler_context(self.language)

    async def in_thread(self, handler: Callable[..., T], *args: Any) -> T:
        """``handler(*args, context)`` in a worker thread, the handler context built there too: its first
        build imports the AI SDK and loads the calendar, which must not stall the event loop (acks)."""
        return await asyncio.to_thread(lambda: handler(*args, self.handler_context()))

    async def run(self, parsed: ParsedCommand) -> Card:
        """Run a command handler in a worker thread (analytics never block the event loop), once the
        pending acks are out."""
        await ACKS.idle()
        return await self.in_thread(run_parsed, parsed)

    @property
    def download_secret(self) -> str | None:
        secret = self.context.settings.download_secret
        return secret.get_secret_value() if secret is not None else None

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class AckGate:
    """Acks first: counts Slack requests still waiting for their HTTP response; lazy work (the command
    handlers, uploads, posts) waits until none is waiting — at most ``max_wait_s`` — so that a burst of
    commands is acknowledged within Slack's 3 s before the event loop spends time on their answers."""

    def __init__(self) -> None:
        self.pending = 0

    def enter(self) -> None:
        self.pending += 1

    def leave(self) -> None:
        self.pending -= 1

    async def idle(self, max_wait_s: float = 1.0, poll_s: float = 0.01) -> None:
        deadline = asyncio.get_running_loop().time() + max_wait_s
        while self.pending > 0 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(poll_s)


ACKS = AckGate()
