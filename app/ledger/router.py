"""``GET /api/inventory/{inv_pt_id}/history``: every change of the point's quantities."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from fastapi import APIRouter, Query
from pydantic import AfterValidator

from app.core.errors import InvalidRequest, field_error
from app.core.fields import MAX_ID
from app.core.schemas import VALIDATION_ERROR_RESPONSE, ReadSchema
from app.inventory.router import NOT_FOUND, LedgerDep, PointDep
from app.ledger.schemas import HistoryPage, MovementRead
from app.models import StockImport, StockMovement

router = APIRouter(tags=["history"])

MAX_PAGE = 1000
Cursor = Annotated[
    str | None,
    Query(
        pattern=r"^[1-9][0-9]{0,18}$",
        description="The `next_cursor` of the previous page; leave out for the newest.",
    ),
]


def _in_utc(moment: datetime) -> datetime:
    """The moment in UTC (without a zone, UTC is meant), as the ledger stores it: SQLite
    compares timestamps as text, so another zone would shift the comparison there."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("is out of range once converted to UTC") from None


Moment = Annotated[datetime, AfterValidator(_in_utc)]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Movements per page.")]


MAX_MOVEMENT_ID = 2**63 - 1


def parse_cursor(cursor: str | None, *, largest: int = MAX_MOVEMENT_ID) -> int | None:
    """The position a page continues from; a cursor is opaque to clients. One past the
    largest id the listed table can hold was never given out (and PostgreSQL would refuse
    to compare its column with it)."""
    if cursor is None:
        return None
    if not cursor.isdigit() or not 0 < int(cursor) <= largest:
        raise InvalidRequest(
            "The cursor is not one this service gave out; pass the `next_cursor` of the "
            "previous page, or leave it out for the first page.",
            errors=[field_error(("query", "cursor"), "not a cursor", "invalid_cursor")],
        )
    return int(cursor)


Read = TypeVar("Read", bound=ReadSchema)


def page_of(
    rows: Sequence[StockMovement | StockImport], limit: int, schema: type[Read]
) -> tuple[list[Read], str | None]:
    """One page and the cursor of the next, from ``limit`` + 1 rows (newest first)."""
    listed = [schema.model_validate(row) for row in rows[:limit]]
    return listed, str(rows[limit - 1].id) if len(rows) > limit else None


@router.get(
    "/api/inventory/{inv_pt_id}/history",
    summary="The ledger of an inventory point",
    response_model=HistoryPage,
    responses=NOT_FOUND | VALIDATION_ERROR_RESPONSE,
)
async def point_history(
    point: PointDep,
    ledger: LedgerDep,
    item_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only this item's movements.")
    ] = None,
    since: Annotated[
        Moment | None, Query(description="Only movements at or after this time (ISO 8601).")
    ] = None,
    until: Annotated[
        Moment | None, Query(description="Only movements before this time (ISO 8601).")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> HistoryPage:
    """Every change of a quantity at this point, newest first: from PATCH, imports, reverts,
    and item removals, each with the quantity before and after (null: not listed). Movements
    are appended, never changed. Page with `cursor` (the previous page's `next_cursor`);
    filter by item and by time range."""
    movements = await ledger.history(
        point.id,
        item_id=item_id,
        since=since,
        until=until,
        before_id=parse_cursor(cursor),
        limit=limit,
    )
    listed, next_cursor = page_of(movements, limit, MovementRead)
    return HistoryPage(movements=listed, next_cursor=next_cursor)
