"""``GET/POST /wecom/callback``: a WeCom self-built app's callback — URL check, then commands.

* GET (URL verification, done once when the callback URL is saved in the admin console): check
  ``msg_signature`` over ``echostr``, decrypt it, and answer the plaintext.
* POST (a user wrote to the app): check ``msg_signature`` over the XML's ``Encrypt``, decrypt it (the receive
  id must be our ``WECOM_CORP_ID``), acknowledge at once with an empty 200, then run the command in a worker
  thread (Starlette ``BackgroundTask``) and reply through the app message API (``app_client``).

Refused with 401: a bad signature, something that does not decrypt for our corp, a ``timestamp`` older
than an hour or in the future. Duplicates are not run twice: the ``msg_signature`` and the message's
``MsgId`` go through ``storage.replay_guard``; a duplicate is answered 200 (WeCom re-posts a message it
thinks went unanswered, and a 4xx would only make it try again) but nothing runs.
"""

from __future__ import annotations

import datetime as dt
import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import httpx
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bot.context import AppContext
from bot.delivery_errors import DeliveryError
from bot.download_links import attachment_links
from bot.rate_limit import Clock, SystemClock
from bot.request_body import BodyTooLarge, read_limited_body
from bot.wecom.app_client import WeComAppClient
from bot.wecom.card_clicks import apply_card_click, parse_card_event
from bot.wecom.crypto import WeComCrypto, WeComCryptoError
from handlers.dispatch import run_command
from storage.replay_guard import first_time

logger = logging.getLogger(__name__)

MAX_AGE_S = 3600
MAX_FUTURE_SKEW_S = 60
REPLAY_KEEP_S = MAX_AGE_S + 120


@dataclass(frozen=True)
class InboundText:
    user: str
    text: str
    msg_id: str


def parse_xml(raw: bytes | str) -> ET.Element | None:
    """An XML element, or None; documents with a DOCTYPE (entity tricks) are refused outright."""
    data = raw.encode() if isinstance(raw, str) else raw
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        return None
    try:
        return ET.fromstring(data)
    except ET.ParseError:
        return None


def parse_text_message(xml: str) -> InboundText | None:
    """The sender and text of a decrypted ``text`` message; None for events and other message types."""
    root = parse_xml(xml)
    if root is None or root.findtext("MsgType") != "text":
        return None
    user = root.findtext("FromUserName") or ""
    if not user:
        return None
    return InboundText(
        user=user, text=(root.findtext("Content") or "").strip(), msg_id=root.findtext("MsgId") or ""
    )


def is_fresh(timestamp: str, now_s: float) -> bool:
    if not timestamp.isdigit():
        return False
    sent = int(timestamp)
    return now_s - sent <= MAX_AGE_S and sent - now_s <= MAX_FUTURE_SKEW_S


def signature_params(request: Request) -> tuple[str, str, str]:
    """``(msg_signature, timestamp, nonce)`` from the query string; empty strings for missing ones."""
    query = request.query_params
    return query.get("msg_signature", ""), query.get("timestamp", ""), query.get("nonce", "")


def _unauthorised(reason: str) -> PlainTextResponse:
    return PlainTextResponse(reason, status_code=401)


def build_app_client(context: AppContext, http: httpx.Client | None, clock: Clock) -> WeComAppClient | None:
    settings = context.settings
    if settings.wecom_secret is None or not settings.wecom_agent_id or not settings.wecom_corp_id:
        return None
    return WeComAppClient(
        settings.wecom_api_url,
        settings.wecom_corp_id,
        settings.wecom_secret.get_secret_value(),
        int(settings.wecom_agent_id),
        http=http,
        clock=clock,
    )


def routes(
    context: AppContext, *, clock: Clock | None = None, http: httpx.Client | None = None
) -> list[Route]:
    """``/wecom/callback``; none unless ``WECOM_TOKEN``, ``WECOM_ENCODING_AES_KEY`` and ``WECOM_CORP_ID`` are set."""
    settings = context.settings
    if settings.wecom_token is None or settings.wecom_encoding_aes_key is None or not settings.wecom_corp_id:
        return []
    crypto = WeComCrypto(
        settings.wecom_token.get_secret_value(),
        settings.wecom_encoding_aes_key.get_secret_value(),
        settings.wecom_corp_id,
    )
    wall: Clock = clock or SystemClock()
    app_client = build_app_client(context, http, wall)

    def answer(message: InboundText) -> None:
        if app_client is None:
            logger.error(
                "WeCom message from %s not answered: set WECOM_SECRET and WECOM_AGENT_ID", message.user
            )
            return
        card = run_command(message.text, context.handler_context())
        try:
            app_client.send_card(card, message.user, attachment_links(card, settings))
        except DeliveryError:
            logger.exception("WeCom reply to %s failed", message.user)

    async def verify_url(request: Request) -> PlainTextResponse:
        signature, timestamp, nonce = signature_params(request)
        echostr = request.query_params.get("echostr", "")
        if not (signature and timestamp and nonce and echostr):
            return PlainTextResponse("missing parameters", status_code=400)
        if not is_fresh(timestamp, wall.time()):
            return _unauthorised("stale timestamp")
        try:
            return PlainTextResponse(crypto.decrypt_verified(signature, timestamp, nonce, echostr))
        except WeComCryptoError:
            return _unauthorised("invalid signature")

    async def receive(request: Request) -> PlainTextResponse:
        signature, timestamp, nonce = signature_params(request)
        if not (signature and timestamp and nonce):
            return PlainTextResponse("missing parameters", status_code=400)
        now_s = wall.time()
        if not is_fresh(timestamp, now_s):
            return _unauthorised("stale timestamp")
        try:
            raw = await read_limited_body(request)
        except BodyTooLarge:
            return PlainTextResponse("body too large", status_code=413)
        envelope = parse_xml(raw)
        encrypt = envelope.findtext("Encrypt") if envelope is not None else None
        if not encrypt:
            return PlainTextResponse("no Encrypt element", status_code=400)
        try:
            plain = crypto.decrypt_verified(signature, timestamp, nonce, encrypt)
        except WeComCryptoError:
            return _unauthorised("invalid signature")
        now = dt.datetime.fromtimestamp(now_s, dt.UTC)
        if not await run_in_threadpool(
            first_time, context.engine, "wecom", signature, now, keep_s=REPLAY_KEEP_S
        ):
            return PlainTextResponse("")
        clicked = parse_card_event(parse_xml(plain))
        if clicked is not None:
            return PlainTextResponse(
                "", background=BackgroundTask(apply_card_click, clicked, context, app_client)
            )
        message = parse_text_message(plain)
        if message is None:
            return PlainTextResponse("")
        if message.msg_id and not await run_in_threadpool(
            first_time, context.engine, "wecom-msg", message.msg_id, now, keep_s=REPLAY_KEEP_S
        ):
            return PlainTextResponse("")
        return PlainTextResponse("", background=BackgroundTask(answer, message))

    return [
        Route("/wecom/callback", verify_url, methods=["GET"]),
        Route("/wecom/callback", receive, methods=["POST"]),
    ]
