"""The bot token scopes the app asks for: what its Web API calls need, plus what its event subscriptions need.

One list serves the OAuth install URL and the generated manifest, so the two cannot disagree.
"""

from __future__ import annotations

from bot.slack.events import BOT_EVENTS

# The scope Slack requires before it delivers each bot event (events without one need none).
EVENT_SCOPES: dict[str, str] = {
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.mpim": "mpim:history",
}

API_SCOPES: tuple[str, ...] = (
    "channels:history",  # the alert outbox finds its own message after a crash instead of reposting
    "groups:history",
    "chat:write",
    "chat:write.public",
    "commands",
    "files:write",
    "im:write",
)

BOT_SCOPES: tuple[str, ...] = tuple(
    dict.fromkeys([*(EVENT_SCOPES[e] for e in BOT_EVENTS if e in EVENT_SCOPES), *API_SCOPES])
)
