"""The process-wide search index of the experience library (the campaign table), kept in step with it.

One :class:`LibraryIndex` per database engine (:func:`library_index`), built on first use and then
updated incrementally by :meth:`LibraryIndex.sync`, which handlers call with the campaign frame of
:class:`~handlers.data_access.DataAccess` (reloaded when an import has happened — in this process or any
other). ``sync`` compares each row's ``updated_at`` (set by every upsert) with what the index holds and
adds, replaces or removes only the campaigns that differ; a retro saved here is added at once with
:meth:`LibraryIndex.add_campaigns`.

Token lists. Every campaign row keeps the tokens it was cut into when it was imported (``tokens``
column), so building the index after a restart normally tokenises nothing. A row without a list is
tokenised and its list written back. The stored lists can go stale when the tokenizer changes (a new
jieba, an edited domain dictionary or stop-word list, names added by later imports): the table has no
column recording the tokenizer fingerprint a list was cut with, so staleness is detected by *sampling* —
up to :data:`DRIFT_SAMPLE` stored lists, spread evenly over the rows being loaded, are re-cut with the
current tokenizer; if any differs, every loaded row is re-tokenised and written back (one-off cost, the
next restart reuses them). A change that alters only rows outside the sample goes unnoticed until one of
them is re-imported; a per-row ``tokens_fingerprint`` column would make the check exact.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from core.search import (
    BM25Index,
    IndexStats,
    SearchHit,
    Tokenizer,
    campaign_terms,
    campaign_text,
    get_tokenizer,
)
from storage.catalog_repo import upsert_campaigns

logger = logging.getLogger(__name__)

DRIFT_SAMPLE = 24
TOKENS = "tokens"
UPDATED_AT = "updated_at"
ID = "campaign_id"


@dataclass(frozen=True)
class SyncReport:
    """What one :meth:`LibraryIndex.sync` did."""

    documents: int  # campaigns in the index afterwards
    loaded: int  # rows added or replaced
    reused: int  # of those, indexed from their stored token list
    tokenised: int  # of those, cut again (no stored list, or the dictionary drifted)
    removed: int
    drifted: bool
    seconds: float


class LibraryIndex:
    """BM25 over the campaign table, with the tokenizer that cuts both the campaigns and the queries."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._index = BM25Index()
        self._versions: dict[str, object] = {}
        self._synced: pd.DataFrame | None = None
        self._lock = threading.RLock()
        self.last_sync: SyncReport | None = None

    # -- queries ---------------------------------------------------------------------------------------

    @property
    def tokenizer(self) -> Tokenizer:
        return get_tokenizer()

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, campaign_id: object) -> bool:
        return campaign_id in self._index

    def query_tokens(self, query: str) -> list[str]:
        return self.tokenizer.tokenize(query)

    def search(self, query: str, top_k: int = 5) -> list[SearchHit]:
        """The ``top_k`` campaigns for a free-text query, best first (see ``BM25Index.search``)."""
        return self._index.search(self.query_tokens(query), top_k=top_k)

    def stats(self) -> IndexStats:
        return self._index.stats()

    # -- keeping in step with the table ----------------------------------------------------------------

    def sync(self, campaigns: pd.DataFrame) -> SyncReport | None:
        """Bring the index in line with ``campaigns`` (the whole table); ``None`` when already in step.

        The same frame object twice is a no-op (DataAccess hands out one frame until the data changes).
        """
        with self._lock:
            if campaigns is self._synced:
                return None
            started = time.perf_counter()
            ids = campaigns[ID].astype(str).to_numpy() if len(campaigns) else np.array([], dtype=object)
            versions = (
                campaigns[UPDATED_AT].to_numpy(dtype=object)
                if UPDATED_AT in campaigns
                else np.full(len(ids), None, dtype=object)
            )
            changed = np.fromiter(
                (self._versions.get(i, _MISSING) != v for i, v in zip(ids, versions, strict=True)),
                dtype=bool,
                count=len(ids),
            )
            removed = set(self._versions).difference(ids)
            rows = campaigns.loc[changed]
            tokens, reused, drifted = self._tokens_for(rows)
            self._index.add_many(zip(ids[changed], tokens, strict=True))
            for campaign_id in removed:
                self._index.remove(campaign_id)
            self._versions = dict(zip(ids, versions, strict=True))
            self._synced = campaigns
            self.last_sync = SyncReport(
                documents=len(self._index),
                loaded=int(changed.sum()),
                reused=reused,
                tokenised=int(changed.sum()) - reused,
                removed=len(removed),
                drifted=drifted,
                seconds=time.perf_counter() - started,
            )
            return self.last_sync

    def add_campaigns(self, frame: pd.DataFrame, tokens: Sequence[Sequence[str]]) -> None:
        """Index campaigns just written to the table (with the tokens written beside them)."""
        with self._lock:
            ids = frame[ID].astype(str).tolist()
            self._index.add_many(zip(ids, tokens, strict=True))
            for campaign_id in ids:
                self._versions[campaign_id] = _MISSING  # the next sync re-reads them from the table

    def _tokens_for(self, rows: pd.DataFrame) -> tuple[list[list[str]], int, bool]:
        """Token lists for ``rows``: stored ones when still valid, else cut now (and written back)."""
        if rows.empty:
            return [], 0, False
        records = rows.drop(columns=[TOKENS, UPDATED_AT], errors="ignore").to_dict("records")
        tokenizer = get_tokenizer(campaign_terms(records))
        stored = rows[TOKENS].tolist() if TOKENS in rows else [None] * len(rows)
        present = [i for i, value in enumerate(stored) if isinstance(value, list)]
        drifted = _drifted(tokenizer, records, stored, present)
        redo = (
            list(range(len(rows)))
            if drifted
            else [i for i, v in enumerate(stored) if not isinstance(v, list)]
        )
        tokens = [list(value) if isinstance(value, list) else [] for value in stored]
        for i in redo:
            tokens[i] = tokenizer.tokenize(campaign_text(records[i]))
        if redo:
            self._write_back(rows.iloc[redo], [tokens[i] for i in redo])
        return tokens, len(rows) - len(redo), drifted

    def _write_back(self, rows: pd.DataFrame, tokens: list[list[str]]) -> None:
        """Store freshly cut token lists so that the next start reuses them (best effort)."""
        try:
            upsert_campaigns(self._engine, rows.drop(columns=[TOKENS, UPDATED_AT], errors="ignore"), tokens)
        except Exception:  # a read-only replica still serves searches
            logger.exception("could not store %d re-tokenised campaign token lists", len(tokens))


class _Missing:
    """A version no row has (forces a re-read)."""

    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _drifted(
    tokenizer: Tokenizer, records: list[dict[str, object]], stored: list[object], present: list[int]
) -> bool:
    """Whether re-cutting an even sample of the stored lists gives different tokens."""
    if not present:
        return False
    picks = np.unique(np.linspace(0, len(present) - 1, min(len(present), DRIFT_SAMPLE)).round().astype(int))
    for pick in picks:
        i = present[int(pick)]
        if tokenizer.tokenize(campaign_text(records[i])) != stored[i]:
            logger.info("stored search tokens of %s are stale: re-tokenising the library", records[i].get(ID))
            return True
    return False


_indexes: weakref.WeakKeyDictionary[Engine, LibraryIndex] = weakref.WeakKeyDictionary()
_indexes_lock = threading.Lock()


def library_index(engine: Engine) -> LibraryIndex:
    """The process-wide index of ``engine``'s campaign table (created empty; call ``sync`` to fill it)."""
    with _indexes_lock:
        index = _indexes.get(engine)
        if index is None:
            index = _indexes[engine] = LibraryIndex(engine)
        return index


def synced_library_index(engine: Engine, campaigns: pd.DataFrame) -> LibraryIndex:
    """The engine's index, brought in step with ``campaigns`` first."""
    index = library_index(engine)
    index.sync(campaigns)
    return index
