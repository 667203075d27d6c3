"""Reading and validating the CSV files of ``memberops import {metrics|segments|campaigns|resources} FILE``.

Only reads and validates: a file with any bad row is refused whole with :class:`ImportRejected`, which
lists the problems as ``file:row:column: reason`` (row 1 is the header, as in a spreadsheet). The storage
layer writes the returned :class:`ImportBatch`.
"""

from core.importing.batch import ImportBatch
from core.importing.content_mix import content_mix_text, content_shares, parse_content_mix, read_content_mix
from core.importing.kinds import ImportKind
from core.importing.positions import POSITION_JOINER, split_positions
from core.importing.problems import ImportProblem, ImportRejected
from core.importing.reader import read_import_file

__all__ = [
    "POSITION_JOINER",
    "ImportBatch",
    "ImportKind",
    "ImportProblem",
    "ImportRejected",
    "content_mix_text",
    "content_shares",
    "parse_content_mix",
    "read_content_mix",
    "read_import_file",
    "split_positions",
]
