"""``POST /api/inventory/{ipt_id}/import`` (the stock count) and ``POST /api/items/import``."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, TypeVar

import anyio
from fastapi import APIRouter, Header, Path, Query, Request, Response

from app.auth.access import PrincipalDep
from app.core.db import DatabaseDep, SessionDep
from app.core.errors import NotFound, ServiceError
from app.core.fields import MAX_ID
from app.core.schemas import Responses, ValidationErrorBody, error_response
from app.core.settings import SettingsDep
from app.imports import catalog_load, stock_count
from app.imports.columns import CATALOG, STOCK_COUNT, Layout
from app.imports.formats import SUPPORTED
from app.imports.intake import open_sheet
from app.imports.limits import ImportLimits
from app.imports.schemas import CatalogImportResult, ImportRejectedBody, ImportResult
from app.imports.sheet import Sheet
from app.imports.upload import FIELD, Upload, received_upload
from app.inventory.repository import PointRepository
from app.ops.metrics import import_run

router = APIRouter(tags=["imports"])
Result = TypeVar("Result", ImportResult, CatalogImportResult)

DryRun = Annotated[
    bool,
    Query(
        description="Answer exactly as the import would, and change nothing.",
    ),
]
PointID = Annotated[
    int, Path(ge=1, le=MAX_ID, description="ID of the inventory point to import to.")
]

UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FIELD],
                    "properties": {
                        FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": f"The sheet: {SUPPORTED}. The format is told by "
                            "the content, not the file name.",
                        }
                    },
                }
            }
        },
    }
}

REJECTED: Responses = {
    422: {
        "model": ImportRejectedBody | ValidationErrorBody,
        "description": "The sheet cannot be used; nothing was changed. `errors` lists every "
        "bad row (row number, column, value, code, message), `error_count` counts them all. "
        "A malformed query string is answered in the API's usual validation shape.",
        "content": {
            "application/json": {
                "example": {
                    "detail": "The sheet has 2 error(s); nothing was changed. First: row 4: "
                    "“7.5” is not a whole number. (and 1 more)",
                    "errors": [
                        {
                            "row": 4,
                            "column": "Qty",
                            "value": "7.5",
                            "code": "fractional_quantity",
                            "message": "“7.5” is not a whole number.",
                        },
                        {
                            "row": 9,
                            "column": "Qty",
                            "value": "-2",
                            "code": "negative_quantity",
                            "message": "“-2” is negative; quantities are 0 or more.",
                        },
                    ],
                    "error_count": 2,
                }
            }
        },
    }
}
TOO_LARGE = error_response(
    413,
    "The upload, its unpacked workbook, or its number of rows is over a limit.",
    "The upload is larger than 52,428,800 bytes, the most an import accepts "
    "(INVENTORY_IMPORT_MAX_UPLOAD_BYTES).",
)
CATALOG_CHANGED = error_response(
    409,
    "Another request changed the catalog while the sheet was imported (a name or part number "
    "was taken meanwhile); nothing was changed. Upload the file again.",
    "Another request changed the catalog while the sheet was imported (a name or part number "
    "was taken meanwhile); nothing was changed. Upload the file again.",
)
UNSUPPORTED = error_response(
    415,
    "The file is not a spreadsheet the service reads.",
    f"The file is neither a workbook nor text: it holds binary content (NUL or control "
    f"characters). Upload {SUPPORTED}.",
)
POINT_NOT_FOUND = error_response(
    404, "No inventory point has this id.", "Inventory point 3 does not exist."
)
CATALOG_CHANGED = error_response(
    409,
    "Another request changed the catalog while the sheet was imported; nothing was changed.",
    "The catalog changed while the sheet was imported (an item it matched was deleted); "
    "nothing was changed. Upload the file again.",
)


def _outcome(result: ImportResult | CatalogImportResult) -> str:
    return "dry_run" if result.dry_run else "applied"


async def _with_sheet(
    request: Request,
    limits: ImportLimits,
    layout: Layout,
    work: Callable[[Sheet, Upload], Awaitable[Result]],
) -> Result:
    """Receive the upload, open its sheet off the event loop, run ``work``, clean up; count
    it in the metrics."""
    kind = "stock_count" if layout is STOCK_COUNT else "catalog"
    with import_run(request.app.state.metrics, kind) as run:
        try:
            async with received_upload(request, max_bytes=limits.max_upload_bytes) as upload:
                sheet = await anyio.to_thread.run_sync(open_sheet, upload.path, layout, limits)
                run.format = sheet.format
                try:
                    result = await work(sheet, upload)
                finally:
                    await anyio.to_thread.run_sync(sheet.close)
        except ServiceError:  # a 4xx: the file or the request was refused
            run.outcome = "refused"
            raise
        run.rows, run.outcome = result.summary.rows, _outcome(result)
        return result


Mode = Annotated[
    Literal["set", "add", "count"],
    Query(
        description="`set` (default): each listed item takes the sheet's quantity. `add`: a "
        "delivery, the sheet's quantities are added to what is there. `count`: a complete "
        "count of the point, items it lists that the sheet does not are set to 0.",
    ),
]
Details = Annotated[
    bool, Query(description="Also list each changed item's quantity before and after.")
]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=200,
        description="A dry run's `preview`: apply only if none of the quantities it "
        "fingerprints changed since (412 otherwise, and nothing changes).",
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        min_length=1,
        max_length=200,
        description="Makes a retry safe: the same key and the same file return the first "
        "answer without applying anything again; the same key with another file is 422.",
    ),
]
STALE_PREVIEW = error_response(
    412,
    "If-Match named a preview whose quantities changed since; nothing was changed.",
    "The point's quantities of the items this sheet touches changed since the preview "
    "(If-Match); nothing was changed. Preview the sheet again.",
)


@router.post(
    "/api/inventory/{ipt_id}/import",
    summary="Import a stock count into an inventory point",
    response_model=ImportResult,
    openapi_extra=UPLOAD_BODY,
    responses=POINT_NOT_FOUND
    | CATALOG_CHANGED
    | STALE_PREVIEW
    | TOO_LARGE
    | UNSUPPORTED
    | REJECTED,
)
async def import_stock_count(
    ipt_id: PointID,
    request: Request,
    response: Response,
    session: SessionDep,
    database: DatabaseDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    dry_run: DryRun = False,
    mode: Mode = "set",
    details: Details = False,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> ImportResult:
    """Import tool quantities to a specified inventory point from an uploaded CSV or XLSX
    file (XLS and ODS too), sent as multipart form field `file`.

    **Layout**: the first row holds the column headers; a `quantity` (or `qty`) column is
    required, and at least one of `name` (or `item`) and `part number` (or `barcode`).
    Column order does not matter; headers ignore case, surrounding white space and `_`/`-`.
    In a workbook, the first visible worksheet whose first row passes these rules is read.

    **Rows**: a row that matches no item is listed in `not_matched` with the reason. Items at
    the point but not in the sheet are not changed (unless `mode=count`); items in both get
    the sheet's quantity (`mode=add`: plus what is there); items only in the sheet are added
    with it. A matched row with an empty quantity is not counted (`skipped`). Quantities are
    whole numbers, 0 or more (`7`, `7.0`, `1,200`).

    **All or nothing**: any row error (a bad quantity, an item listed twice, an error cell, a
    formula without a saved value) means nothing changes and the answer is 422 listing every
    error by row number. `?dry_run=true` answers exactly as the import would and changes
    nothing; its `preview`, sent back as `If-Match`, makes the import apply only to the state
    that was previewed. Every applied import is recorded (`import_id`) and can be reverted."""
    limits = ImportLimits.from_settings(settings)
    # 404 before a byte of the upload is read; a short read transaction of its own.
    async with database.read_sessions() as check:
        if await PointRepository(check).get(ipt_id) is None:
            raise NotFound(f"Inventory point {ipt_id} does not exist.")
    order = stock_count.Request(
        point_id=ipt_id,
        mode=mode,
        dry_run=dry_run,
        details=details,
        if_match=if_match,
        idempotency_key=idempotency_key,
        actor=principal.name,
    )

    async def count(sheet: Sheet, upload: Upload) -> ImportResult:
        file = stock_count.ImportFile(upload.filename, upload.sha256, upload.size, sheet.format)
        if dry_run:
            async with database.read_sessions() as read:
                result, _ = await stock_count.Importer(read, order, limits).run(sheet, file)
                return result
        result, replayed = await stock_count.Importer(session, order, limits).run(sheet, file)
        if replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return result

    return await _with_sheet(request, limits, STOCK_COUNT, count)


@router.post(
    "/api/items/import",
    summary="Import items into the catalog",
    response_model=CatalogImportResult,
    openapi_extra=UPLOAD_BODY,
    responses=TOO_LARGE | UNSUPPORTED | REJECTED | CATALOG_CHANGED,
)
async def import_catalog(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    dry_run: DryRun = False,
) -> CatalogImportResult:
    """Load a catalog from a sheet (CSV, XLSX, XLS or ODS) sent as multipart form field
    `file`: columns `name` (or `item`, required), `part number` (or `barcode`) and
    `description`. Items are identified by name (ignoring case and white space). A name not
    in the catalog creates the item; an existing item gets the sheet's description (where the
    cell is not empty) and its part number if it had none. A part number that belongs to
    another item, or differs from the item's own, is a row error.

    All or nothing, like the stock count: any row error means nothing changes and the answer
    is 422 listing every error. `?dry_run=true` answers exactly as the import would and
    changes nothing."""
    limits = ImportLimits.from_settings(settings)

    async def load(sheet: Sheet, upload: Upload) -> CatalogImportResult:
        del upload  # a catalog load keeps no import record
        return await catalog_load.load_catalog(session, sheet=sheet, limits=limits, dry_run=dry_run)

    return await _with_sheet(request, limits, CATALOG, load)
