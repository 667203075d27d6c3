"""Files to Slack with the upload v2 flow (files.getUploadURLExternal → POST the bytes to the returned
upload_url → files.completeUploadExternal), as slack_sdk's ``files_upload_v2`` does it — with our retries.
"""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.render.chart_png import render_chart_png
from core.documents.models import Document
from handlers.card import Chart

logger = logging.getLogger(__name__)


async def upload_file(
    client: AsyncWebClient,
    *,
    filename: str,
    title: str,
    content: bytes,
    channel: str | None = None,
    thread_ts: str | None = None,
) -> str:
    """Upload ``content``; shared to ``channel`` (in ``thread_ts``) when given, private otherwise.

    Returns the file id. Raises ``SlackApiError`` once the retries are spent.
    """
    response = await client.files_upload_v2(
        filename=filename, title=title, content=content, channel=channel, thread_ts=thread_ts
    )
    return str(response["file"]["id"])


async def upload_document(
    client: AsyncWebClient, document: Document, *, channel: str, thread_ts: str | None
) -> str:
    return await upload_file(
        client,
        filename=document.filename,
        title=document.title,
        content=document.content,
        channel=channel,
        thread_ts=thread_ts,
    )


async def upload_chart(client: AsyncWebClient, chart: Chart) -> str | None:
    """Render the chart (in a worker thread: matplotlib is CPU-bound) and upload it privately for an image
    block (``slack_file``). None when it cannot be uploaded: the card then goes out without the image."""
    png = await asyncio.to_thread(render_chart_png, chart)
    try:
        return await upload_file(client, filename="chart.png", title=chart.title, content=png)
    except SlackClientError as error:
        logger.error("chart upload failed, card sent without it: %s", describe_error(error))
        return None


def describe_error(error: SlackClientError) -> str:
    """A short reason for logs and users: Slack's error code, or the HTTP status."""
    if isinstance(error, SlackApiError):
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        return str(code or f"HTTP {error.response.status_code}")
    return str(error)
