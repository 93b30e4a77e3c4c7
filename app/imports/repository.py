"""The imports' queries: a chunk of sheet rows matched, created or updated in one statement.

Every statement takes its rows as one JSON parameter (``app.core.rowsets``) and answers with one
JSON value, so a chunk of 20,000 rows costs one round trip, not 20,000.
"""

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    Executable,
    Integer,
    Text,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.core.rowsets import Rowset, decode_rows, json_rows
from app.models import InventoryItem, Stock, StockImport, StockMovement

# (name key, part number key) of one sheet row; None where the row gives no such identifier.
Keys = tuple[str | None, str | None]
NewItem = tuple[str, str, str | None, str | None, str]
ItemChange = tuple[int, str | None, str | None, str | None]
_NEW_ITEM_COLUMNS = ("name", "name_key", "part_number", "part_number_key", "description")
_ItemAlias = Any  # an aliased(InventoryItem)
ITEMS = InventoryItem.metadata.tables["inventory_item"]


@dataclass(frozen=True)
class _Statements:
    """The import statements of one dialect, built once and reused for every chunk."""

    keys: Rowset
    match_stock_count: Executable
    match_catalog: Executable
    new_items: Rowset
    create_items: Executable
    changes: Rowset
    update_items: Executable


def _match(
    dialect: str,
    keys: Rowset,
    pick: Callable[[_ItemAlias, _ItemAlias], tuple[Any, ...]],
    *,
    with_stock: bool = False,
) -> Executable:
    """``[position, *pick(item by name, item by part number)]`` for each row of ``keys`` that
    finds an item either way (and, ``with_stock``, the point's quantity of that item)."""
    by_name, by_part = aliased(InventoryItem), aliased(InventoryItem)
    columns = pick(by_name, by_part)
    query = (
        select(keys.index)
        .select_from(keys.table)
        .outerjoin(by_name, by_name.name_key == keys.column("name_key"))
        .outerjoin(by_part, by_part.part_number_key == keys.column("part_number_key"))
        .where(or_(by_name.id.is_not(None), by_part.id.is_not(None)))
    )
    if with_stock:
        query = query.outerjoin(
            Stock,
            and_(
                Stock.point_id == bindparam("point_id", type_=Integer()),
                Stock.item_id == func.coalesce(by_name.id, by_part.id),
            ),
        )
        columns = (*columns, Stock.quantity)
    return query.with_only_columns(json_rows(dialect, keys.index, *columns))


@cache
def _statements(dialect: str) -> _Statements:
    keys = Rowset(dialect, "keys", [("name_key", Text()), ("part_number_key", Text())])
    new_items = Rowset(dialect, "items", [(column, Text()) for column in _NEW_ITEM_COLUMNS])
    changes = Rowset(
        dialect,
        "changes",
        [
            ("id", Integer()),
            ("part_number", Text()),
            ("part_number_key", Text()),
            ("description", Text()),
        ],
    )
    change = (
        select(
            *(
                changes.column(column).label(column)
                for column in ("id", "part_number", "part_number_key", "description")
            )
        )
        .select_from(changes.table)
        .subquery("change")
    )
    return _Statements(
        keys=keys,
        match_stock_count=_match(
            dialect, keys, lambda by_name, by_part: (by_name.id, by_part.id), with_stock=True
        ),
        match_catalog=_match(
            dialect,
            keys,
            lambda by_name, by_part: (
                by_name.id,
                by_part.id,
                by_name.part_number,
                by_name.description,
            ),
        ),
        new_items=new_items,
        # Tables, not ORM classes: ORM bulk semantics would claim the parameters.
        create_items=insert(ITEMS)
        .from_select(
            list(_NEW_ITEM_COLUMNS),
            select(*(new_items.column(column) for column in _NEW_ITEM_COLUMNS))
            .select_from(new_items.table)
            .where(true()),  # SQLite needs a WHERE to parse INSERT ... SELECT here
        )
        .returning(ITEMS.c.id, ITEMS.c.name_key),
        changes=changes,
        update_items=update(ITEMS)
        .where(ITEMS.c.id == change.c.id)
        .values(
            part_number=func.coalesce(change.c.part_number, ITEMS.c.part_number),
            part_number_key=func.coalesce(change.c.part_number_key, ITEMS.c.part_number_key),
            description=func.coalesce(change.c.description, ITEMS.c.description),
        ),
    )


STOCK_PAGE = 10_000
# (movement id, item id, quantity before, quantity after, the point's quantity now)
RevertRow = tuple[int, int, int | None, int | None, int | None]


class ImportRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.statements = _statements(session.get_bind().dialect.name)

    async def match_stock_count(self, point_id: int, keys: Sequence[Keys]) -> list[list[Any]]:
        """``[position, id of the item with that name, id of the item with that part number,
        the point's quantity of the (name's, else part number's) item]`` for every row whose
        keys find anything; ``None`` where a key finds no item or the point lists none."""
        parameters = {"point_id": point_id, **self.statements.keys.bind(keys)}
        return decode_rows(await self.session.scalar(self.statements.match_stock_count, parameters))

    async def match_catalog(self, keys: Sequence[Keys]) -> list[list[Any]]:
        """``[position, by-name id, by-part-number id, the by-name item's part number and
        description]`` for every row whose keys find anything."""
        parameters = self.statements.keys.bind(keys)
        return decode_rows(await self.session.scalar(self.statements.match_catalog, parameters))

    async def item_labels(self, item_ids: Sequence[int]) -> dict[int, tuple[str, str | None]]:
        """Name and part number of each of the given items."""
        rows = await self.session.execute(
            select(InventoryItem.id, InventoryItem.name, InventoryItem.part_number).where(
                InventoryItem.id.in_(item_ids)
            )
        )
        return {row.id: (row.name, row.part_number) for row in rows}

    async def create_items(self, items: Sequence[NewItem]) -> dict[str, int]:
        """Insert items given as (name, name key, part number, part number key, description)
        in one statement; the new ids by name key. A taken key raises IntegrityError."""
        if not items:
            return {}
        parameters = self.statements.new_items.bind(items)
        created = await self.session.execute(self.statements.create_items, parameters)
        return {key: item_id for item_id, key in created}

    async def update_items(self, changes: Sequence[ItemChange]) -> None:
        """Update items given as (id, part number, part number key, description) in one
        statement; a None keeps that column's current value."""
        if changes:
            parameters = self.statements.changes.bind(changes)
            await self.session.execute(self.statements.update_items, parameters)

    async def stock_of_point(self, point_id: int) -> AsyncIterator[list[tuple[int, int]]]:
        """Every (item id, quantity) the point lists, in pages by item id."""
        after = 0
        while True:
            page = (
                await self.session.execute(
                    select(Stock.item_id, Stock.quantity)
                    .where(Stock.point_id == point_id, Stock.item_id > after)
                    .order_by(Stock.item_id)
                    .limit(STOCK_PAGE)
                )
            ).all()
            if not page:
                return
            yield [(row.item_id, row.quantity) for row in page]
            after = page[-1].item_id

    async def by_idempotency_key(self, point_id: int, key: str) -> StockImport | None:
        return await self.session.scalar(
            select(StockImport).where(
                StockImport.point_id == point_id, StockImport.idempotency_key == key
            )
        )

    async def start_record(self, **fields: Any) -> StockImport:
        """The record of an import being applied (its id goes into the ledger)."""
        record = StockImport(status="applied", summary={}, **fields)
        self.session.add(record)
        await self.session.flush()
        return record

    async def finish_record(self, record: StockImport, result: BaseModel) -> None:
        """Keep the import's summary and its whole answer (replayed to a retry)."""
        answer = result.model_dump(mode="json")
        record.summary = answer["summary"]
        record.response = answer
        await self.session.flush()

    async def record(self, import_id: int, *, for_update: bool = False) -> StockImport | None:
        return await self.session.get(StockImport, import_id, with_for_update=for_update)

    async def records_of_point(
        self, point_id: int, *, before_id: int | None, limit: int
    ) -> list[StockImport]:
        """Up to ``limit`` + 1 of the point's import records, newest first."""
        query = select(StockImport).where(StockImport.point_id == point_id)
        if before_id is not None:
            query = query.where(StockImport.id < before_id)
        return list(
            await self.session.scalars(query.order_by(StockImport.id.desc()).limit(limit + 1))
        )

    async def movements_to_revert(
        self, import_id: int, page_size: int
    ) -> AsyncIterator[list[RevertRow]]:
        """The import's own movements, each with the point's current quantity of its item, in
        pages by movement id."""
        after = 0
        while True:
            page = (
                await self.session.execute(
                    select(
                        StockMovement.id,
                        StockMovement.item_id,
                        StockMovement.quantity_before,
                        StockMovement.quantity_after,
                        Stock.quantity,
                    )
                    .outerjoin(
                        Stock,
                        and_(
                            Stock.point_id == StockMovement.point_id,
                            Stock.item_id == StockMovement.item_id,
                        ),
                    )
                    .where(
                        StockMovement.import_id == import_id,
                        StockMovement.source == "import",
                        StockMovement.id > after,
                    )
                    .order_by(StockMovement.id)
                    .limit(page_size)
                )
            ).all()
            if not page:
                return
            yield [tuple(row) for row in page]  # type: ignore[misc]
            after = page[-1][0]
