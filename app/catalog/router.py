"""``/api/items``: the catalog of items that inventory points hold quantities of."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response, status
from pydantic import Field

from app.catalog import service
from app.catalog.repository import ItemRepository
from app.catalog.schemas import ItemCreate, ItemRead, ItemUpdate
from app.core.db import SessionDep
from app.core.errors import NotFound
from app.core.fields import MAX_ID
from app.core.schemas import NOT_JSON_RESPONSE, VALIDATION_ERROR_RESPONSE, ErrorBody, error_response
from app.models import InventoryItem

router = APIRouter(
    prefix="/api/items",
    tags=["items"],
)


class ItemInUseBody(ErrorBody):
    points: list[int] = Field(description="Ids of the inventory points that list the item.")


NOT_FOUND = error_response(404, "No item has this id.", "Inventory item 17 does not exist.")
NAME_TAKEN = error_response(
    409,
    "The name or part number is already used by another item.",
    "The name is taken by item 17 ('Drill 6 mm HSS'); names and part numbers are compared "
    "ignoring case and white space.",
)
ITEM_IN_USE = error_response(
    409,
    "An inventory point still lists the item.",
    "Item 17 is still listed at 1 inventory point(s): 'Crib A' (3). "
    "Remove it from those points first.",
    model=ItemInUseBody,
    points=[3],
)


async def get_repository(session: SessionDep) -> ItemRepository:
    return ItemRepository(session)


RepositoryDep = Annotated[ItemRepository, Depends(get_repository)]
ItemID = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the inventory item.")]


def _item(*, for_update: bool) -> Callable[..., Awaitable[InventoryItem]]:
    async def existing_item(item_id: ItemID, repository: RepositoryDep) -> InventoryItem:
        item = await repository.get(item_id, for_update=for_update)
        if item is None:
            raise NotFound(f"Inventory item {item_id} does not exist.")
        return item

    return existing_item


ItemDep = Annotated[InventoryItem, Depends(_item(for_update=False))]
# Locked (PostgreSQL): a delete waits for the points writing the item, then sees their stock.
LockedItemDep = Annotated[InventoryItem, Depends(_item(for_update=True))]


@router.get(
    "/",
    summary="List all items",
    response_model=dict[int, ItemRead],
    responses={
        200: {
            "content": {
                "application/json": {
                    "example": {
                        "17": {
                            "id": 17,
                            "name": "Drill 6 mm HSS",
                            "part_number": "DR-0006",
                            "description": "",
                        }
                    }
                }
            }
        }
    },
)
@router.get("", include_in_schema=False)
async def list_items(repository: RepositoryDep) -> dict[int, ItemRead]:
    """Every item in the catalog, as an object mapping item id to item."""
    return {item.id: ItemRead.model_validate(item) for item in await repository.list_all()}


@router.get(
    "/{item_id:int}",
    summary="Get one item",
    response_model=ItemRead,
    responses=NOT_FOUND | VALIDATION_ERROR_RESPONSE,
)
async def get_item(item: ItemDep) -> ItemRead:
    """A single catalog item."""
    return ItemRead.model_validate(item)


@router.put(
    "/",
    summary="Create an item",
    status_code=status.HTTP_201_CREATED,
    response_model=ItemRead,
    responses=NAME_TAKEN | NOT_JSON_RESPONSE | VALIDATION_ERROR_RESPONSE,
)
@router.put("", status_code=status.HTTP_201_CREATED, include_in_schema=False)
async def create_item(body: ItemCreate, repository: RepositoryDep, response: Response) -> ItemRead:
    """Add an item to the catalog. Names and part numbers must be unique (ignoring case and
    white space); a part number is text, so `000123` keeps its zeros. `Location` names the
    new item."""
    item = await repository.create(
        name=body.name, part_number=body.part_number, description=body.description
    )
    response.headers["Location"] = f"{router.prefix}/{item.id}"
    return ItemRead.model_validate(item)


@router.patch(
    "/{item_id:int}",
    summary="Edit an item",
    response_model=ItemRead,
    responses=NOT_FOUND | NAME_TAKEN | NOT_JSON_RESPONSE | VALIDATION_ERROR_RESPONSE,
)
async def update_item(item: LockedItemDep, body: ItemUpdate, repository: RepositoryDep) -> ItemRead:
    """A JSON merge patch (RFC 7396): fields left out keep their values; `part_number: null`
    removes the part number and `description: null` clears the description."""
    await service.update_item(repository, item=item, patch=body)
    return ItemRead.model_validate(item)


@router.delete(
    "/{item_id:int}",
    summary="Delete an item",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND | ITEM_IN_USE | VALIDATION_ERROR_RESPONSE,
)
async def delete_item(item: LockedItemDep, repository: RepositoryDep) -> None:
    """Remove an item from the catalog. Refused with 409 while any inventory point lists it,
    even with quantity 0: remove it from those points first (PATCH the point with
    `{"items": {"<id>": null}}`)."""
    await service.delete_item(repository, item=item)
