"""The record of applied imports: list them, show one with its changes, revert one."""

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.auth.access import PrincipalDep, check_point
from app.core.db import SessionDep
from app.core.errors import NotFound
from app.core.fields import MAX_ID
from app.core.schemas import VALIDATION_ERROR_RESPONSE, error_response
from app.core.settings import SettingsDep
from app.imports import revert
from app.imports.repository import ImportRepository
from app.imports.schemas import (
    ChangedItem,
    ImportDetail,
    ImportRecordPage,
    ImportRecordRead,
    RevertConflictBody,
    RevertResult,
)
from app.inventory.router import NOT_FOUND as POINT_NOT_FOUND
from app.inventory.router import LedgerDep, PointDep
from app.ledger.router import Cursor, Limit, page_of, parse_cursor
from app.ledger.schemas import MovementRead

router = APIRouter(tags=["imports"])

ImportID = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the import.")]
IMPORT_NOT_FOUND = error_response(404, "No import has this id.", "Import 12 does not exist.")
REVERT_CONFLICT = error_response(
    409,
    "The import was reverted already, its point is gone, or items changed since it (listed "
    "in `changed`); nothing was changed.",
    "2 item(s) changed after import 12; nothing was changed. Revert with ?skip_changed=true "
    "to put back the others.",
    model=RevertConflictBody,
    changed=[{"item_id": 17, "expected": 40, "current": 38}],
    changed_count=2,
)


@router.get(
    "/api/inventory/{inv_pt_id}/imports",
    summary="The imports applied to an inventory point",
    response_model=ImportRecordPage,
    responses=POINT_NOT_FOUND | VALIDATION_ERROR_RESPONSE,
)
async def list_imports(
    point: PointDep, session: SessionDep, cursor: Cursor = None, limit: Limit = 100
) -> ImportRecordPage:
    """Every applied import of this point, newest first: file name, SHA-256, format, size,
    mode, who, when, its summary and whether it was reverted. Page with `cursor`."""
    records = await ImportRepository(session).records_of_point(
        point.id, before_id=parse_cursor(cursor, largest=MAX_ID), limit=limit
    )
    listed, next_cursor = page_of(records, limit, ImportRecordRead)
    return ImportRecordPage(imports=listed, next_cursor=next_cursor)


@router.get(
    "/api/imports/{import_id}",
    summary="One import, with the quantities it changed",
    response_model=ImportDetail,
    responses=IMPORT_NOT_FOUND | VALIDATION_ERROR_RESPONSE,
)
async def get_import(
    import_id: ImportID,
    session: SessionDep,
    ledger: LedgerDep,
    principal: PrincipalDep,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> ImportDetail:
    """The import's record and, a page at a time, its changes: each item's quantity before
    and after (its ledger movements). Page with `cursor`."""
    record = await ImportRepository(session).record(import_id)
    if record is None:
        raise NotFound(f"Import {import_id} does not exist.")
    check_point(principal, record.point_id)
    movements = await ledger.of_import(import_id, before_id=parse_cursor(cursor), limit=limit)
    changes, next_cursor = page_of(movements, limit, MovementRead)
    return ImportDetail.model_validate(
        {
            **ImportRecordRead.model_validate(record).model_dump(),
            "changes": changes,
            "next_cursor": next_cursor,
        }
    )


@router.post(
    "/api/imports/{import_id}/revert",
    summary="Revert an import",
    response_model=RevertResult,
    response_model_by_alias=True,
    responses=IMPORT_NOT_FOUND | REVERT_CONFLICT | VALIDATION_ERROR_RESPONSE,
)
async def revert_import(
    import_id: ImportID,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    skip_changed: Annotated[
        bool,
        Query(description="Revert the items that did not change since, leave the others."),
    ] = False,
) -> RevertResult:
    """Put back every quantity the import changed (items it added are removed again), if
    each still holds the value the import set. If any changed since, the answer is 409
    listing them and nothing changes, unless `?skip_changed=true`, which reverts the others
    and lists the ones it left. The revert is recorded in the ledger (source `revert`);
    reverting twice is 409."""
    outcome = await revert.revert_import(
        session,
        import_id=import_id,
        skip_changed=skip_changed,
        list_limit=settings.import_max_listed_rows,
        principal=principal,
    )
    return RevertResult.model_validate(
        {
            "import": ImportRecordRead.model_validate(outcome.record),
            "reverted": outcome.reverted,
            "skipped": [ChangedItem.model_validate(vars(item)) for item in outcome.changed],
            "skipped_count": outcome.changed_count,
        }
    )
