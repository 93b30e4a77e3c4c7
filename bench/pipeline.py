"""The bare pipeline an HTTP import is measured against: parse the sheet, load the catalog's
keys, match in dicts, one core upsert, commit. No HTTP, no checks, no answer: the floor."""

import csv
import time
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.core.db import create_engine
from app.core.settings import Settings
from app.core.text import name_key, part_number_key
from app.models import InventoryItem, Stock


def _rows(sheet: Path) -> list[tuple[str, str, int]]:
    if sheet.suffix == ".csv":
        with sheet.open(newline="", encoding="utf-8") as file:
            reader = csv.reader(file)
            next(reader)
            return [(name_key(n), part_number_key(p), int(q)) for n, p, q in reader]
    cells: Any = CalamineWorkbook.from_path(str(sheet)).get_sheet_by_index(0).iter_rows()
    next(cells)
    return [(name_key(n), part_number_key(p), int(q)) for n, p, q in cells]


async def bare_pipeline(database_url: str, sheet: Path, point_id: int) -> float:
    """Seconds to set ``point_id``'s quantities from ``sheet`` the shortest way."""
    engine = create_engine(Settings(database_url=database_url))
    try:
        start = time.perf_counter()
        rows = _rows(sheet)
        async with engine.begin() as connection:
            by_name: dict[str, int] = {}
            by_part: dict[str | None, int] = {}
            keys = select(InventoryItem.id, InventoryItem.name_key, InventoryItem.part_number_key)
            for item_id, key, part_key in await connection.execute(keys):
                by_name[key] = item_id
                by_part[part_key] = item_id
            values = [
                {"point_id": point_id, "item_id": by_name.get(n) or by_part[p], "quantity": q}
                for n, p, q in rows
            ]
            insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
            statement = insert(Stock)
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["point_id", "item_id"],
                    set_={"quantity": statement.excluded.quantity},
                ),
                values,
            )
        return time.perf_counter() - start
    finally:
        await engine.dispose()
