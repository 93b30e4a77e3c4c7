"""The one shape every reader produces: a header, its columns, and the rows under it."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from app.imports.cells import Cell
from app.imports.columns import Columns

# The most columns and the longest cell a spreadsheet program holds (Excel's limits).
MAX_COLUMNS = 16_384
MAX_CELL_LENGTH = 32_767

SheetRow = tuple[int, Sequence[Cell]]  # (row number as the program shows it, cells)


def is_blank(cells: Sequence[Cell]) -> bool:
    """A row whose every cell is empty or white space."""
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


@dataclass
class Sheet:
    format: str
    sheet_name: str | None
    header_row: int
    columns: Columns
    rows: Iterator[SheetRow]
    from_csv: bool
    # (row number, column index) of formula cells that carry no saved value.
    formulas_without_value: frozenset[tuple[int, int]] = field(default_factory=frozenset)

    def close(self) -> None:
        close = getattr(self.rows, "close", None)
        if close is not None:
            close()
