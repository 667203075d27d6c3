"""Gather problems while validating, cheaply even when a million rows are bad."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NoReturn

import numpy as np

from core.importing.problems import DEFAULT_MAX_PROBLEMS, ImportProblem, ImportRejected

KEPT_PROBLEMS = 1000
"""At most this many problems are kept (the first ones in file order); the rest are only counted."""

Reason = str | Callable[[object], str]


class ProblemCollector:
    """Collects problems for one file and raises :class:`ImportRejected` if there are any.

    Column-wise checks report a boolean mask at once (:meth:`add_where`): only the first
    ``KEPT_PROBLEMS`` flagged rows of each check become :class:`ImportProblem` objects, which is enough
    to know the first ``KEPT_PROBLEMS`` problems of the whole file once they are merged in row order.
    """

    def __init__(self, file: str, *, max_problems: int = DEFAULT_MAX_PROBLEMS) -> None:
        self.file = file
        self.max_problems = max_problems
        self._column_rank: dict[str, int] = {}
        self._problems: list[ImportProblem] = []
        self._total = 0

    @property
    def total(self) -> int:
        return self._total

    def set_columns(self, columns: Sequence[str]) -> None:
        """Order problems of one row by the file's column order."""
        self._column_rank = {name: rank for rank, name in enumerate(columns)}

    def add(self, row: int, column: str, reason: str) -> None:
        self._total += 1
        self._problems.append(ImportProblem(file=self.file, row=int(row), column=column, reason=reason))

    def add_where(
        self,
        mask: np.ndarray,
        rows: np.ndarray,
        column: str,
        reason: Reason,
        values: Sequence[object] | np.ndarray | None = None,
    ) -> None:
        """Add one problem per ``True`` in ``mask``; a callable ``reason`` gets that row's value."""
        flagged = np.flatnonzero(np.asarray(mask, dtype=bool))
        self._total += len(flagged)
        if not len(flagged):
            return
        positional = np.asarray(values, dtype=object) if values is not None else None
        for index in flagged[:KEPT_PROBLEMS]:
            value = positional[index] if positional is not None else None
            text = reason if isinstance(reason, str) else reason(value)
            self._problems.append(
                ImportProblem(file=self.file, row=int(rows[index]), column=column, reason=text)
            )

    def problems(self) -> list[ImportProblem]:
        """The kept problems in file order: by row, then by column position (whole-row problems first)."""
        unknown_rank = len(self._column_rank)

        def order(problem: ImportProblem) -> tuple[int, int]:
            rank = -1 if problem.column == "" else self._column_rank.get(problem.column, unknown_rank)
            return problem.row, rank

        return sorted(self._problems, key=order)[:KEPT_PROBLEMS]

    def reject(self, row: int, column: str, reason: str) -> NoReturn:
        """Add a problem that makes reading on pointless (an empty or unreadable file) and raise."""
        self.add(row, column, reason)
        raise ImportRejected(self.problems(), total=self._total, max_problems=self.max_problems)

    def raise_if_any(self) -> None:
        if self._total:
            raise ImportRejected(self.problems(), total=self._total, max_problems=self.max_problems)
