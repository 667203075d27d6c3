"""``memberops import KIND FILE``: read and validate a CSV (core), then write it whole or not at all (storage)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import BaseModel
from sqlalchemy.engine import Engine

from core.importing import ImportKind, read_import_file
from storage.catalog_repo import upsert_campaigns, upsert_resources, upsert_segments
from storage.import_log import record_import
from storage.metrics_repo import upsert_metrics


class ImportSummary(BaseModel):
    kind: str
    file: str
    rows: int
    encoding: str | None = None


def campaign_tokens(frame: pd.DataFrame) -> list[list[str]]:
    """Search tokens for each campaign row, computed once at import and stored with it."""
    from core.search import campaign_terms, campaign_text, get_tokenizer

    records = frame.to_dict("records")
    tokenizer = get_tokenizer(campaign_terms(records))
    return [tokenizer.tokenize(campaign_text(record)) for record in records]


def write_batch(
    engine: Engine, kind: ImportKind, frame: pd.DataFrame, dimensions: list[str], *, replace: bool
) -> int:
    if kind == ImportKind.METRICS:
        return upsert_metrics(engine, frame, dimensions, replace=replace)
    if kind == ImportKind.SEGMENTS:
        return upsert_segments(engine, frame)
    if kind == ImportKind.CAMPAIGNS:
        return upsert_campaigns(engine, frame, campaign_tokens(frame))
    return upsert_resources(engine, frame)


def import_file(engine: Engine, kind: str, path: Path, *, replace: bool = False) -> ImportSummary:
    """Validate the whole file first (raises ``ImportRejected`` listing the problems), then write it."""
    batch = read_import_file(path, kind)
    rows = write_batch(
        engine, ImportKind(batch.kind), batch.frame, list(batch.dimensions or []), replace=replace
    )
    record_import(engine, kind=str(batch.kind), source=str(path), rows=rows, encoding=batch.encoding)
    return ImportSummary(kind=str(batch.kind), file=str(path), rows=rows, encoding=batch.encoding)
