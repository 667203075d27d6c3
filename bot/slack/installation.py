"""Multi-workspace install: Slack OAuth v2 at ``/slack/install`` and ``/slack/oauth_redirect``.

Installations and OAuth states live in our database, in slack_sdk's own SQLAlchemy tables (created by
migration 0003). slack_sdk's async SQLAlchemy stores need an async driver we do not ship; its sync stores
are wrapped here and run in worker threads (``asyncio.to_thread``) so the event loop never blocks on SQL.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.engine import Engine

from bot.slack.scopes import BOT_SCOPES
from core.config import Settings

INSTALLATIONS_TABLE = "slack_installations"  # the names migration 0003 creates
BOTS_TABLE = "slack_bots"
STATES_TABLE = "slack_oauth_states"
STATE_EXPIRY_S = 600


class ThreadedInstallationStore(AsyncInstallationStore):
    """slack_sdk's SQLAlchemy installation store, each call in a worker thread."""

    def __init__(self, store: SQLAlchemyInstallationStore) -> None:
        self.store = store

    @property
    def logger(self) -> Any:
        return self.store.logger

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.store.save_bot, bot)

    async def async_find_bot(self, **kwargs: Any) -> Bot | None:
        return await asyncio.to_thread(lambda: self.store.find_bot(**kwargs))

    async def async_find_installation(self, **kwargs: Any) -> Installation | None:
        return await asyncio.to_thread(lambda: self.store.find_installation(**kwargs))

    async def async_delete_bot(self, **kwargs: Any) -> None:
        await asyncio.to_thread(lambda: self.store.delete_bot(**kwargs))

    async def async_delete_installation(self, **kwargs: Any) -> None:
        await asyncio.to_thread(lambda: self.store.delete_installation(**kwargs))

    async def async_delete_all(self, **kwargs: Any) -> None:
        await asyncio.to_thread(lambda: self.store.delete_all(**kwargs))


class ThreadedStateStore(AsyncOAuthStateStore):
    def __init__(self, store: SQLAlchemyOAuthStateStore) -> None:
        self.store = store

    @property
    def logger(self) -> Any:
        return self.store.logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.store.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.store.consume, state)


def installation_store(client_id: str, engine: Engine) -> ThreadedInstallationStore:
    return ThreadedInstallationStore(
        SQLAlchemyInstallationStore(
            client_id=client_id,
            engine=engine,
            bots_table_name=BOTS_TABLE,
            installations_table_name=INSTALLATIONS_TABLE,
        )
    )


def oauth_settings(settings: Settings, engine: Engine) -> AsyncOAuthSettings:
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    return AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        scopes=list(BOT_SCOPES),
        redirect_uri=f"{settings.public_base_url.rstrip('/')}/slack/oauth_redirect",
        install_path="/slack/install",
        redirect_uri_path="/slack/oauth_redirect",
        installation_store=installation_store(settings.slack_client_id, engine),
        state_store=ThreadedStateStore(
            SQLAlchemyOAuthStateStore(
                expiration_seconds=STATE_EXPIRY_S, engine=engine, table_name=STATES_TABLE
            )
        ),
    )
