"""The catalog's rules: merge-patching an item and refusing to delete one still in stock."""

from app.catalog.repository import ItemRepository
from app.catalog.schemas import ItemUpdate
from app.core.errors import Conflict, InvalidRequest, field_error
from app.models import InventoryItem


async def update_item(
    repository: ItemRepository, *, item: InventoryItem, patch: ItemUpdate
) -> None:
    """Apply a JSON merge patch; fields the patch leaves out keep their values."""
    given = patch.model_fields_set
    if patch.id is not None and patch.id != item.id:
        raise InvalidRequest(
            f"The body's id {patch.id} does not match the path's id {item.id}.",
            errors=[field_error(("body", "id"), "does not match the path's id", "id_mismatch")],
        )
    if "description" in given:
        item.description = patch.description or ""
    name = patch.name if patch.name is not None else item.name
    part_number = patch.part_number if "part_number" in given else item.part_number
    await repository.save(item, name=name, part_number=part_number)


async def delete_item(repository: ItemRepository, *, item: InventoryItem) -> None:
    """Delete the item unless a point still lists it (even with quantity 0)."""
    points = await repository.points_listing(item.id)
    if points:
        names = ", ".join(f"{name!r} ({point_id})" for point_id, name in points)
        raise Conflict(
            f"Item {item.id} is still listed at {len(points)} inventory point(s): {names}. "
            "Remove it from those points first.",
            points=[point_id for point_id, _ in points],
        )
    await repository.delete(item)
