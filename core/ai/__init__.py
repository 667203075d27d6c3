"""The AI engine: OpenAI-compatible, grounded in computed facts, deadline-bound, with an offline narrator.

See ``engine.py`` for the per-call flow and ``number_guard.py`` for the exact grounding rule.
"""

from core.ai.cache import InMemoryTTLCache, NarrationCache, narration_cache_key
from core.ai.config import AIClientConfig
from core.ai.engine import AIEngine
from core.ai.models import CallRecord, Language, NarrationRequest, NarrationResult, Outcome
from core.ai.notice import OFFLINE_NOTICE, offline_notice
from core.ai.number_guard import find_ungrounded_numbers

__all__ = [
    "OFFLINE_NOTICE",
    "AIClientConfig",
    "AIEngine",
    "CallRecord",
    "InMemoryTTLCache",
    "Language",
    "NarrationCache",
    "NarrationRequest",
    "NarrationResult",
    "Outcome",
    "find_ungrounded_numbers",
    "narration_cache_key",
    "offline_notice",
]
