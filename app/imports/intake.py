"""From an uploaded file to a Sheet: tell the format by content, check it, open its reader."""

from pathlib import Path

from app.imports.columns import Layout
from app.imports.csv_reader import open_csv
from app.imports.errors import unreadable
from app.imports.formats import Format, check_package, detect_format
from app.imports.limits import ImportLimits
from app.imports.sheet import Sheet
from app.imports.workbook_process import open_workbook


def open_sheet(path: Path, layout: Layout, limits: ImportLimits) -> Sheet:
    """The sheet to import, its header already checked against ``layout`` (blocking: run it
    in a worker thread)."""
    format = detect_format(path)
    if format is Format.CSV:
        sheet = open_csv(path, layout)
    else:
        if format in (Format.XLSX, Format.ODS):
            check_package(path, limits.package)
        sheet = open_workbook(path, format, layout, limits.workbook)
    if sheet.columns.problem is not None:
        sheet.close()
        raise unreadable(
            sheet.columns.problem,
            code=sheet.columns.problem_code or "missing_column",
            row=sheet.header_row,
        )
    return sheet
