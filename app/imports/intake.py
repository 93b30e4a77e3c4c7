"""From an uploaded file to a Sheet: tell the format by content, check it, start its reader."""

from pathlib import Path

from app.imports.columns import Layout
from app.imports.errors import unreadable
from app.imports.formats import Format, check_package, detect_format
from app.imports.limits import ImportLimits
from app.imports.reader_process import open_in_child
from app.imports.sheet import Sheet


def open_sheet(path: Path, layout: Layout, limits: ImportLimits) -> Sheet:
    """The sheet to import, its header already checked against ``layout`` (blocking: run it
    in a worker thread). Package checks run here, before any parser sees the file."""
    format = detect_format(path)
    hinted = None
    if format in (Format.XLSX, Format.ODS):
        hinted = check_package(path, limits.package)
    sheet = open_in_child(path, format, layout, limits.reader, hinted)
    if sheet.columns.problem is not None:
        sheet.close()
        raise unreadable(
            sheet.columns.problem,
            code=sheet.columns.problem_code or "missing_column",
            row=sheet.header_row,
        )
    return sheet
