"""Slack Web API and response_url clients pointed at ``SLACK_API_URL``, with retries that slack_sdk lacks.

By default slack_sdk retries only connection errors. We add its ``RateLimitErrorRetryHandler`` (a 429
waits for ``Retry-After`` and tries again) and our ``ServerErrorRetry`` for every 5xx (500–599, not only
500/503 as slack_sdk's own handler) with exponential back-off. After the last retry the error surfaces as
``SlackApiError`` (Web API) or a non-200 status (response_url) — the caller logs it and tells the user.

Only the asynchronous clients (the Bolt app) retry here: the alert channel's synchronous ``WebClient``
(``scheduler.channels``) has no retry handlers on purpose, because the delivery outbox retries instead.
"""

from __future__ import annotations

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

SERVER_ERROR_RETRIES = 2
RATE_LIMIT_RETRIES = 3
BACKOFF_FACTOR_S = 0.5  # waits 0.5 s, then 1 s
TIMEOUT_S = 20


class ServerErrorRetry(AsyncRetryHandler):
    """Retry any 5xx answer with exponential back-off."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and 500 <= response.status_code <= 599


def async_retry_handlers() -> list[AsyncRetryHandler]:
    return [
        AsyncConnectionErrorRetryHandler(),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ServerErrorRetry(
            max_retry_count=SERVER_ERROR_RETRIES,
            interval_calculator=BackoffRetryIntervalCalculator(backoff_factor=BACKOFF_FACTOR_S),
        ),
    ]


def async_web_client(api_url: str, token: str | None = None) -> AsyncWebClient:
    """``api_url`` keeps its trailing ``/`` (slack_sdk joins method names onto it)."""
    return AsyncWebClient(
        token=token, base_url=api_url, timeout=TIMEOUT_S, retry_handlers=async_retry_handlers()
    )


def response_url_client(response_url: str) -> AsyncWebhookClient:
    """Posts to the ``response_url`` Slack gave us (wherever it points), with the same retries."""
    return AsyncWebhookClient(url=response_url, timeout=TIMEOUT_S, retry_handlers=async_retry_handlers())
