"""Reading an inbound request body with a size limit, before anything parses it (Slack, DingTalk, WeCom).

Every messenger callback we serve receives small bodies (Slack's largest, a view submission with many
blocks, stays well under 64 KiB), so anything larger is refused with 413 without being read whole.
"""

from __future__ import annotations

from starlette.requests import Request

MAX_BODY_BYTES = 64 * 1024


class BodyTooLarge(ValueError):
    pass


async def read_limited_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The request body, refusing (``BodyTooLarge``) as soon as it exceeds ``limit``: a declared
    Content-Length is checked first, and a chunked body is cut off while streaming."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"body of {declared} bytes exceeds {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"body exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
