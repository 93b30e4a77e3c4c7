"""The one shape every reader produces: a header, its columns, and the rows under it."""

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass

from app.imports.columns import Columns
from app.imports.rows import RowErrors, SheetRow, ValuesChunk, read_values


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


@dataclass
class LocalSheet(Sheet):
    """A sheet whose rows are read in this process (the reader's): cells turned into values."""

    records: Iterator[SheetRow]
    max_rows: int
    chunk_rows: int
    from_csv = False  # CSV cells are all text: formula strings mean something else there

    def values(self, errors: RowErrors) -> Iterator[ValuesChunk]:
        return read_values(
            self.records,
            self.columns,
            errors,
            from_csv=self.from_csv,
            max_rows=self.max_rows,
            chunk_rows=self.chunk_rows,
        )
