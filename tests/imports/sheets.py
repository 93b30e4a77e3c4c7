"""Helpers for the import tests: the fixtures' catalog, sheets built in memory, uploads."""

import csv
import io
from pathlib import Path
from typing import Any

import httpx
import openpyxl

from tests.builders import create_item, create_point, get_point

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The catalog every fixture sheet counts (see fixtures/make_fixtures.py), by a short name.
CATALOG = {
    "drill": ("Drill 6 mm HSS", "DR-0006"),
    "hammer": ("Hammer 500 g", "000123"),
    "tape": ("Tape measure 5 m", "4006381333931"),
    "screwdriver": ("Schraubendreher Größe 2", "SD-2"),
    "saw": ("Saw, hand; 500 mm", None),
}
# What every fixture stock count sets, and the row it cannot match.
COUNTED = {"drill": 12, "hammer": 0, "tape": 1200, "screwdriver": 7, "saw": 3}
UNMATCHED = {
    "row": 7,
    "name": "Unknown thing",
    "part_number": "X-1",
    "quantity": 5,
    "reason": "no item with this name or part number",
}


async def create_catalog(client: httpx.AsyncClient) -> dict[str, int]:
    """The fixtures' items; their ids by short name."""
    ids = {}
    for key, (name, part_number) in CATALOG.items():
        ids[key] = (await create_item(client, name, part_number))["id"]
    return ids


async def point_with_catalog(client: httpx.AsyncClient) -> tuple[int, dict[str, int]]:
    point = await create_point(client, "Crib A")
    return point["id"], await create_catalog(client)


async def upload(
    client: httpx.AsyncClient,
    point_id: int,
    content: bytes,
    *,
    filename: str = "count.csv",
    **params: Any,
) -> httpx.Response:
    return await client.post(
        f"/api/inventory/{point_id}/import",
        files={"file": (filename, content, "application/octet-stream")},
        params=params,
    )


def csv_bytes(rows: list[list[Any]], *, delimiter: str = ",") -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode()


def xlsx_bytes(rows: list[list[Any]], *, title: str = "Count") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def quantities(
    client: httpx.AsyncClient, point_id: int, ids: dict[str, int]
) -> dict[str, int]:
    """The point's quantities by short name (items it does not list are left out)."""
    items = (await get_point(client, point_id))["items"]
    by_id = {str(item_id): key for key, item_id in ids.items()}
    return {by_id[item_id]: quantity for item_id, quantity in items.items()}
