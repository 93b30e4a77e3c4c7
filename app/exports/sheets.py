"""Writing sheets people open in Excel or LibreOffice: the export and the import template.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be
run as a formula by a spreadsheet program (CSV injection). In CSV such a cell gets a leading
apostrophe (so does one that already begins with one), which the import takes off again; in
XLSX every text cell is written as a string, never a formula, and a risky one also carries
the "quote prefix" style, so programs show its exact text and keep it text when edited.
Part numbers are always text cells: ``000123`` keeps its zeros.
"""

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app.exports.formula_guard import neutralised, risky

HEADER = ("Name", "Part Number", "Quantity")
Row = tuple[str, str | None, int]  # name, part number, quantity


def csv_lines(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


async def csv_stream(pages: AsyncIterator[list[Row]]) -> AsyncIterator[bytes]:
    """UTF-8 with a BOM (so Excel reads it as UTF-8), CRLF, RFC 4180 quoting, a page at a
    time."""
    yield ("\ufeff" + csv_lines([HEADER])).encode()
    async for page in pages:
        yield csv_lines(
            (neutralised(name), neutralised(part_number), quantity)
            for name, part_number, quantity in page
        ).encode()


def _text_cell(sheet: WriteOnlyWorksheet, text: str | None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text)
    if text is not None:
        cell.data_type = "s"  # openpyxl would make "=..." a formula
        cell.quotePrefix = risky(text)
    return cell


class XlsxSheet:
    """A workbook written as a stream: openpyxl's write-only mode keeps a row in memory, not
    the sheet. ``add`` pages of rows, then ``save``."""

    def __init__(self, sheet_name: str = "Stock") -> None:
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(sheet_name)
        self.sheet.append([_text_cell(self.sheet, title) for title in HEADER])

    def add(self, rows: Iterable[Row]) -> None:
        for name, part_number, quantity in rows:
            self.sheet.append(
                [_text_cell(self.sheet, name), _text_cell(self.sheet, part_number), quantity]
            )

    def save(self, path: Path) -> None:
        self.workbook.save(path)
