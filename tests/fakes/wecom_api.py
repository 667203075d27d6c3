"""A fake WeCom API: group robot (send, upload_media) and the app API (gettoken, message/send).

Checks what the real service checks, with its errcodes: the robot key (93000), markdown ≤ 4096 bytes for
the robot and ≤ 2048 for app messages (40058), an image's MD5 against its base64 data (40009), the corp id
and secret for ``gettoken`` (40013/40001), the access token on ``message/send`` (40014; 42001 once expired
with ``expire_token``). Accepted messages land in ``robot_messages`` / ``app_messages``; uploads in
``uploads`` (filename, content).
"""

from __future__ import annotations

import base64
import hashlib
from email.parser import BytesParser
from email.policy import default as default_policy
from typing import Any

from tests.fakes.robot_http_server import FakeReply, Received, RobotHTTPServer


def _error(code: int, message: str) -> FakeReply:
    return FakeReply(body={"errcode": code, "errmsg": message})


class FakeWeCom(RobotHTTPServer):
    def __init__(self, key: str = "robot-key", corp_id: str = "ww-corp", secret: str = "app-secret") -> None:
        super().__init__()
        self.key = key
        self.corp_id = corp_id
        self.secret = secret
        self.robot_messages: list[dict[str, Any]] = []
        self.app_messages: list[dict[str, Any]] = []
        self.uploads: list[tuple[str, bytes]] = []
        self.card_updates: list[dict[str, Any]] = []
        self._used_codes: set[str] = set()
        self.tokens_issued = 0
        self._valid_tokens: set[str] = set()
        self._expired_tokens: set[str] = set()

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}/cgi-bin/webhook/send?key={self.key}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/cgi-bin"

    def expire_token(self) -> None:
        self._expired_tokens |= self._valid_tokens
        self._valid_tokens.clear()

    def handle(self, request: Received) -> FakeReply:
        routes = {
            "/cgi-bin/webhook/send": self._robot_send,
            "/cgi-bin/webhook/upload_media": self._upload,
            "/cgi-bin/gettoken": self._gettoken,
            "/cgi-bin/message/send": self._app_send,
            "/cgi-bin/message/update_template_card": self._update_card,
        }
        route = routes.get(request.path)
        return route(request) if route else FakeReply(404, {"errcode": 404, "errmsg": "no route"})

    def _robot_send(self, request: Received) -> FakeReply:
        if request.query.get("key") != self.key:
            return _error(93000, "invalid webhook url")
        message = request.json()
        kind = message.get("msgtype")
        if kind == "markdown" and len(message["markdown"]["content"].encode()) > 4096:
            return _error(40058, "markdown.content exceed max length 4096")
        if kind == "image":
            raw = base64.b64decode(message["image"]["base64"])
            if hashlib.md5(raw).hexdigest() != message["image"]["md5"]:
                return _error(40009, "invalid image md5")
        if kind == "file" and message["file"]["media_id"] not in {
            f"media-{i}" for i in range(len(self.uploads))
        }:
            return _error(40007, "invalid media_id")
        self.robot_messages.append(message)
        return FakeReply()

    def _upload(self, request: Received) -> FakeReply:
        if request.query.get("key") != self.key or request.query.get("type") != "file":
            return _error(93000, "invalid webhook url")
        head = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
        form = BytesParser(policy=default_policy).parsebytes(head + request.body)
        for part in form.iter_parts():
            if part.get_param("name", header="content-disposition") == "media":
                self.uploads.append((part.get_filename() or "", part.get_payload(decode=True) or b""))
                media_id = f"media-{len(self.uploads) - 1}"
                return FakeReply(body={"errcode": 0, "errmsg": "ok", "type": "file", "media_id": media_id})
        return _error(40004, "no media part")

    def _gettoken(self, request: Received) -> FakeReply:
        if request.query.get("corpid") != self.corp_id:
            return _error(40013, "invalid corpid")
        if request.query.get("corpsecret") != self.secret:
            return _error(40001, "invalid credential")
        self.tokens_issued += 1
        token = f"ACCESS-{self.tokens_issued}"
        self._valid_tokens.add(token)
        return FakeReply(body={"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})

    def _app_send(self, request: Received) -> FakeReply:
        token = request.query.get("access_token", "")
        if token in self._expired_tokens:
            return _error(42001, "access_token expired")
        if token not in self._valid_tokens:
            return _error(40014, "invalid access_token")
        message = request.json()
        if message.get("msgtype") == "markdown" and len(message["markdown"]["content"].encode()) > 2048:
            return _error(40058, "markdown.content exceed max length 2048")
        self.app_messages.append(message)
        return FakeReply(body={"errcode": 0, "errmsg": "ok", "msgid": f"m{len(self.app_messages)}"})

    def _update_card(self, request: Received) -> FakeReply:
        """A clicked card replaced once per ``response_code`` (WeCom: valid 72 h, one use)."""
        if request.query.get("access_token", "") not in self._valid_tokens:
            return _error(40014, "invalid access_token")
        body = request.json()
        code = body.get("response_code")
        if not code or code in self._used_codes:
            return _error(40058, "invalid response_code")
        self._used_codes.add(code)
        self.card_updates.append(body)
        return FakeReply(body={"errcode": 0, "errmsg": "ok", "invaliduser": []})
