"""The one shape every reader produces: a header, its columns, and the rows under it."""

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

from app.imports.columns import Columns
from app.imports.rows import RowErrors, ValuesChunk


@dataclass
class Sheet(ABC):
    format: str
    sheet_name: str | None
    header_row: int
    columns: Columns

    @abstractmethod
    def values(self, errors: RowErrors) -> Iterator[ValuesChunk]:
        """The usable rows in chunks (sized and bounded by the limits the sheet was opened
        with); bad cells go to ``errors``. Blocking: a worker thread calls it."""

    @abstractmethod
    def close(self) -> None:
        """Release the reader (a file, a child process); safe to call more than once."""
