"""How to build the engine's OpenAI client from plain settings (no network happens here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from core.ai.cache import InMemoryTTLCache, NarrationCache
from core.ai.engine import AIEngine
from core.ai.models import CallRecord


class AIClientConfig(BaseModel):
    """The AI endpoint: any OpenAI-compatible ``base_url``; no ``api_key`` means offline narration only."""

    model_config = ConfigDict(frozen=True)

    api_key: SecretStr | None = None
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    cache_ttl_s: float = Field(default=600.0, ge=0)

    @classmethod
    def from_settings(cls, settings: Any) -> AIClientConfig:
        """From ``core.config.Settings`` (``openai_api_key``, ``openai_base_url``, ``openai_model``)."""
        return cls(
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            model=settings.openai_model,
            cache_ttl_s=getattr(settings, "ai_cache_ttl_s", 600.0),
        )

    def build_client(self) -> openai.OpenAI | None:
        if self.api_key is None or not self.api_key.get_secret_value():
            return None
        return openai.OpenAI(api_key=self.api_key.get_secret_value(), base_url=self.base_url, max_retries=0)

    def build_engine(
        self,
        *,
        recorder: Callable[[CallRecord], None] | None = None,
        cache: NarrationCache | None = None,
    ) -> AIEngine:
        return AIEngine(
            self.build_client(),
            self.model,
            recorder=recorder,
            cache=cache if cache is not None else InMemoryTTLCache(ttl_s=self.cache_ttl_s),
        )
