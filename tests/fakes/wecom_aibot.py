"""A fake WeCom 智能机器人 long-connection endpoint: an aiohttp WebSocket server on 127.0.0.1.

It plays the server side of ``aibot-node-sdk``'s protocol: the first frame must be ``aibot_subscribe``
{bot_id, secret} (wrong ones: errcode 40058 and the socket closed); ``ping`` is answered
``{"headers": {"req_id"}, "errcode": 0}``; ``aibot_respond_msg``, ``aibot_respond_update_msg`` and
``aibot_send_msg`` are recorded in ``received`` and answered the same way (or with a scripted errcode);
:meth:`push` sends callbacks (``aibot_msg_callback``, ``aibot_event_callback``) to the newest connection.
"""

from __future__ import annotations

import itertools
import json
import time
from collections import defaultdict, deque
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.aiohttp_thread import AiohttpThread

BOT_ID, BOT_SECRET = "aibot-1", "aibot-secret"
_ids = itertools.count(1)


def text_message(
    text: str, *, msgid: str | None = None, chatid: str = "chat-ops", userid: str = "zhangsan"
) -> dict[str, Any]:
    return {"cmd": "aibot_msg_callback", "headers": {"req_id": f"cb_{next(_ids)}"},
            "body": {"msgid": msgid or f"m{next(_ids)}", "aibotid": BOT_ID, "chatid": chatid, "chattype": "group",
                     "from": {"userid": userid}, "msgtype": "text", "text": {"content": text}}}  # fmt: skip


def card_event(task: str, key: str, *, msgid: str | None = None, userid: str = "zhangsan") -> dict[str, Any]:
    return {"cmd": "aibot_event_callback", "headers": {"req_id": f"ev_{next(_ids)}"},
            "body": {"msgid": msgid or f"e{next(_ids)}", "create_time": int(time.time()), "aibotid": BOT_ID,
                     "chatid": "chat-ops", "chattype": "group", "from": {"userid": userid}, "msgtype": "event",
                     "event": {"eventtype": "template_card_event", "event_key": key, "task_id": task}}}  # fmt: skip


def disconnected_event() -> dict[str, Any]:
    return {"cmd": "aibot_event_callback", "headers": {"req_id": f"ev_{next(_ids)}"},
            "body": {"msgid": f"d{next(_ids)}", "aibotid": BOT_ID, "msgtype": "event",
                     "event": {"eventtype": "disconnected_event"}}}  # fmt: skip


class FakeAIBot(AiohttpThread):
    def __init__(self) -> None:
        super().__init__()
        self.received: list[dict[str, Any]] = []  # every frame the app sent (subscribe and ping included)
        self.connections = 0
        self.subscribed = 0
        self.closed_connections = 0
        self._scripted: dict[str, deque[int]] = defaultdict(deque)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def script(self, cmd: str, errcode: int) -> None:
        self._scripted[cmd].append(errcode)

    def of(self, cmd: str) -> list[dict[str, Any]]:
        return [f for f in self.received if f.get("cmd") == cmd]

    def describe(self) -> str:
        return f"received {self.received}"

    def wait_subscribed(self, count: int = 1) -> None:
        self.wait(lambda: self.subscribed >= count, f"{count} subscription(s)")

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/", self._websocket)

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.append(socket)
        with self._lock:
            self.connections += 1
            self._lock.notify_all()
        subscribed = False
        try:
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(message.data)
                with self._lock:
                    self.received.append(frame)
                    self._lock.notify_all()
                rid = frame.get("headers", {}).get("req_id", "")
                cmd = frame.get("cmd", "")
                if not subscribed:
                    body = frame.get("body") or {}
                    good = cmd == "aibot_subscribe" and (body.get("bot_id"), body.get("secret")) == (
                        BOT_ID,
                        BOT_SECRET,
                    )
                    await socket.send_str(json.dumps({"headers": {"req_id": rid}, "errcode": 0 if good else 40058,
                                                      "errmsg": "ok" if good else "invalid bot"}))  # fmt: skip
                    if not good:
                        await socket.close()
                        break
                    subscribed = True
                    with self._lock:
                        self.subscribed += 1
                        self._lock.notify_all()
                    continue
                errcode = self._scripted[cmd].popleft() if self._scripted.get(cmd) else 0
                await socket.send_str(json.dumps({"headers": {"req_id": rid}, "errcode": errcode,
                                                  "errmsg": "ok" if errcode == 0 else "scripted"}))  # fmt: skip
        finally:
            with self._lock:
                self.closed_connections += 1
                self._lock.notify_all()
        return socket
