"""Documents offered for download: stored once when a card is built, read on a click or a link."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.engine import Engine

from core.documents.models import Document
from storage.db import session_scope
from storage.tables import StoredDownload


def save_download(engine: Engine, download_id: str, document: Document, now: dt.datetime) -> None:
    with session_scope(engine) as session:
        session.add(
            StoredDownload(
                id=download_id,
                filename=document.filename,
                ascii_filename=document.ascii_filename,
                title=document.title,
                media_type=document.media_type,
                content=document.content,
                created_at=now,
            )
        )


def load_download(engine: Engine, download_id: str) -> Document | None:
    with session_scope(engine) as session:
        row = session.get(StoredDownload, download_id)
        if row is None:
            return None
        return Document(
            filename=row.filename,
            ascii_filename=row.ascii_filename,
            title=row.title,
            media_type=row.media_type,
            content=row.content,
        )


def delete_downloads_before(engine: Engine, cutoff: dt.datetime) -> int:
    """Forget documents older than ``cutoff`` (their links have expired); returns how many."""
    with session_scope(engine) as session:
        result = session.exec(delete(StoredDownload).where(StoredDownload.created_at < cutoff))  # type: ignore[call-overload]
        return int(result.rowcount or 0)
