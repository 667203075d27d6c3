"""DingTalk Stream frames and their acknowledgements, in the format of the official ``dingtalk-stream`` SDK.

A frame: ``{"specVersion", "type": "SYSTEM" | "EVENT" | "CALLBACK", "headers": {"messageId", "topic",
"contentType", "time", …}, "data": "<JSON text>"}``. Every frame is answered on the same socket with
``{"code": 200, "headers": {"messageId", "contentType": "application/json"}, "message": "OK", "data": "<JSON
text>"}``: a ``ping`` echoes its data, a callback carries ``{"response": …}`` (for a card callback: the card's
new data, which DingTalk applies in place).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

SYSTEM, EVENT, CALLBACK = "SYSTEM", "EVENT", "CALLBACK"
TOPIC_PING, TOPIC_DISCONNECT = "ping", "disconnect"
TOPIC_BOT_MESSAGE = "/v1.0/im/bot/messages/get"
TOPIC_CARD_CALLBACK = "/v1.0/card/instances/callback"
OK, NOT_IMPLEMENTED, ERROR = 200, 404, 500


class FrameError(ValueError):
    """Not a frame we can read."""


@dataclass(frozen=True)
class Frame:
    type: str
    topic: str
    message_id: str
    data: Any = None  # the parsed ``data`` text
    raw_data: str = ""
    headers: dict[str, Any] = field(default_factory=dict)


def parse_frame(text: str) -> Frame:
    try:
        frame = json.loads(text)
    except ValueError as error:
        raise FrameError(f"not JSON: {text[:80]!r}") from error
    if not isinstance(frame, dict) or not isinstance(frame.get("headers"), dict):
        raise FrameError("a frame is an object with headers")
    headers = frame["headers"]
    raw = frame.get("data") or ""
    try:
        data = json.loads(raw) if isinstance(raw, str) and raw else raw or None
    except ValueError:
        data = None  # acknowledged anyway; the handler sees no data
    return Frame(
        type=str(frame.get("type", "")),
        topic=str(headers.get("topic", "")),
        message_id=str(headers.get("messageId", "")),
        data=data,
        raw_data=raw if isinstance(raw, str) else json.dumps(raw),
        headers=headers,
    )


def ack(frame: Frame, *, code: int = OK, message: str = "OK", data: Any = None) -> dict[str, Any]:
    """The acknowledgement of ``frame``; ``data`` defaults to the frame's own data (a ping's echo)."""
    payload = frame.raw_data if data is None else json.dumps(data, ensure_ascii=False)
    return {
        "code": code,
        "headers": {"messageId": frame.message_id, "contentType": "application/json"},
        "message": message,
        "data": payload,
    }


def callback_ack(frame: Frame, response: Any, *, code: int = OK) -> dict[str, Any]:
    return ack(frame, code=code, message="OK" if code == OK else "error", data={"response": response})
