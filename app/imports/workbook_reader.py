"""Reading a workbook (XLSX, XLS, ODS) with python-calamine: the sheet to import and its rows.

calamine builds a dense grid of the sheet's used range, so a few-kilobyte file with one cell
at A1 and one at XFD1048576 asks for hundreds of gigabytes and aborts the process that asked:
this runs only in the capped reader process (``reader_process``), never in the server.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from app.imports.cells import Cell
from app.imports.columns import Layout, resolve
from app.imports.errors import unreadable
from app.imports.hidden_cells import (
    HiddenCells,
    ods_hidden_cells,
    xls_hidden_cells,
    xlsx_hidden_cells,
)
from app.imports.rows import is_blank
from app.imports.sheet import LocalSheet

_HIDDEN_CELL_SCANS: dict[str, Callable[[Path, str, frozenset[str] | None], HiddenCells]] = {
    "xlsx": xlsx_hidden_cells,
    "xls": xls_hidden_cells,
    "ods": ods_hidden_cells,
}


class WorkbookProblem(Exception):
    """A workbook that can be opened but offers no sheet to import."""


def _text(cells: Sequence[Cell]) -> list[str]:
    return ["" if cell is None else str(cell) for cell in cells]


def _first_row(rows: Iterator[list[Cell]]) -> tuple[int, list[Cell]] | None:
    for number, cells in enumerate(rows, start=1):
        if not is_blank(cells):
            return number, cells
    return None


def _choose_sheet(
    workbook: CalamineWorkbook, layout: Layout
) -> tuple[str, int, int, list[str], Iterator[list[Cell]]]:
    """The first visible worksheet whose first row passes the header rules."""
    problems: list[str] = []
    for meta in workbook.sheets_metadata:
        if meta.visible != SheetVisibleEnum.Visible or meta.typ != SheetTypeEnum.WorkSheet:
            continue
        sheet = workbook.get_sheet_by_name(meta.name)
        rows: Iterator[list[Cell]] = iter(sheet.iter_rows())  # type: ignore[arg-type]
        first = _first_row(rows)
        if first is None:
            problems.append(f"sheet “{meta.name}” is empty")
            continue
        header_row, cells = first
        header = _text(cells)
        problem = resolve(header, layout).problem
        if problem is None:
            start_column = sheet.start[1] if sheet.start else 0
            return meta.name, header_row, start_column, header, rows
        problems.append(f"sheet “{meta.name}”: {problem}")
    if not problems:
        raise WorkbookProblem("The workbook has no visible worksheet.")
    raise WorkbookProblem("No visible worksheet has a usable header row: " + "; ".join(problems))


def _patched(
    rows: Iterator[list[Cell]], first: int, start_column: int, hidden: HiddenCells
) -> Iterator[tuple[int, list[Cell]]]:
    """Number the rows and put back what calamine shows as empty (errors, lost formulas)."""
    for number, cells in enumerate(rows, start=first):
        found = hidden.get(number)
        if found:
            for column, value in found.items():
                if 0 <= column - start_column < len(cells):
                    cells[column - start_column] = value
        yield number, cells


@dataclass
class CalamineSheet(LocalSheet):
    workbook: CalamineWorkbook | None = None

    def close(self) -> None:
        if self.workbook is not None:
            self.workbook.close()
            self.workbook = None


def open_workbook(
    path: Path,
    format: str,
    layout: Layout,
    *,
    max_rows: int,
    chunk_rows: int,
    hinted: frozenset[str] | None,
) -> CalamineSheet:
    """The workbook's sheet to import (run it in the capped reader process, never the server).
    ``hinted``: the package parts worth the hidden-cell scan (None: every part)."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        name, header_row, start_column, header, rows = _choose_sheet(workbook, layout)
        scan = _HIDDEN_CELL_SCANS.get(format)
        hidden = scan(path, name, hinted) if scan else {}
    except WorkbookProblem as exc:
        raise unreadable(str(exc), code="no_usable_sheet") from exc
    except (CalamineError, ValueError, KeyError, OSError) as exc:
        raise unreadable(f"The workbook cannot be read: {type(exc).__name__}: {exc}.") from exc
    return CalamineSheet(
        format=format,
        sheet_name=name,
        header_row=header_row,
        columns=resolve(header, layout),
        workbook=workbook,
        records=_patched(rows, header_row + 1, start_column, hidden),
        max_rows=max_rows,
        chunk_rows=chunk_rows,
    )
