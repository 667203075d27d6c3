"""A fake DingTalk open platform: the custom robot webhook and callback session webhooks.

``POST /robot/send?access_token=…[&timestamp=…&sign=…]`` checks the token and, when the robot has a secret,
the signature — computed here independently from DingTalk's documentation (HMAC-SHA256 keyed by the secret
over ``"{timestamp}\\n{secret}"``, base64; the query value arrives URL-decoded) — and DingTalk's one-hour
window. Accepted messages land in ``robot_messages``; a bad token or signature gets DingTalk's errcodes
(300001, 310000) like the real service. ``POST /session/{id}`` stands in for a callback's
``sessionWebhook`` and records into ``session_messages``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from tests.fakes.robot_http_server import FakeReply, Received, RobotHTTPServer


def documented_sign(secret: str, timestamp: str) -> str:
    string_to_sign = timestamp + "\n" + secret
    mac = hmac.new(secret.encode("utf-8"), string_to_sign.encode("utf-8"), digestmod=hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("utf-8")


class FakeDingTalk(RobotHTTPServer):
    def __init__(self, access_token: str = "robot-token", secret: str | None = None) -> None:
        super().__init__()
        self.access_token = access_token
        self.secret = secret
        self.robot_messages: list[dict[str, Any]] = []
        self.session_messages: list[dict[str, Any]] = []

    @property
    def webhook_url(self) -> str:
        return f"{self.base_url}/robot/send?access_token={self.access_token}"

    def session_webhook(self, session: str = "s1") -> str:
        return f"{self.base_url}/session/{session}"

    def handle(self, request: Received) -> FakeReply:
        if request.path == "/robot/send":
            return self._robot(request)
        if request.path.startswith("/session/"):
            self.session_messages.append(request.json())
            return FakeReply()
        return FakeReply(404, {"errcode": 404, "errmsg": "no route"})

    def _robot(self, request: Received) -> FakeReply:
        if request.query.get("access_token") != self.access_token:
            return FakeReply(body={"errcode": 300001, "errmsg": "token is not exist"})
        if self.secret is not None:
            timestamp, sign = request.query.get("timestamp", ""), request.query.get("sign", "")
            fresh = timestamp.isdigit() and abs(time.time() * 1000 - int(timestamp)) < 3600 * 1000
            if not fresh or sign != documented_sign(self.secret, timestamp):
                return FakeReply(body={"errcode": 310000, "errmsg": "sign not match"})
        self.robot_messages.append(request.json())
        return FakeReply()
