"""Every query on the item catalog."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import unique_or_conflict
from app.core.text import name_key, part_number_key
from app.models import InventoryItem, InventoryPoint, Stock


class ItemRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_all(self) -> Sequence[InventoryItem]:
        return (await self.session.scalars(select(InventoryItem).order_by(InventoryItem.id))).all()

    async def get(self, item_id: int, *, for_update: bool = False) -> InventoryItem | None:
        """The item; ``for_update`` locks its row (PostgreSQL) until the transaction ends, so
        no point can take it meanwhile (their writes hold a key-share lock on it)."""
        return await self.session.get(InventoryItem, item_id, with_for_update=for_update)

    async def create(
        self, *, name: str, part_number: str | None, description: str
    ) -> InventoryItem:
        item = InventoryItem(description=description)
        await self.save(item, name=name, part_number=part_number)
        return item

    async def save(self, item: InventoryItem, *, name: str, part_number: str | None) -> None:
        """Set the item's identifiers and flush; a taken name or part number is a 409."""
        keys = name_key(name), part_number_key(part_number) if part_number else None
        item_id = item.id or 0

        async def describe() -> str:
            for column, value, label in (
                (InventoryItem.name_key, keys[0], "name"),
                (InventoryItem.part_number_key, keys[1], "part number"),
            ):
                taken = (
                    await self.session.execute(
                        select(InventoryItem.id, InventoryItem.name).where(
                            column == value, InventoryItem.id != item_id
                        )
                    )
                ).first()
                if taken is not None:
                    return (
                        f"The {label} is taken by item {taken.id} ({taken.name!r}); names and "
                        "part numbers are compared ignoring case and white space."
                    )
            return "The name or part number is taken by another item."

        async with unique_or_conflict(self.session, describe):
            item.name, item.name_key = name, keys[0]
            item.part_number, item.part_number_key = part_number, keys[1]
            self.session.add(item)

    async def delete(self, item: InventoryItem) -> None:
        await self.session.delete(item)
        await self.session.flush()

    async def points_listing(self, item_id: int) -> Sequence[tuple[int, str]]:
        """The (id, name) of every point that lists the item, in id order."""
        rows = await self.session.execute(
            select(InventoryPoint.id, InventoryPoint.name)
            .join(Stock, Stock.point_id == InventoryPoint.id)
            .where(Stock.item_id == item_id)
            .order_by(InventoryPoint.id)
        )
        return [(row.id, row.name) for row in rows]
