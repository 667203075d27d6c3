"""One logical chat call under a hard deadline, with our own retry loop.

The SDK's ``timeout`` is per attempt and its retry loop honours ``Retry-After`` up to 120 s, so neither can
keep a card's deadline.  Every attempt is therefore made with ``client.with_options(timeout=remaining,
max_retries=0)`` and runs in a daemon thread that we wait on for at most the remaining budget: an endpoint
that accepts the request and then stalls (or trickles bytes, which resets httpx's read timeout) cannot hold
the caller past the deadline.  The abandoned thread ends by itself when the SDK timeout fires.

Retries (a plain loop rather than tenacity, because every wait is decided against the remaining budget):

* 429: wait ``Retry-After`` (or a short backoff) and retry, unless the wait does not fit in the remaining
  budget, in which case we give up at once with ``rate_limited``;
* 5xx and connection errors: short exponential backoff (0.25 s, 0.5 s) while it fits, then ``http_<code>`` /
  ``connection_error``;
* a 400/422 saying ``response_format`` / ``json_schema`` is unsupported: retry the same call without
  structured output and remember, for this transport, that the endpoint lacks it;
* timeouts, other 4xx, refusals and empty replies are final.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import openai
from pydantic import BaseModel

from core.ai.schema_format import response_format_for

MIN_ATTEMPT_S = 0.05
MAX_TRANSIENT_RETRIES = 2
BASE_BACKOFF_S = 0.25

T = TypeVar("T")


class CallFailure(Exception):
    """The model cannot give an answer in time; ``reason`` is what the result and the record report."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class CallTally:
    """HTTP attempts and token usage accumulated over one ``narrate`` call."""

    attempts: int = 0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def add_usage(self, usage: Any) -> None:
        if usage is None:
            return
        self.prompt_tokens = (self.prompt_tokens or 0) + (usage.prompt_tokens or 0)
        self.completion_tokens = (self.completion_tokens or 0) + (usage.completion_tokens or 0)


@dataclass(frozen=True)
class Deadline:
    expires_at: float
    clock: Callable[[], float]

    def remaining(self) -> float:
        return self.expires_at - self.clock()


class ChatTransport:
    """Chat completions for one client and model; remembers whether the endpoint has structured output."""

    def __init__(
        self,
        client: openai.OpenAI,
        model: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._model = model
        self._sleep = sleep
        self.structured_output_supported = True

    def complete(
        self,
        messages: list[dict[str, Any]],
        schema: type[BaseModel],
        deadline: Deadline,
        tally: CallTally,
    ) -> str:
        """The reply text, or ``CallFailure``; never returns after ``deadline`` (to thread-wake precision)."""
        retries = 0
        while True:
            structured = self.structured_output_supported
            try:
                completion = self._attempt(messages, schema if structured else None, deadline, tally)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as error:
                if structured and _rejects_structured_output(error):
                    self.structured_output_supported = False
                    continue
                raise CallFailure(f"http_{error.status_code}") from error
            except openai.RateLimitError as error:
                wait = _retry_after_s(error.response.headers)
                self._wait_or_fail(wait, retries, deadline, "rate_limited")
            except openai.InternalServerError as error:
                self._wait_or_fail(None, retries, deadline, f"http_{error.status_code}")
            except openai.APITimeoutError as error:
                raise CallFailure("timeout") from error
            except openai.APIConnectionError:
                self._wait_or_fail(None, retries, deadline, "connection_error")
            except openai.APIStatusError as error:
                raise CallFailure(f"http_{error.status_code}") from error
            else:
                return _reply_text(completion)
            retries += 1

    def _attempt(
        self,
        messages: list[dict[str, Any]],
        schema: type[BaseModel] | None,
        deadline: Deadline,
        tally: CallTally,
    ) -> Any:
        remaining = deadline.remaining()
        if remaining < MIN_ATTEMPT_S:
            raise CallFailure("timeout")
        extra: dict[str, Any] = {"response_format": response_format_for(schema)} if schema else {}
        client = self._client.with_options(timeout=remaining, max_retries=0)
        tally.attempts += 1
        completion = run_with_deadline(
            lambda: client.chat.completions.create(model=self._model, messages=messages, **extra), remaining
        )
        tally.add_usage(getattr(completion, "usage", None))
        return completion

    def _wait_or_fail(self, wait_s: float | None, retries: int, deadline: Deadline, reason: str) -> None:
        """Sleep before the next retry if that retry still fits in the budget; otherwise fail with ``reason``."""
        delay = wait_s if wait_s is not None else BASE_BACKOFF_S * 2**retries
        if retries >= MAX_TRANSIENT_RETRIES or delay + MIN_ATTEMPT_S >= deadline.remaining():
            raise CallFailure(reason)
        self._sleep(delay)


def run_with_deadline(call: Callable[[], T], timeout_s: float) -> T:
    """``call()`` in a daemon thread; ``CallFailure("timeout")`` if it has not finished within ``timeout_s``."""
    future: Future[T] = Future()

    def target() -> None:
        try:
            future.set_result(call())
        except BaseException as error:  # handed to the waiting thread, which re-raises it
            future.set_exception(error)

    threading.Thread(target=target, name="ai-chat-call", daemon=True).start()
    try:
        return future.result(timeout=max(timeout_s, 0.0))
    except TimeoutError as error:
        raise CallFailure("timeout") from error


def _reply_text(completion: Any) -> str:
    if not completion.choices:
        raise CallFailure("empty_reply")
    choice = completion.choices[0]
    if getattr(choice.message, "refusal", None):
        raise CallFailure("refusal")
    if choice.finish_reason == "content_filter":
        raise CallFailure("refusal")
    if not choice.message.content:
        raise CallFailure("empty_reply")
    return choice.message.content


def _rejects_structured_output(error: openai.APIStatusError) -> bool:
    text = f"{error.message} {error.body}".lower()
    return "response_format" in text or "json_schema" in text


def _retry_after_s(headers: Any) -> float | None:
    """Seconds asked by ``retry-after-ms`` / ``retry-after`` (seconds or an HTTP date), if any."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
