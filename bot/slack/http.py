"""Starlette routes for Slack: ``POST /slack/events`` and, with OAuth, the install and redirect pages."""

from __future__ import annotations

from slack_bolt.adapter.starlette.async_handler import to_async_bolt_request, to_starlette_response
from slack_bolt.async_app import AsyncApp
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.request_body import BodyTooLarge, read_limited_body
from bot.slack.runtime import ACKS


def slack_routes(bolt_app: AsyncApp, *, http_events: bool = True) -> list[Route]:
    """``http_events=False`` (Socket Mode without a signing secret) leaves ``/slack/events`` unmounted:
    Bolt would otherwise check signatures against an empty secret."""

    async def events(request: Request) -> Response:
        try:
            body = await read_limited_body(request)
        except BodyTooLarge:
            return PlainTextResponse("request body too large", status_code=413)
        ACKS.enter()
        try:
            return to_starlette_response(await bolt_app.async_dispatch(to_async_bolt_request(request, body)))
        finally:
            ACKS.leave()

    async def install(request: Request) -> Response:
        assert bolt_app.oauth_flow is not None
        bolt_request = to_async_bolt_request(request, b"")
        return to_starlette_response(await bolt_app.oauth_flow.handle_installation(bolt_request))

    async def oauth_redirect(request: Request) -> Response:
        assert bolt_app.oauth_flow is not None
        bolt_request = to_async_bolt_request(request, b"")
        return to_starlette_response(await bolt_app.oauth_flow.handle_callback(bolt_request))

    routes = [Route("/slack/events", events, methods=["POST"])] if http_events else []
    if bolt_app.oauth_flow is not None:
        routes += [
            Route(bolt_app.oauth_flow.install_path, install, methods=["GET"]),
            Route(bolt_app.oauth_flow.redirect_uri_path, oauth_redirect, methods=["GET"]),
        ]
    return routes
