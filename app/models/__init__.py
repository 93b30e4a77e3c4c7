"""ORM models: one module per table, all on one declarative base."""

from app.models.base import Base
from app.models.inventory_item import InventoryItem
from app.models.inventory_point import InventoryPoint
from app.models.stock import Stock

__all__ = ["Base", "InventoryItem", "InventoryPoint", "Stock"]
