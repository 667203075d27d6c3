"""The WeCom self-built app's message API: replies to users who wrote to the app.

``GET {WECOM_API_URL}/gettoken?corpid=…&corpsecret=…`` gives an ``access_token`` valid ``expires_in``
seconds (7200); it is cached until five minutes before expiry (WeCom rate-limits gettoken, so never fetch it
per message). ``POST {WECOM_API_URL}/message/send?access_token=…`` sends; when WeCom says the token is
invalid or expired (40001, 40014, 42001) the token is fetched again and the message retried once.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import httpx

from bot.delivery_errors import PermanentDeliveryError
from bot.rate_limit import Clock, SystemClock
from bot.robot_http import request_json, send_in_order
from bot.robot_markdown import Link
from bot.wecom.render import Message, app_messages
from bot.wecom.sender import POLICY
from handlers.card import Card

TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
TOKEN_MARGIN_S = 300.0


class WeComAppClient:
    def __init__(
        self,
        api_url: str,
        corp_id: str,
        secret: str,
        agent_id: int,
        *,
        http: httpx.Client | None = None,
        clock: Clock | None = None,
        timeout_s: float = 10.0,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.corp_id = corp_id
        self.secret = secret
        self.agent_id = agent_id
        self.http = http or httpx.Client()
        self.clock: Clock = clock or SystemClock()
        self.timeout_s = timeout_s
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def access_token(self) -> str:
        with self._lock:
            if self._token is not None and self.clock.monotonic() < self._expires_at:
                return self._token
            reply = request_json(
                self.http,
                "GET",
                f"{self.api_url}/gettoken",
                POLICY,
                params={"corpid": self.corp_id, "corpsecret": self.secret},
                timeout=self.timeout_s,
            )
            token = reply.get("access_token")
            if not isinstance(token, str) or not token:
                raise PermanentDeliveryError("gettoken reply has no access_token", platform="wecom")
            lifetime = float(reply.get("expires_in", 7200))
            self._token = token
            self._expires_at = self.clock.monotonic() + max(0.0, lifetime - TOKEN_MARGIN_S)
            return token

    def _forget_token(self) -> None:
        with self._lock:
            self._token = None

    def send(self, body: Message) -> dict[str, Any]:
        return self._call("message/send", body)

    def update_template_card(self, body: Message) -> dict[str, Any]:
        """``message/update_template_card``: replace a clicked card (``response_code`` of the click, once)."""
        return self._call("message/update_template_card", {**body, "agentid": self.agent_id})

    def _call(self, path: str, body: Message) -> dict[str, Any]:
        def post() -> dict[str, Any]:
            return request_json(
                self.http, "POST", f"{self.api_url}/{path}", POLICY,
                params={"access_token": self.access_token()}, json=body, timeout=self.timeout_s,
            )  # fmt: skip

        try:
            return post()
        except PermanentDeliveryError as error:
            if error.errcode not in TOKEN_ERRCODES:
                raise
            self._forget_token()
            return post()

    def send_card(
        self, card: Card, touser: str, downloads: Sequence[Link] | None = None
    ) -> list[dict[str, Any]]:
        return send_in_order(app_messages(card, touser, self.agent_id, downloads), self.send)
