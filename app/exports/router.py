"""``GET /api/inventory/{inv_pt_id}/export`` and ``GET /api/import-template``."""

import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from app.core.db import Database, DatabaseDep
from app.core.schemas import VALIDATION_ERROR_RESPONSE, Responses
from app.exports.sheets import HEADER, Row, XlsxSheet, csv_lines, csv_stream
from app.inventory.repository import PointRepository
from app.inventory.router import NOT_FOUND, PointDep

router = APIRouter(tags=["export"])

PAGE = 5_000
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Format = Annotated[Literal["csv", "xlsx"], Query(description="csv (UTF-8 with BOM) or xlsx.")]
SHEET_RESPONSES: Responses = {
    200: {
        "description": "The sheet, as a download.",
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": "Name,Part Number,Quantity\r\n"},
            XLSX: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _disposition(name: str, extension: str) -> str:
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_") or "stock"
    utf8 = quote(f"{name}.{extension}")
    return f"attachment; filename=\"{ascii_name}.{extension}\"; filename*=UTF-8''{utf8}"


async def _pages(database: Database, point_id: int) -> AsyncIterator[list[Row]]:
    """The point's rows in name order, a page per query, in a read transaction of its own
    (the response streams after the request's own session has closed)."""
    async with database.read_sessions() as session:
        points, after = PointRepository(session), ""
        while page := await points.stock_page(point_id, after_key=after, limit=PAGE):
            yield [(name, part_number, quantity) for _, name, part_number, quantity in page]
            after = page[-1][0]


async def _xlsx_file(pages: AsyncIterator[list[Row]], directory: Path) -> Path:
    sheet = XlsxSheet()
    async for page in pages:
        await anyio.to_thread.run_sync(sheet.add, page)
    path = directory / "export.xlsx"
    await anyio.to_thread.run_sync(sheet.save, path)
    return path


@router.get(
    "/api/inventory/{inv_pt_id}/export",
    summary="Export an inventory point's stock as a sheet",
    response_class=Response,
    responses=SHEET_RESPONSES | NOT_FOUND | VALIDATION_ERROR_RESPONSE,
)
async def export_point(point: PointDep, database: DatabaseDep, format: Format = "csv") -> Response:
    """Name, Part Number and Quantity of every item at the point, in name order, as CSV or
    XLSX: the layout the import reads, so an unchanged export imports as a no-op. Part numbers
    are text (leading zeros kept); a cell that begins with `=`, `+`, `-`, `@`, a tab or a CR is
    neutralised so spreadsheet programs never run it as a formula, and the import reads it
    back to the same text. Large exports stream."""
    if format == "csv":
        return StreamingResponse(
            csv_stream(_pages(database, point.id)),
            media_type=CSV,
            headers={"Content-Disposition": _disposition(point.name, "csv")},
        )
    directory = Path(tempfile.mkdtemp(prefix="inventory-export-"))
    try:
        path = await _xlsx_file(_pages(database, point.id), directory)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=XLSX,
        headers={"Content-Disposition": _disposition(point.name, "xlsx")},
        background=BackgroundTask(shutil.rmtree, directory, ignore_errors=True),
    )


@router.get(
    "/api/import-template",
    summary="The empty stock-count sheet",
    response_class=Response,
    responses=SHEET_RESPONSES | VALIDATION_ERROR_RESPONSE,
)
async def import_template(format: Format = "csv") -> Response:
    """The header row a stock count needs (Name, Part Number, Quantity), as CSV or XLSX, to
    fill in and upload to `POST /api/inventory/{ipt_id}/import`."""
    if format == "csv":
        return Response(
            ("\ufeff" + csv_lines([HEADER])).encode(),
            media_type=CSV,
            headers={"Content-Disposition": _disposition("stock-count", "csv")},
        )
    directory = Path(tempfile.mkdtemp(prefix="inventory-template-"))
    path = directory / "template.xlsx"
    await anyio.to_thread.run_sync(XlsxSheet().save, path)
    return FileResponse(
        path,
        media_type=XLSX,
        headers={"Content-Disposition": _disposition("stock-count", "xlsx")},
        background=BackgroundTask(shutil.rmtree, directory, ignore_errors=True),
    )
