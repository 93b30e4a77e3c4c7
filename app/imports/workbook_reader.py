"""Reading a workbook (XLSX, XLS, ODS) with python-calamine, in a process of its own.

calamine builds a dense grid of the sheet's used range, so a few-kilobyte file with one cell
at A1 and one at XFD1048576 asks for hundreds of gigabytes and aborts the process that asked.
That process is therefore a child with a memory cap (RLIMIT_AS), never the server: it picks
the sheet, reads its rows, and sends them to the parent in chunks over a pipe, so neither side
holds more than the grid and one chunk. The parent side is in ``workbook_process``.

Messages on the pipe: ``("header", name, header_row, header_cells)``, then
``("rows", [(row number, cells), ...])`` chunks, then ``("end",)``; or ``("error", kind,
message)`` at any point.
"""

import os
import resource
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from app.imports.cells import Cell
from app.imports.columns import Layout, resolve
from app.imports.hidden_cells import HiddenCells, ods_hidden_cells, xlsx_hidden_cells
from app.imports.sheet import is_blank

_HIDDEN_CELL_SCANS: dict[str, Callable[[Path, str], HiddenCells]] = {
    "xlsx": xlsx_hidden_cells,
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


def read_workbook(
    path: Path,
    format: str,
    layout: Layout,
    connection: Connection,
    *,
    memory_limit: int,
    chunk_rows: int,
) -> None:
    """The child process's whole job (see the module docstring for the messages)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    # What a crash prints (a Rust allocation failure and its backtrace) is not for the
    # server's log; the parent reports the failure itself.
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        with CalamineWorkbook.from_path(str(path)) as workbook:
            name, header_row, start_column, header, rows = _choose_sheet(workbook, layout)
            connection.send(("header", name, header_row, header))
            scan = _HIDDEN_CELL_SCANS.get(format)
            hidden = scan(path, name) if scan else {}
            chunk: list[tuple[int, list[Cell]]] = []
            for row in _patched(rows, header_row + 1, start_column, hidden):
                chunk.append(row)
                if len(chunk) >= chunk_rows:
                    connection.send(("rows", chunk))
                    chunk = []
            connection.send(("rows", chunk))
            connection.send(("end",))
    except BrokenPipeError:
        pass  # the parent stopped listening (it found what it needed, or went away)
    except WorkbookProblem as exc:
        connection.send(("error", "no_sheet", str(exc)))
    except MemoryError:
        connection.send(("error", "memory", ""))
    except (CalamineError, ValueError, OSError, KeyError) as exc:
        connection.send(("error", "unreadable", f"{type(exc).__name__}: {exc}"))
    finally:
        connection.close()
