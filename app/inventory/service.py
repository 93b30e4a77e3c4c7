"""The inventory point rules: the merge patch of a point and its items, and its deletion.

Every change of a quantity is recorded in the ledger in the same transaction.
"""

from app.core.errors import InvalidRequest, field_error
from app.inventory.repository import PointRepository
from app.inventory.schemas import PointUpdate
from app.ledger.repository import Change, Context, LedgerRepository
from app.models import InventoryPoint


async def update_point(
    repository: PointRepository,
    ledger: LedgerRepository,
    *,
    point: InventoryPoint,
    patch: PointUpdate,
    actor: str | None = None,
) -> None:
    """Apply a JSON merge patch: a quantity sets an item, null removes it from the point."""
    if patch.id is not None and patch.id != point.id:
        raise InvalidRequest(
            f"The body's id {patch.id} does not match the path's id {point.id}.",
            errors=[field_error(("body", "id"), "does not match the path's id", "id_mismatch")],
        )
    items = patch.items or {}
    unknown = await repository.unknown_items(items)
    if unknown:
        listed = ", ".join(str(item_id) for item_id in unknown[:20])
        more = f" and {len(unknown) - 20} more" if len(unknown) > 20 else ""
        raise InvalidRequest(
            f"No inventory item has the id(s) {listed}{more}; create the items first.",
            errors=[
                field_error(("body", "items", str(item_id)), "no item has this id", "unknown_item")
                for item_id in unknown
            ],
        )
    if patch.name is not None and patch.name != point.name:
        await repository.rename(point, patch.name)
    before = await repository.quantities(point.id, list(items))
    changes: list[Change] = [
        (item_id, before.get(item_id), quantity)
        for item_id, quantity in items.items()
        if before.get(item_id) != quantity
    ]
    await repository.set_quantities(
        point.id, {item_id: after for item_id, _, after in changes if after is not None}
    )
    await repository.remove_items(
        point.id, [item_id for item_id, _, after in changes if after is None]
    )
    await ledger.record(point.id, changes, Context(source="patch", actor=actor))


async def delete_point(
    repository: PointRepository,
    ledger: LedgerRepository,
    *,
    point: InventoryPoint,
    actor: str | None = None,
) -> None:
    """Delete the point and its quantities; the ledger keeps a movement for each."""
    await ledger.record_removal_of_all(point.id, Context(source="delete", actor=actor))
    await repository.delete(point)
