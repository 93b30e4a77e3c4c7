"""The ledger's queries: movements appended in bulk, read back newest first by keyset."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Executable,
    Integer,
    Select,
    String,
    bindparam,
    insert,
    null,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.rowsets import Rowset
from app.models import Stock, StockMovement

MOVEMENTS = StockMovement.metadata.tables["stock_movement"]
STOCK = Stock.metadata.tables["stock"]
# (item id, quantity before, quantity after); None: the point did not / does not list it.
Change = tuple[int, int | None, int | None]


@dataclass(frozen=True)
class Context:
    """Who made a change, how, and when: one per request, shared by its movements."""

    source: str
    actor: str | None = None
    import_id: int | None = None
    at: datetime | None = None

    def moment(self) -> datetime:
        return self.at or datetime.now(UTC)


_COLUMNS = ["point_id", "item_id", "quantity_before", "quantity_after"]
_COLUMNS += ["source", "import_id", "actor", "created_at"]


def _context_columns() -> list[ColumnElement[Any]]:
    """The parameters every movement of one statement shares, as select columns."""
    return [
        bindparam("source", type_=String()),
        bindparam("import_id", type_=Integer()),
        bindparam("actor", type_=String()),
        bindparam("created_at", type_=MOVEMENTS.c.created_at.type),
    ]


@cache
def _append(dialect: str) -> tuple[Rowset, Executable]:
    """INSERT ... SELECT a movement per row of a rowset of (item, before, after)."""
    rows = Rowset(
        dialect,
        "changes",
        [("item_id", Integer()), ("before", BigInteger()), ("after", BigInteger())],
    )
    columns: list[ColumnElement[Any]] = [
        bindparam("point_id", type_=Integer()),
        rows.column("item_id"),
        rows.column("before"),
        rows.column("after"),
        *_context_columns(),
    ]
    return rows, insert(MOVEMENTS).from_select(_COLUMNS, select(*columns).select_from(rows.table))


@cache
def _append_removals() -> Executable:
    """INSERT ... SELECT a movement to "not listed" per stock row of a point."""
    columns: list[ColumnElement[Any]] = [
        STOCK.c.point_id,
        STOCK.c.item_id,
        STOCK.c.quantity,
        null().cast(BigInteger()),
        *_context_columns(),
    ]
    query = select(*columns).where(STOCK.c.point_id == bindparam("point_id", type_=Integer()))
    return insert(MOVEMENTS).from_select(_COLUMNS, query)


class LedgerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _constants(self, point_id: int, context: Context) -> dict[str, object]:
        return {
            "point_id": point_id,
            "source": context.source,
            "import_id": context.import_id,
            "actor": context.actor,
            "created_at": context.moment(),
        }

    async def record(self, point_id: int, changes: Sequence[Change], context: Context) -> None:
        """Append one movement per change: one statement, however many."""
        if not changes:
            return
        rows, statement = _append(self.session.get_bind().dialect.name)
        await self.session.execute(
            statement, {**self._constants(point_id, context), **rows.bind(changes)}
        )

    async def record_removal_of_all(self, point_id: int, context: Context) -> None:
        """A movement to "not listed" for every item the point lists (it is being deleted)."""
        constants = self._constants(point_id, context)
        source = select(
            Stock.point_id,
            Stock.item_id,
            Stock.quantity,
            bindparam("after", None, type_=BigInteger()),
            bindparam("source", constants["source"], type_=String()),
            bindparam("import_id", constants["import_id"], type_=Integer()),
            bindparam("actor", constants["actor"], type_=String()),
            bindparam("created_at", constants["created_at"], type_=MOVEMENTS.c.created_at.type),
        ).where(Stock.point_id == point_id)
        columns = ["point_id", "item_id", "quantity_before", "quantity_after"]
        columns += ["source", "import_id", "actor", "created_at"]
        await self.session.execute(insert(MOVEMENTS).from_select(columns, source))

    async def page(
        self, query: Select[StockMovement], *, before_id: int | None, limit: int
    ) -> list[StockMovement]:
        """Up to ``limit`` + 1 movements of ``query``, newest first, older than ``before_id``."""
        if before_id is not None:
            query = query.where(StockMovement.id < before_id)
        rows = await self.session.scalars(query.order_by(StockMovement.id.desc()).limit(limit + 1))
        return list(rows)

    async def history(
        self,
        point_id: int,
        *,
        item_id: int | None,
        since: datetime | None,
        until: datetime | None,
        before_id: int | None,
        limit: int,
    ) -> list[StockMovement]:
        query = select(StockMovement).where(StockMovement.point_id == point_id)
        if item_id is not None:
            query = query.where(StockMovement.item_id == item_id)
        if since is not None:
            query = query.where(StockMovement.created_at >= since)
        if until is not None:
            query = query.where(StockMovement.created_at < until)
        return await self.page(query, before_id=before_id, limit=limit)

    async def of_import(
        self, import_id: int, *, before_id: int | None, limit: int
    ) -> list[StockMovement]:
        query = select(StockMovement).where(
            StockMovement.import_id == import_id, StockMovement.source == "import"
        )
        return await self.page(query, before_id=before_id, limit=limit)
