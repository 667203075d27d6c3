"""A fake Slack Web API on 127.0.0.1 (real HTTP, random port) that records every call.

* ``POST /api/<method>`` — Web API methods (form or JSON bodies). The bearer token must be one of
  ``tokens`` (else ``invalid_auth``, like Slack). Answers: auth.test, chat.postMessage, chat.postEphemeral,
  chat.update, views.open, conversations.open, files.getUploadURLExternal, files.completeUploadExternal,
  oauth.v2.access, apps.connections.open (the ``ws://`` URL from ``socket_mode_url``, see
  tests/fakes/slack_socket.py); any other method answers ``{"ok": true}``.
* ``POST /upload/<file_id>`` — the upload_url handed out by files.getUploadURLExternal (raw bytes).
* ``POST /response/<name>`` — response_urls (``server.response_url("cmd1")``).

``script(path, replies)`` queues scripted answers (429 with Retry-After, 5xx, Slack errors) for a path such
as ``"chat.update"`` or ``"/upload"`` or ``"/response"``; when the queue is empty the default applies.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TEAM_ID = "T0TEAM"
BOT_USER_ID = "U0BOT"


@dataclass(frozen=True)
class Scripted:
    status: int = 200
    body: Any = None  # dict → JSON; str → text/html; None → the default answer
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    kind: str  # "api" | "upload" | "response"
    name: str  # API method, file id or response name
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes = field(repr=False)
    status: int = 200  # what the fake answered


def _parse_body(content_type: str, raw: bytes, query: str) -> dict[str, Any]:
    """Query parameters and the form or JSON body, merged; JSON-valued fields (blocks, view, files) decoded."""
    parsed: dict[str, Any] = dict(urllib.parse.parse_qsl(query))
    if "json" in content_type:
        parsed.update(json.loads(raw or b"{}"))
    elif "x-www-form-urlencoded" in content_type:
        parsed.update(urllib.parse.parse_qsl(raw.decode()))
    for key in ("blocks", "view", "files"):
        if isinstance(parsed.get(key), str) and parsed[key][:1] in ("[", "{"):
            parsed[key] = json.loads(parsed[key])
    return parsed


class FakeSlack:
    def __init__(self, tokens: tuple[str, ...] = ("xoxb-test",)) -> None:
        self.tokens = set(tokens)
        self.socket_mode_url: Callable[[], str] | None = None  # e.g. FakeSocketMode.url
        self.calls: list[Call] = []
        self._scripts: dict[str, deque[Scripted]] = defaultdict(deque)
        self._lock = threading.Condition()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -- lifecycle -----------------------------------------------------------------------------------
    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base_url}/response/{name}"

    # -- scripting and inspection ----------------------------------------------------------------------
    def script(self, name: str, *replies: Scripted) -> None:
        with self._lock:
            self._scripts[name].extend(replies)

    def calls_to(self, kind: str, name: str | None = None) -> list[Call]:
        with self._lock:  # re-entrant: ``wait_for`` calls it while holding the lock
            return [c for c in self.calls if c.kind == kind and (name is None or c.name == name)]

    def api(self, method: str) -> list[Call]:
        return self.calls_to("api", method)

    def responses(self, name: str | None = None) -> list[Call]:
        return self.calls_to("response", name)

    def wait_for(
        self, kind: str, name: str | None = None, count: int = 1, timeout: float = 15.0
    ) -> list[Call]:
        """Block until ``count`` matching calls arrived (returns them) or fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = self.calls_to(kind, name)
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(c.kind, c.name, c.status) for c in self.calls]
                    raise AssertionError(f"expected {count} {kind} {name} call(s), got {len(found)}: {seen}")
                self._lock.wait(remaining)

    # -- answers -----------------------------------------------------------------------------------------
    def _default_api(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        ts = f"{int(time.time())}.{next(self._ids):06d}"
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://fake.slack.com/",
                "team": "Fake",
                "user": "memberops",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": "B0BOT",
            }
        if method == "chat.postMessage":
            return {
                "ok": True,
                "channel": body.get("channel"),
                "ts": ts,
                "message": {"text": body.get("text")},
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": ts}
        if method == "chat.update":
            return {
                "ok": True,
                "channel": body.get("channel"),
                "ts": body.get("ts"),
                "text": body.get("text"),
            }
        if method == "views.open":
            return {"ok": True, "view": {"id": f"V{next(self._ids)}"}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D0DM" + str(body.get("users", ""))}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):05d}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.base_url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = body.get("files") or []
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        if method == "apps.connections.open":
            if self.socket_mode_url is None:
                return {"ok": False, "error": "socket_mode_not_enabled"}
            return {"ok": True, "url": self.socket_mode_url()}
        if method == "oauth.v2.access":
            return {
                "ok": True,
                "access_token": "xoxb-installed",
                "token_type": "bot",
                "scope": "commands,chat:write",
                "bot_user_id": "U0INSTALLED",
                "app_id": "A0APP",
                "team": {"id": "T0NEW", "name": "New"},
                "enterprise": None,
                "is_enterprise_install": False,
                "authed_user": {"id": "U0ADMIN"},
            }
        return {"ok": True}

    def _answer(
        self, kind: str, name: str, headers: dict[str, str], raw: bytes, query: str = ""
    ) -> tuple[int, dict[str, str], bytes]:
        body = _parse_body(headers.get("content-type", ""), raw, query) if kind != "upload" else {}
        with self._lock:
            queue = self._scripts.get(name if kind == "api" else f"/{kind}")
            scripted = queue.popleft() if queue else None
        if scripted is not None and (scripted.body is not None or scripted.status != 200):
            status, extra = scripted.status, scripted.headers
            payload = scripted.body
            if isinstance(payload, dict):
                data, content_type = json.dumps(payload).encode(), "application/json"
            else:
                data, content_type = str(payload or "<html>error</html>").encode(), "text/html"
        elif kind == "api":
            status, extra, content_type = 200, {}, "application/json"
            auth = headers.get("authorization", "")
            if name != "oauth.v2.access" and auth.removeprefix("Bearer ") not in self.tokens:
                answer: dict[str, Any] = {"ok": False, "error": "invalid_auth"}
            else:
                answer = self._default_api(name, body)
            data = json.dumps(answer).encode()
        elif kind == "upload":
            status, extra, content_type, data = 200, {}, "text/plain", f"OK - {len(raw)}".encode()
        else:
            status, extra, content_type, data = 200, {}, "text/html", b"ok"
        with self._lock:
            self.calls.append(Call(kind, name, headers, body, raw, status))
            self._lock.notify_all()
        return status, {"Content-Type": content_type, **extra}, data

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                url = urllib.parse.urlparse(self.path)
                path = url.path
                _, prefix, name = path.split("/", 2) if path.count("/") >= 2 else ("", "", "")
                kind = {"api": "api", "upload": "upload", "response": "response"}.get(prefix)
                if kind is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, out_headers, data = fake._answer(kind, name, headers, raw, url.query)
                self.send_response(status)
                for key, value in out_headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


# -- the client side of the tests: signed requests to a running app ----------------------------------------


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Slack's v0 request signature: ``v0=`` + hex HMAC-SHA256 of ``v0:<timestamp>:<body>``."""
    import hashlib
    import hmac

    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    content_type: str = "application/x-www-form-urlencoded",
) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": slack_signature(secret, stamp, body),
    }


def command_body(command: str, text: str, response_url: str, **extra: str) -> bytes:
    fields = {
        "token": "legacy-unused",
        "team_id": TEAM_ID,
        "team_domain": "fake",
        "channel_id": "C0CHAN",
        "channel_name": "ops",
        "user_id": "U0USER",
        "user_name": "alice",
        "command": command,
        "text": text,
        "api_app_id": "A0APP",
        "response_url": response_url,
        "trigger_id": "1337.42.abcdef",
        **extra,
    }
    return urllib.parse.urlencode(fields).encode()


def event_body(event: dict[str, Any], *, event_id: str = "Ev0001") -> bytes:
    """An Events API ``event_callback`` envelope around ``event`` (send it with ``content_type`` JSON)."""
    envelope = {
        "token": "legacy-unused",
        "team_id": TEAM_ID,
        "api_app_id": "A0APP",
        "event": {"user": "U0USER", **event},
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }
    return json.dumps(envelope, ensure_ascii=False).encode()


def interaction_body(payload: dict[str, Any]) -> bytes:
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


def block_action_payload(
    action_id: str,
    value: str,
    response_url: str,
    *,
    message: dict[str, Any] | None = None,
    channel: str = "C0CHAN",
    message_ts: str = "1700000000.000100",
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "team": {"id": team_id, "domain": "fake"},
        "user": {"id": "U0USER", "username": "alice", "name": "alice", "team_id": team_id},
        "api_app_id": "A0APP",
        "token": "legacy-unused",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": "1337.42.abcdef",
        "channel": {"id": channel, "name": "ops"},
        "message": message or {"type": "message", "text": "alert", "ts": message_ts, "blocks": []},
        "response_url": response_url,
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b1",
                "type": "button",
                "value": value,
                "action_ts": "1700000001.1",
            }
        ],
    }


class ServerThread:
    """An ASGI app served by uvicorn on a free 127.0.0.1 port in a background thread (real HTTP)."""

    def __init__(self, app: Any, *, lifespan: str = "off") -> None:
        """``lifespan="on"`` runs the app's startup and shutdown as ``memberops serve`` does."""
        import socket

        import uvicorn

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan=lifespan)
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
