"""ORM models: one module per table, all on one declarative base."""

from app.models.api_token import ApiToken
from app.models.base import Base
from app.models.inventory_item import InventoryItem
from app.models.inventory_point import InventoryPoint
from app.models.stock import Stock
from app.models.stock_import import StockImport
from app.models.stock_movement import StockMovement

__all__ = [
    "ApiToken",
    "Base",
    "InventoryItem",
    "InventoryPoint",
    "Stock",
    "StockImport",
    "StockMovement",
]
