"""POST /api/items/import: a sheet creates the items that do not exist, updates the rest."""

from typing import Any

import httpx
import pytest

from tests.builders import assert_error, create_item
from tests.conftest import ClientFactory
from tests.imports.sheets import csv_bytes, xlsx_bytes


async def load(client: httpx.AsyncClient, content: bytes, **params: Any) -> httpx.Response:
    return await client.post(
        "/api/items/import", files={"file": ("catalog.csv", content)}, params=params
    )


async def catalog(client: httpx.AsyncClient) -> list[tuple[str, str | None, str]]:
    items = (await client.get("/api/items/")).json().values()
    return sorted((i["name"], i["part_number"], i["description"]) for i in items)


SHEET = [
    ["Name", "Part Number", "Description"],
    ["Drill 6 mm HSS", "DR-0006", "Cobalt, 135°"],
    ["Hammer 500 g", "000123", ""],
    ["Schraubendreher Größe 2", "", "Kreuz"],
]


async def test_a_sheet_creates_its_items_with_part_numbers_as_text(
    client: httpx.AsyncClient,
) -> None:
    response = await load(client, csv_bytes(SHEET))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "summary": {"rows": 3, "created": 3, "updated": 0, "unchanged": 0},
        "dry_run": False,
    }
    assert await catalog(client) == [
        ("Drill 6 mm HSS", "DR-0006", "Cobalt, 135°"),
        ("Hammer 500 g", "000123", ""),
        ("Schraubendreher Größe 2", None, "Kreuz"),
    ]


async def test_loading_the_same_sheet_again_changes_nothing(client: httpx.AsyncClient) -> None:
    await load(client, csv_bytes(SHEET))
    summary = (await load(client, csv_bytes(SHEET))).json()["summary"]
    assert summary == {"rows": 3, "created": 0, "updated": 0, "unchanged": 3}


async def test_existing_items_get_the_sheets_description_and_a_missing_part_number(
    client: httpx.AsyncClient,
) -> None:
    await create_item(client, "Drill 6 mm HSS", "DR-0006", "old")
    await create_item(client, "Hammer 500 g", None, "keep me")
    sheet = [
        ["Item", "Barcode", "Description"],
        ["drill 6 mm hss", "dr-0006", "new"],
        ["HAMMER 500 G", "000123", ""],
        ["Saw", "", ""],
    ]
    response = await load(client, csv_bytes(sheet))
    assert response.json()["summary"] == {"rows": 3, "created": 1, "updated": 2, "unchanged": 0}
    assert await catalog(client) == [
        ("Drill 6 mm HSS", "DR-0006", "new"),
        ("Hammer 500 g", "000123", "keep me"),
        ("Saw", None, ""),
    ]


async def test_numeric_part_number_cells_in_a_workbook_become_exact_text(
    client: httpx.AsyncClient,
) -> None:
    sheet = xlsx_bytes([["Name", "Part Number"], ["Tape measure 5 m", 4006381333931]])
    assert (await load(client, sheet)).status_code == 200
    assert await catalog(client) == [("Tape measure 5 m", "4006381333931", "")]


@pytest.mark.parametrize(
    ("rows", "code", "bad_rows"),
    [
        ([["Drill", "A-1", ""], ["drill", "", ""]], "duplicate_item", [2, 3]),
        ([["Drill", "A-1", ""], ["Saw", "a-1", ""]], "duplicate_item", [2, 3]),
        ([["", "A-1", "no name"]], "missing_name", [2]),
        ([["Hammer 500 g", "OTHER", ""]], "part_number_mismatch", [2]),
        ([["Saw", "000123", ""]], "part_number_taken", [2]),
        ([["Hammer 500 g", ""], ["Hammer 500 g", ""]], "duplicate_item", [2, 3]),
        ([["x" * 201, "", ""]], "too_long", [2]),
        ([["Saw", "P" * 101, ""]], "too_long", [2]),
        ([["Saw", "", "d" * 4001]], "too_long", [2]),
        ([["Saw\nblade", "", ""]], "control_characters", [2]),
        ([["Saw", "A\r\n1", ""]], "control_characters", [2]),
    ],
)
async def test_row_errors_are_listed_and_nothing_is_created(
    client: httpx.AsyncClient, rows: list[list[str]], code: str, bad_rows: list[int]
) -> None:
    await create_item(client, "Hammer 500 g", "000123")
    before = await catalog(client)
    sheet = [["Name", "Part Number", "Description"], ["Fine new item", "", ""], *rows]
    body = assert_error(await load(client, csv_bytes(sheet)), 422, "nothing was changed")
    assert [(e["row"] - 1, e["code"]) for e in body["errors"]] == [(row, code) for row in bad_rows]
    assert await catalog(client) == before


async def test_duplicates_across_chunks_are_found(make_client: ClientFactory) -> None:
    async with make_client(import_chunk_rows=2) as client:
        sheet = [["Name"], ["Drill"], ["Saw"], ["Hammer"], ["DRILL"]]
        body = assert_error(await load(client, csv_bytes(sheet)), 422, "listed in 2 rows")
        assert [e["row"] for e in body["errors"]] == [2, 5]
        assert await catalog(client) == []


async def test_a_dry_run_answers_as_the_load_would_and_creates_nothing(
    client: httpx.AsyncClient,
) -> None:
    preview = await load(client, csv_bytes(SHEET), dry_run="true")
    assert preview.status_code == 200, preview.text
    assert await catalog(client) == []
    applied = await load(client, csv_bytes(SHEET))
    assert preview.json() == applied.json() | {"dry_run": True}


async def test_a_sheet_without_a_name_column_is_422(client: httpx.AsyncClient) -> None:
    body = assert_error(
        await load(client, csv_bytes([["Part Number", "Qty"], ["A-1", "2"]])), 422, "name column"
    )
    assert body["errors"][0]["code"] == "missing_column"


async def test_the_longest_fields_the_api_takes_load_too(client: httpx.AsyncClient) -> None:
    sheet = [["Name", "Part Number", "Description"], ["n" * 200, "P" * 100, "d" * 4000]]
    assert (await load(client, xlsx_bytes(sheet))).status_code == 200
    assert await catalog(client) == [("n" * 200, "P" * 100, "d" * 4000)]
