"""A fake DingTalk open platform for the enterprise-internal app: the Stream gateway and the OpenAPI.

An aiohttp server on 127.0.0.1 in a background thread, speaking what DingTalk speaks:

* ``POST /v1.0/gateway/connections/open`` {clientId, clientSecret, subscriptions, ua} → {endpoint, ticket};
  wrong credentials → 401. ``GET /connect?ticket=…`` upgrades to the WebSocket once per ticket (a reused or
  unknown ticket is refused with 401, like DingTalk's single-use tickets).
* frames pushed with :meth:`push` (builders below); every text frame the app sends back is recorded in
  ``acks`` (ping echoes and callback answers alike);
* ``POST /v1.0/oauth2/accessToken`` {appKey, appSecret} → {accessToken, expireIn}; the card endpoints
  ``POST /v1.0/card/instances/createAndDeliver`` and ``PUT /v1.0/card/instances`` need the header
  ``x-acs-dingtalk-access-token``; ``script(path, status, body)`` queues failures (429, 5xx, …);
* ``POST /session/{id}`` stands in for a message's ``sessionWebhook``.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections import defaultdict, deque
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.aiohttp_thread import AiohttpThread

CLIENT_ID, CLIENT_SECRET = "ding-client", "ding-secret"


def frame(kind: str, topic: str, message_id: str, data: Any) -> dict[str, Any]:
    return {
        "specVersion": "1.0",
        "type": kind,
        "headers": {"messageId": message_id, "topic": topic, "contentType": "application/json",
                    "time": str(int(time.time() * 1000)), "appId": "app-1"},
        "data": json.dumps(data, ensure_ascii=False),
    }  # fmt: skip


def ping(message_id: str = "ping-1") -> dict[str, Any]:
    return frame("SYSTEM", "ping", message_id, {"opaque": message_id})


def disconnect(message_id: str = "bye-1") -> dict[str, Any]:
    return frame("SYSTEM", "disconnect", message_id, {"reason": "server is restarting"})


def bot_message(message_id: str, text: str, session_webhook: str, *, conversation_id: str = "cid-group-1",
                msg_id: str | None = None, sender: str = "staff1", nick: str = "张三") -> dict[str, Any]:  # fmt: skip
    return frame("CALLBACK", "/v1.0/im/bot/messages/get", message_id, {
        "conversationId": conversation_id, "conversationType": "2", "msgId": msg_id or f"msg-{message_id}",
        "senderNick": nick, "senderStaffId": sender, "sessionWebhook": session_webhook,
        "sessionWebhookExpiredTime": int(time.time() * 1000) + 3_600_000, "msgtype": "text",
        "text": {"content": text}, "robotCode": CLIENT_ID,
    })  # fmt: skip


def card_click(message_id: str, out_track_id: str, action: str, *, user_id: str = "staff1") -> dict[str, Any]:
    content = {"cardPrivateData": {"actionIds": [action], "params": {"action": action}}}
    return frame("CALLBACK", "/v1.0/card/instances/callback", message_id, {
        "outTrackId": out_track_id, "userId": user_id, "corpId": "corp-1", "type": "actionCallback",
        "content": json.dumps(content),
    })  # fmt: skip


class FakeDingTalkOpen(AiohttpThread):
    def __init__(self) -> None:
        super().__init__()
        self.acks: list[dict[str, Any]] = []
        self.opened: list[dict[str, Any]] = []  # bodies of connections/open
        self.tickets: dict[str, bool] = {}  # ticket → used
        self.refused_tickets = 0
        self.connections = 0
        self.closed_connections = 0
        self.token_requests = 0
        self.cards: list[dict[str, Any]] = []  # createAndDeliver bodies accepted
        self.updates: list[dict[str, Any]] = []  # PUT bodies accepted
        self.session_messages: list[dict[str, Any]] = []
        self.drop_on_ack: set[str] = set()  # message ids whose ack is "lost": the socket drops instead
        self.calls: list[tuple[str, str, int]] = []  # (method, path, status)
        self._scripted: dict[str, deque[tuple[int, dict[str, Any]]]] = defaultdict(deque)
        self._tokens: set[str] = set()
        self._counter = itertools.count(1)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def session_webhook(self, name: str = "s1") -> str:
        return f"{self.api_url}/session/{name}"

    def script(self, path: str, status: int, body: dict[str, Any] | None = None) -> None:
        self._scripted[path].append((status, body or {}))

    # -- driving ---------------------------------------------------------------------------------------
    def describe(self) -> str:
        return f"acks {self.acks}, calls {self.calls}"

    def wait_connected(self, count: int = 1) -> None:
        self.wait(lambda: self.connections >= count and any(not s.closed for s in self._sockets),
                  f"{count} connection(s)")  # fmt: skip

    def acks_of(self, message_id: str) -> list[dict[str, Any]]:
        return [a for a in self.acks if a.get("headers", {}).get("messageId") == message_id]

    def wait_ack(self, message_id: str, count: int = 1) -> dict[str, Any]:
        self.wait(lambda: len(self.acks_of(message_id)) >= count, f"{count} ack(s) of {message_id}")
        return self.acks_of(message_id)[-1]

    # -- the server ------------------------------------------------------------------------------------
    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1.0/gateway/connections/open", self._open)
        app.router.add_get("/connect", self._websocket)
        app.router.add_post("/v1.0/oauth2/accessToken", self._token)
        app.router.add_post("/v1.0/card/instances/createAndDeliver", self._create)
        app.router.add_put("/v1.0/card/instances", self._update)
        app.router.add_post("/session/{name}", self._session)

    def _note(self, method: str, path: str, status: int) -> None:
        with self._lock:
            self.calls.append((method, path, status))
            self._lock.notify_all()

    def _scripted_reply(self, request: web.Request) -> web.Response | None:
        queue = self._scripted.get(request.path)
        if queue:
            status, body = queue.popleft()
            self._note(request.method, request.path, status)
            return web.json_response(body, status=status)
        return None

    async def _open(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (body.get("clientId"), body.get("clientSecret")) != (CLIENT_ID, CLIENT_SECRET):
            self._note("POST", request.path, 401)
            return web.json_response(
                {"code": "InvalidAuthentication", "message": "bad credentials"}, status=401
            )
        ticket = uuid.uuid4().hex
        with self._lock:
            self.opened.append(body)
            self.tickets[ticket] = False
        self._note("POST", request.path, 200)
        return web.json_response({"endpoint": f"ws://127.0.0.1:{self.port}/connect", "ticket": ticket})

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        with self._lock:
            usable = self.tickets.get(ticket) is False
            if usable:
                self.tickets[ticket] = True
            else:
                self.refused_tickets += 1
        if not usable:
            return web.Response(status=401, text="ticket used or unknown")
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.append(socket)
        with self._lock:
            self.connections += 1
            self._lock.notify_all()
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    answer = json.loads(message.data)
                    dropped = answer.get("headers", {}).get("messageId") in self.drop_on_ack
                    if dropped:  # the connection breaks before the ack arrives: DingTalk will redeliver
                        self.drop_on_ack.discard(answer["headers"]["messageId"])
                        await socket.close()
                        break
                    with self._lock:
                        self.acks.append(answer)
                        self._lock.notify_all()
        finally:
            with self._lock:
                self.closed_connections += 1
                self._lock.notify_all()
        return socket

    async def _token(self, request: web.Request) -> web.Response:
        scripted = self._scripted_reply(request)
        if scripted is not None:
            return scripted
        body = await request.json()
        if (body.get("appKey"), body.get("appSecret")) != (CLIENT_ID, CLIENT_SECRET):
            self._note("POST", request.path, 400)
            return web.json_response({"code": "invalidClientIdOrSecret", "message": "bad app"}, status=400)
        token = f"tok-{next(self._counter)}"
        with self._lock:
            self._tokens.add(token)
            self.token_requests += 1
        self._note("POST", request.path, 200)
        return web.json_response({"accessToken": token, "expireIn": 7200})

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("x-acs-dingtalk-access-token", "") in self._tokens

    async def _create(self, request: web.Request) -> web.Response:
        return await self._card_call(request, self.cards)

    async def _update(self, request: web.Request) -> web.Response:
        return await self._card_call(request, self.updates)

    async def _card_call(self, request: web.Request, into: list[dict[str, Any]]) -> web.Response:
        if not self._authorised(request):
            self._note(request.method, request.path, 401)
            return web.json_response({"code": "InvalidAuthentication", "message": "token"}, status=401)
        scripted = self._scripted_reply(request)
        if scripted is not None:
            return scripted
        body = await request.json()
        with self._lock:
            into.append(body)
        self._note(request.method, request.path, 200)
        return web.json_response({"success": True, "result": {"outTrackId": body.get("outTrackId")}})

    async def _session(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._lock:
            self.session_messages.append(body)
            self._lock.notify_all()
        return web.json_response({"errcode": 0, "errmsg": "ok"})
