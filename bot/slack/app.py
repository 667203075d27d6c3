"""The Bolt app factory: one place where every listener module is registered.

Single workspace (``SLACK_BOT_TOKEN``): Bolt authorizes every request with that token (one auth.test at
the first request, cached). Multi-workspace (``SLACK_CLIENT_ID``/``SECRET``): tokens come from the
installations stored by the OAuth flow; a request from a workspace without one is answered (through its
response_url) with ``not_installed_text`` — where to install — and runs nothing. Every Web API client Bolt makes copies our base client's
``base_url`` (``SLACK_API_URL``) and retry handlers.
"""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.context import AppContext
from bot.slack import actions, commands, events, home, views
from bot.slack.client import async_web_client
from bot.slack.installation import oauth_settings
from bot.slack.runtime import SlackRuntime
from bot.slack.security import allow_list_guard, replay_guard


def not_installed_text(runtime: SlackRuntime) -> str:
    """Bolt's default is an English apology for a "no longer available" installation; ours says where to
    install, in the product's language."""
    install_url = f"{runtime.context.settings.public_base_url.rstrip('/')}/slack/install"
    return runtime.t(
        f"会员运营助手还没有安装到这个工作区，请管理员打开 {install_url} 安装。",
        f"MemberOps Copilot is not installed in this workspace; ask an admin to open {install_url}.",
    )


def create_bolt_app(context: AppContext) -> AsyncApp:
    settings = context.settings
    runtime = SlackRuntime.from_context(context)
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    signing_secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    client = async_web_client(settings.slack_api_url, None if settings.slack_oauth_enabled else token)
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        oauth_settings=oauth_settings(settings, context.engine) if settings.slack_oauth_enabled else None,
        before_authorize=replay_guard(runtime),
        user_facing_authorize_error_message=not_installed_text(runtime),
        process_before_response=False,
    )
    app.use(allow_list_guard(runtime))
    commands.register(app, runtime)
    actions.register(app, runtime)
    views.register(app, runtime)
    events.register(app, runtime)
    home.register(app, runtime)
    return app
