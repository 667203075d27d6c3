"""The one ASGI app served by ``memberops serve``: health now; Slack, downloads and callbacks mount here."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot.context import AppContext
from handlers.health import health_report


def create_app(context: AppContext) -> Starlette:
    async def healthz(_request: Request) -> JSONResponse:
        report = health_report(context.engine)
        return JSONResponse(report.model_dump(mode="json"), status_code=200 if report.ok else 503)

    return Starlette(routes=[Route("/healthz", healthz, methods=["GET"])])
