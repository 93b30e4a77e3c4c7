from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Stock(Base):
    """The quantity of one item at one point; a row exists while the point lists the item."""

    __tablename__ = "stock"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_not_negative"),)

    point_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("inventory_point.id", ondelete="CASCADE"), primary_key=True
    )
    # RESTRICT: an item a point still lists cannot be deleted from the catalog.
    item_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("inventory_item.id", ondelete="RESTRICT"), primary_key=True, index=True
    )
    quantity: Mapped[int] = mapped_column(BigInteger)
