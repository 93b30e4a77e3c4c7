"""From a sheet's raw rows to the values an import uses, in chunks, with every bad cell noted.

Runs in a worker thread: text normalisation and quantity parsing are the CPU part of an
import. Blank rows are skipped silently; a row with a bad cell is reported and not used.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

import anyio

from app.core.errors import PayloadTooLarge
from app.core.text import BINARY_CONTROL, name_key, part_number_key
from app.exports.formula_guard import restored
from app.imports.cells import (
    Cell,
    CellError,
    ErrorCell,
    FormulaWithoutValue,
    cell_text,
    parse_quantity,
)
from app.imports.columns import Column, Columns, Field
from app.imports.errors import ImportRejected, RowError

Chunk = TypeVar("Chunk")
SheetRow = tuple[int, Sequence[Cell]]  # (row number as the program shows it, cells)

# The most columns and the longest cell a spreadsheet program holds (Excel's limits).
MAX_COLUMNS = 16_384
MAX_CELL_LENGTH = 32_767


def is_blank(cells: Sequence[Cell]) -> bool:
    """A row whose every cell is empty or white space."""
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


class RowErrors:
    """Every row error counted; the first ``limit`` kept to list in the answer."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self.listed: list[RowError] = []

    def add(self, error: RowError) -> None:
        self.count += 1
        if len(self.listed) < self.limit:
            self.listed.append(error)

    def __bool__(self) -> bool:
        return self.count > 0

    def merge(self, listed: list[RowError], count: int) -> None:
        """Take over errors found elsewhere (the workbook reader): ``count`` in all."""
        room = max(self.limit - len(self.listed), 0)
        self.listed.extend(listed[:room])
        self.count += count

    def check_has_rows(self, rows: int, header_row: int) -> None:
        """A header with no data rows under it is an error of its own."""
        if rows == 0 and not self:
            self.add(
                RowError(
                    row=header_row,
                    column=None,
                    value=None,
                    code="no_data_rows",
                    message="The sheet has a header row but no data rows under it.",
                )
            )

    def rejection(self) -> ImportRejected:
        """The 422 that lists these errors in row order."""
        listed = sorted(self.listed, key=lambda error: (error.row or 0, error.column or ""))
        first = listed[0]
        where = f"row {first.row}: " if first.row is not None else ""
        more = f" (and {self.count - 1:,} more)" if self.count > 1 else ""
        return ImportRejected(
            f"The sheet has {self.count:,} error(s); nothing was changed. First: "
            f"{where}{first.message}{more}",
            errors=listed,
            error_count=self.count,
        )


# One usable row: (row number, name, part number, description, quantity, name key,
# part number key); texts as the sheet gives them, keys as they are matched.
SheetValues = tuple[int, str | None, str | None, str | None, int | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class ValuesChunk:
    """A chunk of usable rows, by column: tuples of plain values cross the reader's pipe about
    seven times faster than an object per row, and statements take their rows by column."""

    rows_read: int  # non-blank rows read so far, this chunk's included
    rows: tuple[int, ...] = ()
    names: tuple[str | None, ...] = ()
    part_numbers: tuple[str | None, ...] = ()
    descriptions: tuple[str | None, ...] = ()
    quantities: tuple[int | None, ...] = ()
    name_keys: tuple[str | None, ...] = ()
    part_number_keys: tuple[str | None, ...] = ()

    @classmethod
    def of(cls, rows_read: int, values: list[SheetValues]) -> "ValuesChunk":
        if not values:
            return cls(rows_read)
        return cls(rows_read, *zip(*values, strict=True))

    def __len__(self) -> int:
        return len(self.rows)

    def keys(self) -> list[tuple[str | None, str | None]]:
        """(name key, part number key) of each row, for matching."""
        return list(zip(self.name_keys, self.part_number_keys, strict=True))


class Unusable(Enum):
    BLANK = "every cell empty: skipped silently"
    BAD_CELL = "a cell cannot be used: reported in the errors"


_ABSENT = 1 << 62  # the index of a column the sheet does not have: past any row's end


class _RowReader:
    """Turns one row's cells into SheetValues: the hot loop of every import, so a plain text
    cell or a whole number takes a short inline path and anything else the general one."""

    def __init__(self, columns: Columns, errors: RowErrors, *, from_csv: bool) -> None:
        found = columns.found
        self.errors = errors
        self.from_csv = from_csv
        self.columns = [
            found.get(field)
            for field in (Field.NAME, Field.PART_NUMBER, Field.DESCRIPTION, Field.QUANTITY)
        ]
        self.indexes = [_ABSENT if column is None else column.index for column in self.columns]
        self.bad = False

    def _fail(self, number: int, column: Column, value: Cell, exc: CellError) -> None:
        if isinstance(value, FormulaWithoutValue):
            shown: str | None = f"={value.formula}"
        elif isinstance(value, ErrorCell):
            shown = value.text
        else:
            shown = None if value is None else str(value)
        self.errors.add(
            RowError(
                row=number, column=column.header, value=shown, code=exc.code, message=exc.message
            )
        )
        self.bad = True

    def _text(self, number: int, position: int, value: Cell) -> str | None:
        try:
            return cell_text(value)
        except CellError as exc:
            column = self.columns[position]
            assert column is not None
            self._fail(number, column, value, exc)
            return None

    def _binary(self, number: int, position: int, text: str) -> None:
        column = self.columns[position]
        assert column is not None
        message = "The cell holds control characters (NUL and the like) that no name holds."
        self._fail(number, column, text, CellError("control_characters", message))

    def _quantity(self, number: int, value: Cell) -> int | None:
        try:
            return parse_quantity(value, from_csv=self.from_csv)
        except CellError as exc:
            column = self.columns[3]
            assert column is not None
            self._fail(number, column, value, exc)
            return None

    def __call__(self, number: int, cells: Sequence[Cell]) -> SheetValues | Unusable:
        """The row's values, or why there are none."""
        self.bad = False
        size = len(cells)
        name_at, part_at, description_at, quantity_at = self.indexes
        texts: list[str | None] = []
        for position, at in enumerate((name_at, part_at, description_at)):
            value = cells[at] if at < size else None
            if value.__class__ is str:
                text = value.strip()
                # An export's neutralised cell ('=...) reads back as the text it was.
                if self.from_csv:
                    texts.append((restored(text) if text[:1] == "'" else text) or None)
                elif BINARY_CONTROL.search(text):  # a CSV file with these was refused whole
                    self._binary(number, position, text)
                    texts.append(None)
                else:
                    texts.append(text or None)
            else:
                texts.append(None if value is None else self._text(number, position, value))
        name, part_number, description = texts
        value = cells[quantity_at] if quantity_at < size else None
        if value.__class__ is str and value.isdigit() and value.isascii() and len(value) < 16:
            quantity: int | None = int(value)
        else:
            quantity = None if value is None else self._quantity(number, value)
        if self.bad:
            return Unusable.BAD_CELL
        # Only now: most rows have a value in a column read, and need no look at the rest.
        if (
            name is None
            and part_number is None
            and quantity is None
            and description is None
            and is_blank(cells)
        ):
            return Unusable.BLANK
        return (
            number,
            name,
            part_number,
            description,
            quantity,
            name_key(name) if name else None,
            part_number_key(part_number) if part_number else None,
        )


def read_values(
    sheet_rows: Iterator[SheetRow],
    columns: Columns,
    errors: RowErrors,
    *,
    from_csv: bool,
    max_rows: int,
    chunk_rows: int,
) -> Iterator[ValuesChunk]:
    """The usable rows in chunks, each counting the non-blank rows read so far."""
    rows = 0
    chunk: list[SheetValues] = []
    read = _RowReader(columns, errors, from_csv=from_csv)
    for number, cells in sheet_rows:
        values = read(number, cells)
        if values is Unusable.BLANK:
            continue
        rows += 1
        if rows > max_rows:
            raise PayloadTooLarge(
                f"The sheet has more than {max_rows:,} rows, the most one import accepts "
                "(INVENTORY_IMPORT_MAX_ROWS). Split it into several files."
            )
        if values is not Unusable.BAD_CELL:
            chunk.append(values)
        if len(chunk) >= chunk_rows:
            yield ValuesChunk.of(rows, chunk)
            chunk = []
    yield ValuesChunk.of(rows, chunk)


async def prefetched(chunks: Iterator[Chunk]) -> AsyncIterator[Chunk]:
    """Each chunk, produced in a worker thread while the caller works on the one before (the
    database's work and the parsing overlap). The iterator is only ever advanced by one
    thread at a time, and never left running when this generator ends."""
    pending = asyncio.ensure_future(anyio.to_thread.run_sync(next, chunks, None))
    try:
        while (chunk := await pending) is not None:
            pending = asyncio.ensure_future(anyio.to_thread.run_sync(next, chunks, None))
            yield chunk
    finally:
        if not pending.done():
            await asyncio.wait([pending])
        if pending.done() and not pending.cancelled():
            pending.exception()  # retrieved: the caller's own exception is the one that counts
