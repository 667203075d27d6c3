"""A tiny threaded HTTP server on 127.0.0.1 (random port) for the DingTalk and WeCom fakes.

Subclasses implement ``handle(request) -> FakeReply``; every request is recorded. ``script`` queues replies
that override the normal answer for the next requests to a path prefix (errcode ≠ 0, 429, 5xx…).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class FakeReply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class RobotHTTPServer:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._scripts: dict[str, list[FakeReply]] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def script(self, path_prefix: str, *replies: FakeReply) -> None:
        """The next requests whose path starts with ``path_prefix`` get these replies, in order."""
        with self._lock:
            self._scripts.setdefault(path_prefix, []).extend(replies)

    def handle(self, request: Received) -> FakeReply:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self) -> RobotHTTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _reply_for(self, request: Received) -> FakeReply:
        with self._lock:
            self.requests.append(request)
            for prefix, queue in self._scripts.items():
                if request.path.startswith(prefix) and queue:
                    return queue.pop(0)
        return self.handle(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Received(
                    method=self.command,
                    path=parts.path,
                    query=dict(parse_qsl(parts.query)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                reply = server._reply_for(request)
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _serve
            do_POST = _serve

        return Handler
