"""A scripted OpenAI-compatible HTTP server on 127.0.0.1 for tests.

It speaks ``POST /v1/chat/completions``: each request is recorded (path, headers, JSON body) and answered
with the next scripted ``FakeReply`` (the last one repeats when the script runs out).  The real ``openai``
SDK points at it with ``openai.OpenAI(api_key="test", base_url=server.base_url)``.

Slow and stalled replies wait on an event that ``close()`` sets, so shutting the server down never waits for
a stalled handler.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class FakeReply:
    """One scripted answer.  ``delay_s`` waits before answering; ``trickle_s`` sends headers at once and
    then the body one byte every ``trickle_s`` seconds (which defeats a per-read timeout)."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    trickle_s: float = 0.0


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received; header names are lower-cased (``headers["authorization"]``)."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


def completion_body(
    content: str | None,
    *,
    refusal: str | None = None,
    finish_reason: str = "stop",
    prompt_tokens: int = 100,
    completion_tokens: int = 50,
    model: str = "fake-model",
) -> dict[str, Any]:
    """A ``chat.completion`` object with one choice."""
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def reply_with(content: str, **kwargs: Any) -> FakeReply:
    """A 200 answer whose assistant message is ``content``."""
    return FakeReply(body=completion_body(content), **kwargs)


def reply_json(obj: Any, **kwargs: Any) -> FakeReply:
    """A 200 answer whose assistant message is ``obj`` serialised as JSON."""
    return reply_with(json.dumps(obj, ensure_ascii=False), **kwargs)


def error_reply(
    status: int, message: str, *, headers: dict[str, str] | None = None, **kwargs: Any
) -> FakeReply:
    """An OpenAI-style error answer."""
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}
    return FakeReply(status=status, body=body, headers=headers or {}, **kwargs)


class FakeOpenAIServer:
    """Context manager: ``with FakeOpenAIServer([reply_json({...})]) as server: ...``."""

    def __init__(self, script: list[FakeReply] | None = None) -> None:
        self._script: list[FakeReply] = list(script or [])
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self.requests: list[RecordedRequest] = []
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: FakeReply) -> None:
        """Replace the remaining script."""
        with self._lock:
            self._script = list(replies)

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _next_reply(self) -> FakeReply:
        with self._lock:
            if not self._script:
                return error_reply(500, "fake server: script exhausted")
            return self._script.pop(0) if len(self._script) > 1 else self._script[0]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else {}
                with server._lock:
                    server.requests.append(
                        RecordedRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                reply = (
                    server._next_reply()
                    if self.path.endswith("/chat/completions")
                    else error_reply(404, f"fake server: no route {self.path}")
                )
                if reply.delay_s and server._closing.wait(reply.delay_s):
                    return
                self._send(reply)

            def _send(self, reply: FakeReply) -> None:
                payload = reply.body if isinstance(reply.body, str | bytes) else json.dumps(reply.body)
                data = payload.encode() if isinstance(payload, str) else payload
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    if not reply.trickle_s:
                        self.wfile.write(data)
                        return
                    for index in range(len(data)):
                        if server._closing.wait(reply.trickle_s):
                            return
                        self.wfile.write(data[index : index + 1])
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return

        return Handler
