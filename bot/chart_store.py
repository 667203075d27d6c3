"""Chart images served by us at ``{PUBLIC_BASE_URL}/charts/{token}.png`` (DingTalk shows images by URL).

A chart PNG is written once under an unguessable random token (128 bits) and served read-only; there is no
listing, so only someone given the message can fetch it. Files live in ``{DATA_DIR}/charts``; any replica
sharing that directory can serve them.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from handlers.card import Card, Chart

logger = logging.getLogger(__name__)

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")

T = TypeVar("T")


class ChartStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def put(self, png: bytes) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(16)
        (self.directory / f"{token}.png").write_bytes(png)
        return token

    def get(self, token: str) -> bytes | None:
        if not _TOKEN.match(token):
            return None
        path = self.directory / f"{token}.png"
        return path.read_bytes() if path.is_file() else None


def chart_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/charts/{token}.png"


def chart_publisher(
    store: ChartStore, base_url: str, render_png: Callable[[Chart], bytes]
) -> Callable[[Chart], str]:
    """A function chart → public image URL: render it, store it, link it."""

    def publish(chart: Chart) -> str:
        return chart_url(base_url, store.put(render_png(chart)))

    return publish


def chart_or_none(card: Card, make: Callable[[Chart], T] | None) -> T | None:
    """``make(card.chart)`` (a PNG, an image URL…), or None when there is no chart, no ``make``, or it
    failed: the card's text still goes out, without the image."""
    if card.chart is None or make is None:
        return None
    try:
        return make(card.chart)
    except Exception:
        logger.exception("chart for %r could not be made; sending the card without it", card.title)
        return None


def render_png(chart: Chart) -> bytes:
    """The default chart renderer (matplotlib is imported only when a chart is drawn)."""
    from bot.render.chart_png import render_chart_png

    return render_chart_png(chart)


def chart_route(store: ChartStore) -> Route:
    async def serve_chart(request: Request) -> Response:
        png = await asyncio.to_thread(store.get, request.path_params["token"])
        if png is None:
            return Response(status_code=404)
        return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})

    return Route("/charts/{token}.png", serve_chart, methods=["GET"])
