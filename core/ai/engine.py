"""The AI engine: facts in, a validated, grounded narrative section out — or the offline narrator's.

Per ``narrate`` call:

1. no client (no API key configured) → the offline narrator, outcome ``fallback``, reason ``no_client`` and
   *no* notice: offline is then the normal mode, not a failure worth a line on every card;
2. a cached good answer for the same inputs → that answer (outcome ``ok``, ``cached=True``, no request);
3. the model (``ChatTransport``: structured output when the endpoint has it, deadline-bounded retries);
   the reply must be a JSON object (L2 extraction from fences/prose) valid for the schema (L1); if not, ONE
   repair round trip sends the error back (outcome ``repaired``, reason = what was repaired);
4. every string of the answer passes the number guard; an ungrounded number is final (no repair: the model
   was told the rule and broke it);
5. anything else (timeout, 5xx, 429 beyond budget, refusal, invalid twice…) → the offline narrator with the
   reason and the quiet notice line.

Every call, whatever its path, produces one ``CallRecord`` for the recorder.  A failing recorder is logged and
ignored: bookkeeping must not cost the user the card.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

import openai
from pydantic import ValidationError

from core.ai.cache import InMemoryTTLCache, NarrationCache, narration_cache_key
from core.ai.models import CallRecord, NarrationRequest, NarrationResult, Outcome, SchemaT
from core.ai.notice import offline_notice
from core.ai.number_guard import find_ungrounded_numbers, text_fields
from core.ai.prompt import build_messages, repair_messages
from core.ai.reply_parsing import NoJsonObjectError, extract_json_object
from core.ai.transport import CallFailure, CallTally, ChatTransport, Deadline

logger = logging.getLogger(__name__)


class _InvalidReply(Exception):
    """A reply that is not a schema-valid JSON object; repairable once."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class AIEngine:
    def __init__(
        self,
        client: openai.OpenAI | None,
        model: str,
        *,
        recorder: Callable[[CallRecord], None] | None = None,
        cache: NarrationCache | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.model = model
        self._transport = ChatTransport(client, model, sleep=sleep) if client is not None else None
        self._recorder = recorder
        self._cache: NarrationCache = cache if cache is not None else InMemoryTTLCache()
        self._clock = clock

    @property
    def has_client(self) -> bool:
        return self._transport is not None

    @property
    def structured_output_supported(self) -> bool:
        """False once the endpoint has rejected ``response_format=json_schema``."""
        return self._transport is not None and self._transport.structured_output_supported

    def narrate(self, request: NarrationRequest[SchemaT]) -> NarrationResult[SchemaT]:
        started = self._clock()
        started_at = datetime.now(UTC)
        tally = CallTally()
        result = self._narrate(request, started, tally)
        self._record(
            CallRecord(
                section=request.section,
                model=self.model,
                started_at=started_at,
                latency_s=result.latency_s,
                prompt_tokens=tally.prompt_tokens,
                completion_tokens=tally.completion_tokens,
                outcome=result.outcome,
                reason=result.reason,
                attempts=tally.attempts,
                cached=result.cached,
            )
        )
        return result

    def _narrate(
        self, request: NarrationRequest[SchemaT], started: float, tally: CallTally
    ) -> NarrationResult[SchemaT]:
        if self._transport is None:
            return self._offline(request, started, "no_client", notice=None)
        key = narration_cache_key(
            section=request.section,
            schema=request.schema,
            facts=request.facts,
            user_text=request.user_text,
            language=request.language,
            model=self.model,
        )
        cached = self._cached_value(key, request.schema)
        if cached is not None:
            return self._result(cached, Outcome.OK, None, started, cached=True)
        deadline = Deadline(started + request.deadline_s, self._clock)
        try:
            value, outcome, reason = self._ask_model(self._transport, request, deadline, tally)
        except CallFailure as failure:
            logger.warning("AI section %s fell back to offline: %s", request.section, failure.reason)
            return self._offline(request, started, failure.reason, notice=offline_notice(request.language))
        self._cache.put(key, value.model_dump(mode="json"))
        return self._result(value, outcome, reason, started)

    def _ask_model(
        self,
        transport: ChatTransport,
        request: NarrationRequest[SchemaT],
        deadline: Deadline,
        tally: CallTally,
    ) -> tuple[SchemaT, Outcome, str | None]:
        messages = build_messages(
            instructions=request.instructions,
            schema=request.schema,
            facts=request.facts,
            user_text=request.user_text,
            language=request.language,
        )
        reply = transport.complete(messages, request.schema, deadline, tally)
        try:
            return self._accept(reply, request), Outcome.OK, None
        except _InvalidReply as invalid:
            first = invalid
        repaired = transport.complete(
            repair_messages(messages, reply, first.detail), request.schema, deadline, tally
        )
        try:
            return self._accept(repaired, request), Outcome.REPAIRED, first.reason
        except _InvalidReply as invalid:
            raise CallFailure(invalid.reason) from invalid

    @staticmethod
    def _accept(reply: str, request: NarrationRequest[SchemaT]) -> SchemaT:
        try:
            data = extract_json_object(reply)
        except NoJsonObjectError as error:
            raise _InvalidReply("invalid_json", str(error)) from error
        try:
            value = request.schema.model_validate(data)
        except ValidationError as error:
            raise _InvalidReply("schema_mismatch", str(error)) from error
        ungrounded = find_ungrounded_numbers(text_fields(value), request.facts)
        if ungrounded:
            raise CallFailure(f"ungrounded_number:{ungrounded[0]}")
        return value

    def _cached_value(self, key: str, schema: type[SchemaT]) -> SchemaT | None:
        stored = self._cache.get(key)
        if stored is None:
            return None
        try:
            return schema.model_validate(stored)
        except ValidationError:
            return None

    def _offline(
        self, request: NarrationRequest[SchemaT], started: float, reason: str, *, notice: str | None
    ) -> NarrationResult[SchemaT]:
        value = request.offline(request.facts, request.language)
        return self._result(value, Outcome.FALLBACK, reason, started, notice=notice)

    def _result(
        self,
        value: SchemaT,
        outcome: Outcome,
        reason: str | None,
        started: float,
        *,
        notice: str | None = None,
        cached: bool = False,
    ) -> NarrationResult[SchemaT]:
        return NarrationResult(
            value=value,
            outcome=outcome,
            reason=reason,
            offline=outcome is Outcome.FALLBACK,
            latency_s=self._clock() - started,
            notice=notice,
            cached=cached,
        )

    def _record(self, record: CallRecord) -> None:
        if self._recorder is None:
            return
        try:
            self._recorder(record)
        except Exception:
            logger.exception("AI call recorder failed for section %s", record.section)
