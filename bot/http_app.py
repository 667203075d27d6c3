"""The one ASGI app served by ``memberops serve``: health, downloads, Slack; callbacks mount here too.

``create_app`` concatenates route lists, each built by a small function below; an adapter that needs
routes adds one such function. The Bolt app (when Slack is configured) is kept in ``app.state.slack_bolt``
so that ``serve`` can also run it over Socket Mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.context import AppContext
from bot.metrics_route import metrics_routes
from bot.render.chart_font import chart_font
from handlers.downloads import DownloadTokenError, ExpiredDownloadToken, fetch_download, verify_download_token
from handlers.health import DigestSchedule, health_report


def health_routes(context: AppContext) -> list[Route]:
    async def healthz(request: Request) -> JSONResponse:
        schedule = DigestSchedule(context.settings.alert_cron, context.settings.timezone)
        report = await asyncio.to_thread(
            lambda: health_report(context.engine, context.source, schedule=schedule)
        )  # off the loop
        report.chart_font = chart_font().model_dump()
        report.connections = connection_states(request) or None
        return JSONResponse(report.model_dump(mode="json"), status_code=200 if report.ok else 503)

    return [Route("/healthz", healthz, methods=["GET"])]


def connection_states(request: Request) -> dict[str, str]:
    """The long connections this process holds (DingTalk Stream, the WeCom AI bot) and their state."""
    states: dict[str, str] = {}
    for name in ("dingtalk_stream", "wecom_aibot"):
        client = getattr(request.state, name, None)
        if client is None:
            continue
        if getattr(client, "standing_by", False):
            states[name] = "standing by: another replica holds the connection"
        elif getattr(client, "superseded", 0) and not _is_up(client):
            states[name] = "superseded: a newer connection of the bot took over"
        else:
            states[name] = "connected" if _is_up(client) else "connecting"
    return states


def _is_up(client: object) -> bool:
    event = getattr(client, "connected", None) or getattr(client, "authenticated", None)
    return bool(event is not None and event.is_set())


def download_routes(context: AppContext) -> list[Route]:
    """``GET /downloads/{token}``: 410 for an expired link, 404 for a forged one or a forgotten file."""

    async def download(request: Request) -> Response:
        secret = context.settings.download_secret
        if secret is None:
            return PlainTextResponse("downloads are not enabled", status_code=404)
        try:
            download_id = verify_download_token(
                secret.get_secret_value(), request.path_params["token"], dt.datetime.now(dt.UTC)
            )
        except ExpiredDownloadToken:
            return PlainTextResponse("this download link has expired", status_code=410)
        except DownloadTokenError:
            return PlainTextResponse("not found", status_code=404)
        document = await asyncio.to_thread(fetch_download, context.engine, download_id)
        if document is None:
            return PlainTextResponse("not found", status_code=404)
        return Response(
            document.content,
            media_type=document.media_type,
            headers={
                "Content-Disposition": document.content_disposition,
                "Cache-Control": "private, no-store",
            },
        )

    return [Route("/downloads/{token}", download, methods=["GET"])]


def messenger_callback_routes(context: AppContext) -> list[Route]:
    """DingTalk and WeCom callbacks (and DingTalk's chart images); empty when their settings are absent."""
    from bot.dingtalk import callback as dingtalk_callback
    from bot.wecom import callback as wecom_callback

    return [*dingtalk_callback.routes(context), *wecom_callback.routes(context)]


def connections_lifespan(context: AppContext):  # type: ignore[no-untyped-def]
    """The outbound connections that live as long as the app: DingTalk Stream, the WeCom AI bot."""
    settings = context.settings
    opened = []
    if settings.dingtalk_client_id and settings.dingtalk_client_secret:
        from bot.dingtalk.stream_app import stream_lifespan

        opened.append(stream_lifespan)
    if settings.wecom_bot_id and settings.wecom_bot_secret:
        from bot.wecom.aibot_app import aibot_lifespan

        opened.append(aibot_lifespan)
    if not opened:
        return None

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette):  # type: ignore[no-untyped-def]
        async with contextlib.AsyncExitStack() as stack:
            state: dict[str, object] = {}
            for enter in opened:
                state.update(await stack.enter_async_context(enter(context)))
            yield state

    return lifespan


def create_app(context: AppContext) -> Starlette:
    routes = [
        *health_routes(context),
        *metrics_routes(context),
        *download_routes(context),
        *messenger_callback_routes(context),
    ]
    slack_bolt = None
    if context.settings.slack_enabled:
        from bot.slack.app import create_bolt_app
        from bot.slack.http import slack_routes

        slack_bolt = create_bolt_app(context)
        routes += slack_routes(slack_bolt, http_events=context.settings.slack_signing_secret is not None)
    app = Starlette(routes=routes, lifespan=connections_lifespan(context))
    app.state.slack_bolt = slack_bolt
    return app
