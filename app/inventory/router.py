"""``/api/inventory``: inventory points and the quantities they hold (the source's paths)."""

import json
from collections.abc import Awaitable, Callable
from hashlib import blake2b
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncConnection

from app.auth.access import PrincipalDep
from app.core.db import Database, SessionDep
from app.core.errors import NotFound, PreconditionFailed
from app.core.fields import MAX_ID
from app.core.fingerprint import matches
from app.core.schemas import (
    CONCURRENT_CHANGE_RESPONSE,
    NOT_JSON_RESPONSE,
    VALIDATION_ERROR_RESPONSE,
    error_response,
)
from app.inventory import service
from app.inventory.repository import PointRepository, read_point_json
from app.inventory.schemas import PointCreate, PointRead, PointUpdate
from app.ledger.repository import LedgerRepository
from app.models import InventoryPoint

router = APIRouter(
    prefix="/api/inventory",
    tags=["inventory points"],
)

NOT_FOUND = error_response(
    404, "No inventory point has this id.", "Inventory point 3 does not exist."
)
NAME_TAKEN = error_response(
    409,
    "Another inventory point has this name (ignoring case and white space).",
    "The name 'crib a' is taken: inventory point 3 is named 'Crib A' "
    "(names are compared ignoring case and white space).",
)


async def get_repository(session: SessionDep) -> PointRepository:
    return PointRepository(session)


RepositoryDep = Annotated[PointRepository, Depends(get_repository)]


async def get_ledger(session: SessionDep) -> LedgerRepository:
    return LedgerRepository(session)


LedgerDep = Annotated[LedgerRepository, Depends(get_ledger)]
PointID = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the inventory point.")]


def _point(*, for_update: bool) -> Callable[..., Awaitable[InventoryPoint]]:
    async def existing_point(inv_pt_id: PointID, repository: RepositoryDep) -> InventoryPoint:
        point = await repository.get(inv_pt_id, for_update=for_update)
        if point is None:
            raise NotFound(f"Inventory point {inv_pt_id} does not exist.")
        return point

    return existing_point


PointDep = Annotated[InventoryPoint, Depends(_point(for_update=False))]
# Its row locked for the transaction (PostgreSQL): edits and imports of one point serialise.
LockedPointDep = Annotated[InventoryPoint, Depends(_point(for_update=True))]


def _etag(items_json: str) -> str:
    """The point's ETag: a fingerprint of all its quantities (BLAKE2b of their JSON, which
    the database writes in a fixed order)."""
    return blake2b(items_json.encode(), digest_size=16).hexdigest()


async def _read_point(connection: AsyncConnection, point_id: int) -> tuple[str, str, str]:
    """Name, items JSON and ETag of the point, in one statement."""
    found = await read_point_json(connection, point_id)
    if found is None:
        raise NotFound(f"Inventory point {point_id} does not exist.")
    name, items = found
    return name, items, _etag(items)


def _point_response(point_id: int, name: str, items: str, etag: str) -> Response:
    # The JSON is put together here: the items come from the database as JSON already, and
    # a GET of a point is the hottest read there is.
    body = f'{{"id":{point_id},"name":{json.dumps(name, ensure_ascii=False)},"items":{items}}}'
    return Response(body, media_type="application/json", headers={"ETag": f'"{etag}"'})


async def _read(repository: PointRepository, point: InventoryPoint) -> Response:
    """The point as this transaction sees it (after its own changes)."""
    connection = await repository.session.connection()
    return _point_response(point.id, *await _read_point(connection, point.id))


async def _check_if_match(
    repository: PointRepository, point: InventoryPoint, if_match: str | None
) -> None:
    connection = await repository.session.connection()
    current = (await _read_point(connection, point.id))[2] if if_match else ""
    if if_match is not None and not matches(if_match, current):
        raise PreconditionFailed(
            f"Inventory point {point.id}'s quantities changed since its ETag was read "
            "(If-Match); nothing was changed. Read the point again."
        )


IfMatch = Annotated[
    str | None,
    Header(
        max_length=200,
        description="The point's ETag from a GET: change it only if its quantities are still "
        "those (412 otherwise, and nothing changes).",
    ),
]
STALE = error_response(
    412,
    "If-Match named an ETag whose quantities changed since; nothing was changed.",
    "Inventory point 3's quantities changed since its ETag was read (If-Match); nothing was "
    "changed. Read the point again.",
)


@router.get(
    "/",
    summary="List all inventory points",
    response_model=dict[int, PointRead],
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {"3": {"id": 3, "name": "Crib A", "items": {"17": 40, "18": 0}}}
                }
            }
        }
    },
)
@router.get("", include_in_schema=False)
async def list_points(repository: RepositoryDep, principal: PrincipalDep) -> dict[int, PointRead]:
    """List all inventory points: an object mapping inventory point id to inventory point
    (for a token limited to some points, those points)."""
    return {
        point.id: PointRead(id=point.id, name=point.name, items=items)
        for point, items in await repository.list_all()
        if principal.sees(point.id)
    }


@router.get(
    "/{inv_pt_id}",
    summary="Get one inventory point",
    response_model=PointRead,
    responses=NOT_FOUND | VALIDATION_ERROR_RESPONSE,
)
async def get_point(inv_pt_id: PointID, request: Request) -> Response:
    """Get a single inventory point with the quantity of every item it lists. The `ETag`
    header fingerprints its quantities; send it as `If-Match` to PATCH or DELETE only the
    state you read."""
    # One statement on a connection of its own: no session, no BEGIN/COMMIT round trips
    # (and no dependencies beyond the path: this is the hottest read there is).
    database: Database = request.app.state.database
    async with database.statement() as connection:
        return _point_response(inv_pt_id, *await _read_point(connection, inv_pt_id))


@router.put(
    "/",
    summary="Create an inventory point",
    status_code=status.HTTP_201_CREATED,
    response_model=PointRead,
    responses=NAME_TAKEN | NOT_JSON_RESPONSE | VALIDATION_ERROR_RESPONSE,
)
@router.put("", status_code=status.HTTP_201_CREATED, include_in_schema=False)
async def create_point(
    body: PointCreate, repository: RepositoryDep, response: Response
) -> PointRead:
    """Create a new inventory point with no items. The name is trimmed and must be unique,
    ignoring case and surrounding or repeated white space. `Location` names the new point."""
    point = await repository.create(name=body.name)
    response.headers["Location"] = f"{router.prefix}/{point.id}"
    return PointRead(id=point.id, name=point.name, items={})


@router.patch(
    "/{inv_pt_id}",
    summary="Edit an inventory point",
    response_model=PointRead,
    responses=NOT_FOUND | NAME_TAKEN | STALE | NOT_JSON_RESPONSE | VALIDATION_ERROR_RESPONSE,
)
async def update_point(
    point: LockedPointDep,
    body: PointUpdate,
    repository: RepositoryDep,
    ledger: LedgerDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> Response:
    """Edit an existing inventory point. The body is a (partial) inventory point applied as a
    JSON merge patch (RFC 7396): fields left out are unchanged, and `items` merges key by key:
    a quantity sets that item at this point, `null` removes the item from the point. An
    unknown item id, a negative or fractional quantity, or an `id` other than the path's is
    422 and changes nothing. With `If-Match`, it applies only if the point's quantities still
    match that ETag (412 otherwise). Every changed quantity is recorded in the ledger."""
    await _check_if_match(repository, point, if_match)
    await service.update_point(repository, ledger, point=point, patch=body, actor=principal.name)
    await repository.session.flush()
    return await _read(repository, point)


@router.delete(
    "/{inv_pt_id}",
    summary="Delete an inventory point",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND | STALE | CONCURRENT_CHANGE_RESPONSE | VALIDATION_ERROR_RESPONSE,
)
async def delete_point(
    point: LockedPointDep,
    repository: RepositoryDep,
    ledger: LedgerDep,
    principal: PrincipalDep,
    if_match: IfMatch = None,
) -> None:
    """Delete an existing inventory point and every quantity it holds. The items stay in the
    catalog; the ledger keeps a movement for every quantity removed. With `If-Match`, only if
    the point's quantities still match that ETag (412 otherwise)."""
    await _check_if_match(repository, point, if_match)
    await service.delete_point(repository, ledger, point=point, actor=principal.name)
