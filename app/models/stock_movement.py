from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

# SQLite makes only an INTEGER PRIMARY KEY the auto-numbered rowid.
MovementId = BigInteger().with_variant(Integer(), "sqlite")
MOVEMENT_SOURCES = ("patch", "import", "revert", "delete")


class StockMovement(Base):
    """One change of one quantity at one point: appended, never updated or deleted.

    ``None`` for a quantity means "not listed": before it, the point did not list the item;
    after it, the point no longer does.
    """

    __tablename__ = "stock_movement"
    __table_args__ = (
        Index("ix_stock_movement_point_id_id", "point_id", "id"),
        Index("ix_stock_movement_point_id_item_id_id", "point_id", "item_id", "id"),
        Index("ix_stock_movement_import_id_id", "import_id", "id"),
    )

    id: Mapped[int] = mapped_column(MovementId, primary_key=True)
    # Not foreign keys: the ledger outlives deleted points and items.
    point_id: Mapped[int] = mapped_column(Integer)
    item_id: Mapped[int] = mapped_column(Integer)
    quantity_before: Mapped[int | None] = mapped_column(BigInteger)
    quantity_after: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(8))
    # Not a foreign key either (an import record is never deleted): a check per movement
    # would cost as much as the movement itself on PostgreSQL.
    import_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
