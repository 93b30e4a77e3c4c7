"""``/api/inventory``: inventory points and the quantities they hold (the source's paths)."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Response, status

from app.core.db import SessionDep
from app.core.errors import NotFound, PreconditionFailed
from app.core.fields import MAX_ID
from app.core.fingerprint import Fingerprint, matches
from app.core.schemas import NOT_JSON_RESPONSE, VALIDATION_ERROR_RESPONSE, error_response
from app.inventory import service
from app.inventory.repository import PointRepository
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


def get_repository(session: SessionDep) -> PointRepository:
    return PointRepository(session)


RepositoryDep = Annotated[PointRepository, Depends(get_repository)]


def get_ledger(session: SessionDep) -> LedgerRepository:
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


def fingerprint(items: dict[int, int]) -> str:
    """What the point's ETag says: the fingerprint of all its quantities (as an import's
    preview token fingerprints the quantities a sheet touches)."""
    return Fingerprint().add_all(items.items()).hexdigest()


async def _read(
    repository: PointRepository, point: InventoryPoint, response: Response
) -> PointRead:
    items = await repository.items_of(point.id)
    response.headers["ETag"] = f'"{fingerprint(items)}"'
    return PointRead(id=point.id, name=point.name, items=items)


async def _check_if_match(
    repository: PointRepository, point: InventoryPoint, if_match: str | None
) -> None:
    current = fingerprint(await repository.items_of(point.id)) if if_match else ""
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
async def list_points(repository: RepositoryDep) -> dict[int, PointRead]:
    """List all inventory points: an object mapping inventory point id to inventory point."""
    return {
        point.id: PointRead(id=point.id, name=point.name, items=items)
        for point, items in await repository.list_all()
    }


@router.get(
    "/{inv_pt_id}",
    summary="Get one inventory point",
    response_model=PointRead,
    responses=NOT_FOUND | VALIDATION_ERROR_RESPONSE,
)
async def get_point(point: PointDep, repository: RepositoryDep, response: Response) -> PointRead:
    """Get a single inventory point with the quantity of every item it lists. The `ETag`
    header fingerprints its quantities; send it as `If-Match` to PATCH or DELETE only the
    state you read."""
    return await _read(repository, point, response)


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
    response: Response,
    if_match: IfMatch = None,
) -> PointRead:
    """Edit an existing inventory point. The body is a (partial) inventory point applied as a
    JSON merge patch (RFC 7396): fields left out are unchanged, and `items` merges key by key:
    a quantity sets that item at this point, `null` removes the item from the point. An
    unknown item id, a negative or fractional quantity, or an `id` other than the path's is
    422 and changes nothing. With `If-Match`, it applies only if the point's quantities still
    match that ETag (412 otherwise). Every changed quantity is recorded in the ledger."""
    await _check_if_match(repository, point, if_match)
    await service.update_point(repository, ledger, point=point, patch=body)
    return await _read(repository, point, response)


@router.delete(
    "/{inv_pt_id}",
    summary="Delete an inventory point",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND | STALE | VALIDATION_ERROR_RESPONSE,
)
async def delete_point(
    point: LockedPointDep,
    repository: RepositoryDep,
    ledger: LedgerDep,
    if_match: IfMatch = None,
) -> None:
    """Delete an existing inventory point and every quantity it holds. The items stay in the
    catalog; the ledger keeps a movement for every quantity removed. With `If-Match`, only if
    the point's quantities still match that ETag (412 otherwise)."""
    await _check_if_match(repository, point, if_match)
    await service.delete_point(repository, ledger, point=point)
