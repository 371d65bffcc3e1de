"""The one exception tree of lawdash.

    LawdashError                 base; its message is Chinese, fit to show a user
    ├── CatalogueError           data/catalogue.toml is malformed
    ├── UnknownTown              a township name not in the reference data
    ├── UnknownBatch             undo of a batch id that does not exist
    ├── Refused                  a write that is not allowed as asked (e.g. undo of a superseded batch)
    └── WorkbookRejected         a workbook with errors; carries the problems (data, not exceptions)

Problems found in a workbook are not exceptions: they are `Problem` records collected lazily
by the ingest and returned as data (see `lawdash.problems`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lawdash.problems import Problem


class LawdashError(Exception):
    """Base of every error lawdash raises on purpose; `str()` is a Chinese message."""


class CatalogueError(LawdashError):
    pass


class UnknownTown(LawdashError):
    pass


class UnknownBatch(LawdashError):
    pass


class Refused(LawdashError):
    pass


class WorkbookRejected(LawdashError):
    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems
