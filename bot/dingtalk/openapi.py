"""DingTalk's new OpenAPI (``api.dingtalk.com/v1.0``) for the enterprise-internal app: access tokens and
interactive cards.

* ``POST /v1.0/oauth2/accessToken`` {appKey, appSecret} → {accessToken, expireIn}: cached until five
  minutes before it expires; a 401 on a call forgets it and the call is made once more with a new one.
* ``POST /v1.0/card/instances/createAndDeliver``: a card from the imported template (``cardTemplateId``),
  ``outTrackId`` chosen by us, ``callbackType: STREAM`` (clicks arrive over the Stream connection), into a
  group (``openSpaceId = dtv1.card//IM_GROUP.<openConversationId>``, delivered by the robot ``robotCode``).
* ``PUT /v1.0/card/instances``: new card data for an ``outTrackId`` (snooze expiry, recovery).

Errors: HTTP 429, 5xx and the throttling codes (``…QpsLimit…``, ``Throttling…``) are retryable, as for the
robots; other 4xx are permanent (the outbox reports them).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from bot.delivery_errors import PermanentDeliveryError, RetryableDeliveryError

PLATFORM = "dingtalk"
TOKEN_MARGIN_S = 300
THROTTLED_RETRY_S = 60.0
TIMEOUT_S = 10.0


class DingTalkOpenAPI:
    def __init__(
        self,
        api_url: str,
        client_id: str,
        client_secret: str,
        *,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.http = http or httpx.Client(timeout=TIMEOUT_S)
        self.clock = clock
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def access_token(self) -> str:
        with self._lock:
            if self._token is not None and self.clock() < self._token[1]:
                return self._token[0]
            body = self._send(
                "POST", "/v1.0/oauth2/accessToken", {"appKey": self.client_id, "appSecret": self._secret}
            )
            token, expires_in = str(body["accessToken"]), float(body.get("expireIn", 7200))
            self._token = (token, self.clock() + expires_in - TOKEN_MARGIN_S)
            return token

    def call(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """An authorised call; a rejected token is replaced once."""
        try:
            return self._send(method, path, body, token=self.access_token())
        except PermanentDeliveryError as error:
            if "HTTP 401" not in str(error):
                raise
            with self._lock:
                self._token = None
            return self._send(method, path, body, token=self.access_token())

    def create_and_deliver(
        self,
        *,
        template_id: str,
        out_track_id: str,
        params: dict[str, str],
        conversation_id: str,
        robot_code: str,
    ) -> dict[str, Any]:
        return self.call(
            "POST",
            "/v1.0/card/instances/createAndDeliver",
            {
                "cardTemplateId": template_id,
                "outTrackId": out_track_id,
                "callbackType": "STREAM",
                "cardData": {"cardParamMap": params},
                "openSpaceId": f"dtv1.card//IM_GROUP.{conversation_id}",
                "imGroupOpenSpaceModel": {"supportForward": True},
                "imGroupOpenDeliverModel": {"robotCode": robot_code},
            },
        )

    def update_card(self, out_track_id: str, params: dict[str, str]) -> dict[str, Any]:
        return self.call(
            "PUT",
            "/v1.0/card/instances",
            {
                "outTrackId": out_track_id,
                "cardData": {"cardParamMap": params},
                "cardUpdateOptions": {"updateCardDataByKey": True},
            },
        )

    def _send(
        self, method: str, path: str, body: dict[str, Any], *, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"x-acs-dingtalk-access-token": token} if token else {}
        try:
            response = self.http.request(method, f"{self.api_url}{path}", json=body, headers=headers)
        except httpx.TransportError as error:  # timeouts included
            raise RetryableDeliveryError(f"DingTalk unreachable: {error}", 30.0, platform=PLATFORM) from error
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        code = str(payload.get("code", "")) if isinstance(payload, dict) else ""
        if (
            response.status_code == 429
            or response.status_code >= 500
            or "QpsLimit" in code
            or "Throttling" in code
        ):
            retry = float(response.headers.get("Retry-After", THROTTLED_RETRY_S) or THROTTLED_RETRY_S)
            raise RetryableDeliveryError(
                f"DingTalk HTTP {response.status_code} {code}", retry, platform=PLATFORM
            )
        if response.status_code >= 400:
            message = payload.get("message", "") if isinstance(payload, dict) else ""
            raise PermanentDeliveryError(
                f"DingTalk HTTP {response.status_code} {code}: {message}", platform=PLATFORM
            )
        return payload if isinstance(payload, dict) else {}
