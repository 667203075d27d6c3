"""The one quiet line a card shows when the configured AI failed and the offline narrator answered."""

from __future__ import annotations

from core.ai.models import Language

OFFLINE_NOTICE: dict[str, str] = {
    "zh": "AI 服务暂不可用，以下为离线版本",
    "en": "AI unavailable — showing the offline version",
}


def offline_notice(language: Language) -> str:
    return OFFLINE_NOTICE.get(language, OFFLINE_NOTICE["zh"])
