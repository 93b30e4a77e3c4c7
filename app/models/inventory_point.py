from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base
from app.models.inventory_item import NAME_MAX_LENGTH


class InventoryPoint(Base):
    """A place where stock is kept: a tool crib, a cabinet, a van."""

    __tablename__ = "inventory_point"
    # Ids are never reused (SQLite would hand a deleted point's id to the next one): the
    # ledger and the import records keep naming the point that was.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    name_key: Mapped[str] = mapped_column(Text, unique=True)
