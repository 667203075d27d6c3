"""``read_import_file``: decode, parse, validate — and refuse the whole file if any row is wrong."""

from __future__ import annotations

from pathlib import Path

from core.cube import MEASURES
from core.importing.batch import ImportBatch
from core.importing.campaigns import CAMPAIGNS
from core.importing.collector import ProblemCollector
from core.importing.decoding import UndecodableFile, decode_bytes
from core.importing.kinds import ImportKind
from core.importing.metrics import REQUIRED_COLUMNS, metrics_dimensions, validate_metrics
from core.importing.parquet_table import read_parquet_table
from core.importing.problems import DEFAULT_MAX_PROBLEMS
from core.importing.resources import RESOURCES
from core.importing.row_models import RowTableSpec, validate_rows
from core.importing.segments import SEGMENTS
from core.importing.table import RawTable, read_raw_table

PARQUET_SUFFIXES = (".parquet", ".pq")

ROW_TABLES: dict[ImportKind, RowTableSpec] = {
    ImportKind.SEGMENTS: SEGMENTS,
    ImportKind.CAMPAIGNS: CAMPAIGNS,
    ImportKind.RESOURCES: RESOURCES,
}


def read_import_file(
    path: Path, kind: ImportKind | str, *, max_problems: int = DEFAULT_MAX_PROBLEMS
) -> ImportBatch:
    """Read and validate one CSV file (or Parquet file: ``.parquet``, ``.pq``) of ``kind``.

    Raises ``ImportRejected`` listing every problem (the first ``max_problems`` in its message) if any
    row is bad — nothing of a bad file is returned — and ``ValueError`` for an unknown ``kind``. Reads
    only; writing the batch is the storage layer's job.
    """
    import_kind = ImportKind.parse(kind)
    collector = ProblemCollector(str(path), max_problems=max_problems)
    metrics = import_kind is ImportKind.METRICS
    spec = None if metrics else ROW_TABLES[import_kind]
    required = REQUIRED_COLUMNS if spec is None else spec.required
    allowed = None if spec is None else spec.columns
    floats = MEASURES if metrics else ()
    if Path(path).suffix.lower() in PARQUET_SUFFIXES:
        table = read_parquet_table(
            Path(path), collector, required=required, allowed=allowed, float_columns=floats
        )
        encoding = "parquet"
    else:
        try:
            decoded = decode_bytes(Path(path).read_bytes())
        except UndecodableFile as error:
            collector.reject(error.line, "", str(error))
        table = read_raw_table(
            decoded.text, collector, required=required, allowed=allowed, float_columns=floats
        )
        encoding = decoded.encoding

    if spec is None:
        frame = validate_metrics(table, collector)
        dimensions = metrics_dimensions(table.columns)
    else:
        frame = validate_rows(table, spec, collector)
        dimensions = []
    _require_rows(table, collector)
    collector.raise_if_any()
    return ImportBatch(
        kind=import_kind, frame=frame, dimensions=dimensions, encoding=encoding, rows=len(frame)
    )


def _require_rows(table: RawTable, collector: ProblemCollector) -> None:
    if table.cells.empty:
        collector.add(table.header_row, "", "the file has a header but no data rows")
