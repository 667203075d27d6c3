"""What the Slack tests share: an app context pointed at the fake Slack, and signed requests to a running app.

Fixtures stay in the test modules (each needs its own variant: a fake with other tokens, data loaded…);
they build on these helpers, e.g. ``with FakeSlack() as fake: yield fake`` and
``with ServerThread(create_app(context)) as running: yield running``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from bot.context import AppContext
from core.config import load_settings
from storage.migrate import upgrade
from tests.fakes.slack_api import FakeSlack, ServerThread, interaction_body, signed_headers

SECRET = "test-signing-secret"


def slack_context(tmp_path: Path, fake: FakeSlack, **overrides: object) -> AppContext:
    """A migrated context whose Slack settings point at ``fake`` (single workspace, no allow-lists)."""
    settings = {
        "database_url": f"sqlite:///{tmp_path / 'slack.db'}",
        "slack_bot_token": "xoxb-test",
        "slack_signing_secret": SECRET,
        "slack_api_url": fake.api_url,
        "download_secret": "download-secret",
        "public_base_url": "https://memberops.example",
        "language": "zh",
        "slack_allowed_teams": "",
        "slack_allowed_channels": "",
        **overrides,
    }
    context = AppContext(load_settings(**settings))
    upgrade(context.engine)
    return context


def post_signed(server: ServerThread, body: bytes, **header_options: Any) -> httpx.Response:
    """``POST /slack/events`` with ``body`` signed by ``SECRET`` (``timestamp``, ``content_type`` optional)."""
    return httpx.post(
        f"{server.url}/slack/events", content=body, headers=signed_headers(SECRET, body, **header_options)
    )


def click(server: ServerThread, payload: dict[str, Any]) -> httpx.Response:
    """A signed interaction (button click, view submission…) with ``payload``."""
    return post_signed(server, interaction_body(payload))


def header_text(message_body: dict[str, Any]) -> str:
    """The header block's text of a posted card message (the card's title)."""
    return message_body["blocks"][0]["text"]["text"]
