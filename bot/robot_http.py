"""One POST to a DingTalk/WeCom JSON API, with every failure mapped to a typed delivery error.

Both platforms answer HTTP 200 with ``{"errcode": 0, "errmsg": "ok", …}`` on success and a non-zero
``errcode`` otherwise. The caller names which codes mean "throttled" (with the platform's penalty) and which
mean "busy, try again"; every other non-zero code is permanent. Transport errors, timeouts, HTTP 429 and
5xx are retryable (``Retry-After`` is honoured when present); other HTTP errors are permanent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from bot.delivery_errors import DeliveryError, PermanentDeliveryError, RetryableDeliveryError

DEFAULT_RETRY_AFTER_S = 30.0

T = TypeVar("T")


@dataclass(frozen=True)
class ErrcodePolicy:
    platform: str
    throttled: Mapping[int, float] = field(default_factory=dict)  # errcode → seconds to wait
    busy: frozenset[int] = frozenset({-1})


def _retry_after(response: httpx.Response) -> float:
    try:
        return max(1.0, float(response.headers.get("Retry-After", DEFAULT_RETRY_AFTER_S)))
    except ValueError:
        return DEFAULT_RETRY_AFTER_S


def check_reply(body: Any, policy: ErrcodePolicy) -> dict[str, Any]:
    """The reply itself when ``errcode`` is 0; a typed error otherwise."""
    if not isinstance(body, dict):
        raise RetryableDeliveryError(
            "reply is not a JSON object", DEFAULT_RETRY_AFTER_S, platform=policy.platform
        )
    errcode = int(body.get("errcode", 0) or 0)
    if errcode == 0:
        return body
    message = f"{policy.platform} errcode {errcode}: {body.get('errmsg', '')}"
    if errcode in policy.throttled:
        raise RetryableDeliveryError(
            message, policy.throttled[errcode], platform=policy.platform, errcode=errcode
        )
    if errcode in policy.busy:
        raise RetryableDeliveryError(
            message, DEFAULT_RETRY_AFTER_S, platform=policy.platform, errcode=errcode
        )
    raise PermanentDeliveryError(message, platform=policy.platform, errcode=errcode)


def check_response(response: httpx.Response, policy: ErrcodePolicy) -> dict[str, Any]:
    if response.status_code == 429 or response.status_code >= 500:
        raise RetryableDeliveryError(
            f"{policy.platform} HTTP {response.status_code}",
            _retry_after(response),
            platform=policy.platform,
        )
    if response.status_code >= 400:
        raise PermanentDeliveryError(
            f"{policy.platform} HTTP {response.status_code}", platform=policy.platform
        )
    try:
        body = response.json()
    except ValueError as exc:
        raise RetryableDeliveryError(
            f"{policy.platform} answered non-JSON", DEFAULT_RETRY_AFTER_S, platform=policy.platform
        ) from exc
    return check_reply(body, policy)


def request_json(
    http: httpx.Client, method: str, url: str, policy: ErrcodePolicy, **kwargs: Any
) -> dict[str, Any]:
    """Send one request and return the accepted reply, or raise a typed delivery error."""
    try:
        response = http.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise RetryableDeliveryError(
            f"{policy.platform} timed out", DEFAULT_RETRY_AFTER_S, platform=policy.platform
        ) from exc
    except httpx.TransportError as exc:
        raise RetryableDeliveryError(
            f"{policy.platform} unreachable: {exc}", DEFAULT_RETRY_AFTER_S, platform=policy.platform
        ) from exc
    return check_response(response, policy)


def send_in_order(items: Sequence[T], send: Callable[[T], dict[str, Any]]) -> list[dict[str, Any]]:
    """Send each item in order; a failure records how many went through (``parts_sent``) and propagates."""
    replies: list[dict[str, Any]] = []
    for item in items:
        try:
            replies.append(send(item))
        except DeliveryError as error:
            error.parts_sent = len(replies)
            raise
    return replies
