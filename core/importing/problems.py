"""What is wrong with an import file, and the exception that refuses the file whole."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

DEFAULT_MAX_PROBLEMS = 20


class ImportProblem(BaseModel):
    """One problem, located the way a spreadsheet user sees the file.

    ``row`` is 1-based and counts the header as row 1, so the first data row is row 2; ``column`` is the
    header name, or ``""`` when the problem concerns the whole row (or the whole file).
    """

    model_config = ConfigDict(frozen=True)

    file: str
    row: int
    column: str = ""
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.column}: {self.reason}"


class ImportRejected(Exception):
    """The file was refused whole: nothing from it may be stored.

    ``problems`` holds the first problems in file order (bounded, so that a file where every one of a
    million rows is bad stays cheap); ``total`` counts all of them.
    """

    def __init__(
        self,
        problems: list[ImportProblem],
        *,
        total: int | None = None,
        max_problems: int = DEFAULT_MAX_PROBLEMS,
    ) -> None:
        super().__init__(problems)
        self.problems = list(problems)
        self.total = max(total if total is not None else 0, len(self.problems))
        self.max_problems = max_problems

    def __str__(self) -> str:
        shown = self.problems[: self.max_problems]
        lines = [str(problem) for problem in shown]
        more = self.total - len(shown)
        if more > 0:
            lines.append(f"… and {more} more problem{'' if more == 1 else 's'}")
        return "\n".join(lines)
