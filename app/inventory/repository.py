"""Every query on inventory points and their stock."""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cache

from sqlalchemy import (
    BigInteger,
    Executable,
    Integer,
    Select,
    Text,
    bindparam,
    cast,
    delete,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.core.db import unique_or_conflict
from app.core.rowsets import Rowset
from app.core.text import name_key
from app.models import InventoryItem, InventoryPoint, Stock


class PointRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list_all(self) -> Sequence[tuple[InventoryPoint, dict[int, int]]]:
        """Every point with its items, in id order: two queries, however many points."""
        points = (
            await self.session.scalars(select(InventoryPoint).order_by(InventoryPoint.id))
        ).all()
        items: defaultdict[int, dict[int, int]] = defaultdict(dict)
        rows = await self.session.execute(
            select(Stock.point_id, Stock.item_id, Stock.quantity).order_by(
                Stock.point_id, Stock.item_id
            )
        )
        for point_id, item_id, quantity in rows:
            items[point_id][item_id] = quantity
        return [(point, items[point.id]) for point in points]

    async def get(self, point_id: int, *, for_update: bool = False) -> InventoryPoint | None:
        """The point; ``for_update`` locks its row (PostgreSQL) so writes to one point are
        serialised. SQLite needs no row lock: a write transaction holds the database's."""
        return await self.session.get(InventoryPoint, point_id, with_for_update=for_update)

    async def items_of(self, point_id: int) -> dict[int, int]:
        rows = await self.session.execute(
            select(Stock.item_id, Stock.quantity)
            .where(Stock.point_id == point_id)
            .order_by(Stock.item_id)
        )
        return {row.item_id: row.quantity for row in rows}

    async def quantities(self, point_id: int, item_ids: Sequence[int]) -> dict[int, int]:
        """The point's quantity of each of ``item_ids`` it lists (a PATCH's few thousand)."""
        if not item_ids:
            return {}
        rows = await self.session.execute(
            select(Stock.item_id, Stock.quantity).where(
                Stock.point_id == point_id, Stock.item_id.in_(item_ids)
            )
        )
        return {row.item_id: row.quantity for row in rows}

    async def stock_page(
        self, point_id: int, *, after_key: str, limit: int
    ) -> list[tuple[str, str, str | None, int]]:
        """(name key, name, part number, quantity) of the point's items after ``after_key``
        in name order: one page of an export."""
        rows = await self.session.execute(
            select(
                InventoryItem.name_key,
                InventoryItem.name,
                InventoryItem.part_number,
                Stock.quantity,
            )
            .join(Stock, Stock.item_id == InventoryItem.id)
            .where(Stock.point_id == point_id, InventoryItem.name_key > after_key)
            .order_by(InventoryItem.name_key)
            .limit(limit)
        )
        return [(row[0], row[1], row[2], row[3]) for row in rows]

    async def create(self, *, name: str) -> InventoryPoint:
        point = InventoryPoint()
        await self.rename(point, name)
        return point

    async def rename(self, point: InventoryPoint, name: str) -> None:
        """Set the point's name and flush; a name another point has is a 409."""
        key = name_key(name)

        async def describe() -> str:
            taken = (
                await self.session.execute(
                    select(InventoryPoint.id, InventoryPoint.name).where(
                        InventoryPoint.name_key == key
                    )
                )
            ).one()
            return (
                f"The name {name!r} is taken: inventory point {taken.id} is named "
                f"{taken.name!r} (names are compared ignoring case and white space)."
            )

        async with unique_or_conflict(self.session, describe):
            point.name, point.name_key = name, key
            self.session.add(point)

    async def delete(self, point: InventoryPoint) -> None:
        """Delete the point; its stock rows go with it (ON DELETE CASCADE)."""
        await self.session.delete(point)
        await self.session.flush()

    async def unknown_items(self, item_ids: Iterable[int]) -> list[int]:
        """The ids among ``item_ids`` that no catalog item has, sorted. The others are
        key-share locked (PostgreSQL) until the transaction ends: a concurrent delete of one
        waits, then finds it stocked, instead of the write failing its foreign key."""
        wanted = set(item_ids)
        if not wanted:
            return []
        found = await self.session.scalars(
            select(InventoryItem.id)
            .where(InventoryItem.id.in_(wanted))
            .with_for_update(read=True, key_share=True)
        )
        return sorted(wanted.difference(found))

    async def unknown_points(self, point_ids: Iterable[int]) -> list[int]:
        """The ids among ``point_ids`` that no point has, sorted."""
        wanted = set(point_ids)
        found = await self.session.scalars(
            select(InventoryPoint.id).where(InventoryPoint.id.in_(wanted))
        )
        return sorted(wanted.difference(found))

    async def set_quantities(self, point_id: int, quantities: Mapping[int, int]) -> None:
        """Upsert many quantities at once: one statement, however many items."""
        if not quantities:
            return
        rowset, statement = _upsert_quantities(self.session.get_bind().dialect.name)
        await self.session.execute(
            statement, {"point_id": point_id, **rowset.bind(list(quantities.items()))}
        )

    async def remove_items(self, point_id: int, item_ids: Iterable[int]) -> None:
        ids = list(item_ids)
        if ids:
            await self.session.execute(
                delete(Stock).where(Stock.point_id == point_id, Stock.item_id.in_(ids))
            )


@cache
def _upsert_quantities(dialect: str) -> tuple[Rowset, Executable]:
    """INSERT ... SELECT from a rowset of (item id, quantity) ON CONFLICT DO UPDATE."""
    rows = Rowset(dialect, "quantities", [("item_id", Integer()), ("quantity", BigInteger())])
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # WHERE true: SQLite needs it to parse INSERT ... SELECT ... ON CONFLICT.
    # The table, not the ORM class: ORM bulk-insert semantics would claim the parameters.
    statement = insert(Stock.metadata.tables["stock"]).from_select(
        ["point_id", "item_id", "quantity"],
        select(
            bindparam("point_id", type_=Integer()), rows.column("item_id"), rows.column("quantity")
        )
        .select_from(rows.table)
        .where(true()),
    )
    return rows, statement.on_conflict_do_update(
        index_elements=["point_id", "item_id"],
        set_={"quantity": statement.excluded.quantity},
    )


@cache
def _point_as_json(dialect: str) -> Select[str, str]:
    """A point's name and its items as JSON text (``{"17":40,...}``, by item id): one
    statement, so a GET reads a point in a single round trip. PostgreSQL's jsonb keeps its
    keys in a fixed order (by length, then bytes), so the text is the same however read."""
    point_id = bindparam("point_id", type_=Integer())
    if dialect == "postgresql":
        items = (
            select(
                func.coalesce(
                    cast(func.jsonb_object_agg(Stock.item_id, Stock.quantity), Text),
                    literal_column("'{}'"),
                )
            )
            .where(Stock.point_id == point_id)
            .scalar_subquery()
        )
    else:
        ordered = (
            select(Stock.item_id, Stock.quantity)
            .where(Stock.point_id == point_id)
            .order_by(Stock.item_id)
            .subquery()
        )
        items = select(
            func.json_group_object(ordered.c.item_id, ordered.c.quantity)
        ).scalar_subquery()
    return select(InventoryPoint.name, items).where(InventoryPoint.id == point_id)


@cache
def _sqlite_point_as_json() -> tuple[str, tuple[str, ...]]:
    compiled = _point_as_json("sqlite").compile(dialect=sqlite.dialect())
    return str(compiled), tuple(compiled.positiontup or ())


async def read_point_json(connection: AsyncConnection, point_id: int) -> tuple[str, str] | None:
    """The point's name and items JSON, or None when no point has this id."""
    if connection.dialect.name == "sqlite" and not connection.in_transaction():
        # The hottest read: straight to aiosqlite, one trip to its thread instead of three
        # (cursor, execute, fetch); the statement is the one below, compiled once.
        sql, names = _sqlite_point_as_json()
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        rows = await raw.execute_fetchall(sql, tuple(point_id for _ in names))
        row = next(iter(rows), None)
    else:
        statement = _point_as_json(connection.dialect.name)
        row = (await connection.execute(statement, {"point_id": point_id})).first()
    return None if row is None else (row[0], row[1])
