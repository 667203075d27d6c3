"""One result of a search over the experience library."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SearchHit(BaseModel):
    """A matching document: its id, BM25 score, normalised similarity and the query terms it contains.

    ``similarity`` is a fraction in [0, 1] (shown to people as a percentage); see
    :meth:`core.search.bm25_index.BM25Index.search` for how it is normalised.
    """

    model_config = ConfigDict(frozen=True)

    doc_id: str
    score: float
    similarity: float = Field(ge=0.0, le=1.0)
    matched_terms: tuple[str, ...]

    @property
    def similarity_percent(self) -> int:
        """The similarity as a whole percentage (0–100)."""
        return round(self.similarity * 100)
