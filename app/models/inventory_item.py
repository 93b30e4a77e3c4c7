from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

NAME_MAX_LENGTH = 200
PART_NUMBER_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 4000


class InventoryItem(Base):
    """A catalog entry (a tool, a part) that inventory points hold quantities of."""

    __tablename__ = "inventory_item"
    # Ids are never reused: the ledger keeps naming the item that was.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    # Normalised copies (app.core.text) carry the unique indexes.
    name_key: Mapped[str] = mapped_column(Text, unique=True)
    part_number: Mapped[str | None] = mapped_column(String(PART_NUMBER_MAX_LENGTH))
    part_number_key: Mapped[str | None] = mapped_column(Text, unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
