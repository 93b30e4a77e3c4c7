"""Export: a point's stock as CSV or XLSX that imports back as a no-op, and the template."""

import asyncio
import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import openpyxl
import pytest

from app.core.text import name_key
from app.exports.formula_guard import restored
from tests.builders import assert_error, create_item, create_point, set_items
from tests.conftest import ClientFactory
from tests.imports.sheets import csv_bytes

# Names and part numbers a careless export would break: delimiters, quotes, unicode, emoji,
# and text a spreadsheet program would run as a formula.
TRICKY = [
    ('Saw, hand "large"', "000123"),
    ("Schraubendreher Größe 2 😀", "=A1+1"),
    ("=1+2 bolt", "+49 30 1234"),
    ("-20 °C spray", "-0001"),
    ("@home kit", "@X"),
    ("'til done", "'quoted"),
    ("Plain drill", None),
]


async def stocked_point(client: httpx.AsyncClient) -> tuple[int, dict[int, tuple[str, str | None]]]:
    point = (await create_point(client, "Crib A / Süd"))["id"]
    items = {}
    for name, part_number in TRICKY:
        items[(await create_item(client, name, part_number))["id"]] = (name, part_number)
    await set_items(client, point, {item_id: n * 10 for n, item_id in enumerate(items)})
    return point, items


async def export(client: httpx.AsyncClient, point: int, format: str) -> httpx.Response:
    response = await client.get(f"/api/inventory/{point}/export", params={"format": format})
    assert response.status_code == 200, response.text
    return response


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with a BOM
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("format", ["csv", "xlsx"])
async def test_an_unchanged_export_imports_as_a_no_op(
    client: httpx.AsyncClient, format: str
) -> None:
    point, items = await stocked_point(client)
    before = (await client.get(f"/api/inventory/{point}")).json()
    exported = await export(client, point, format)
    answer = await client.post(
        f"/api/inventory/{point}/import", files={"file": (f"export.{format}", exported.content)}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["not_matched"] == []
    assert answer.json()["summary"] | {} == {
        "rows": len(items),
        "matched": len(items),
        "not_matched": 0,
        "skipped": 0,
        "added": 0,
        "updated": 0,
        "unchanged": len(items),
        "zeroed": 0,
    }
    assert (await client.get(f"/api/inventory/{point}")).json() == before


async def test_the_csv_is_quoted_and_neutralised_and_keeps_part_numbers_as_text(
    client: httpx.AsyncClient,
) -> None:
    point, _ = await stocked_point(client)
    response = await export(client, point, "csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = csv_rows(response.content)
    assert rows[0] == ["Name", "Part Number", "Quantity"]
    names = [restored(row[0]) for row in rows[1:]]
    assert names == sorted(names, key=name_key)
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name['Saw, hand "large"'][1] == "000123"
    assert by_name["'=1+2 bolt"][1] == "'+49 30 1234"
    assert by_name["'-20 °C spray"][1] == "'-0001"
    assert by_name["'@home kit"][1] == "'@X"
    assert by_name["''til done"][1] == "''quoted"
    assert by_name["Schraubendreher Größe 2 😀"][1] == "'=A1+1"
    assert by_name["Plain drill"][1] == ""


async def test_the_xlsx_holds_text_cells_never_formulas(client: httpx.AsyncClient) -> None:
    point, items = await stocked_point(client)
    response = await export(client, point, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=False))
    assert [cell.value for cell in rows[0]] == ["Name", "Part Number", "Quantity"]
    texts = {(row[0].value, row[1].value) for row in rows[1:]}
    assert texts == set(items.values())
    for row in rows[1:]:
        assert row[0].data_type == "s"
        assert row[1].value is None or row[1].data_type == "s"
        assert isinstance(row[2].value, int)


SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(SOFFICE is None and not os.environ.get("CI"), reason="LibreOffice missing")
async def test_libreoffice_shows_the_exact_text_of_every_exported_cell(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    assert SOFFICE is not None, "CI needs LibreOffice (apt-get install libreoffice-calc-nogui)"
    point, items = await stocked_point(client)
    (tmp_path / "export.xlsx").write_bytes((await export(client, point, "xlsx")).content)
    await asyncio.to_thread(
        subprocess.run,
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",  # comma, double quote, UTF-8
            "--outdir",
            str(tmp_path),
            str(tmp_path / "export.xlsx"),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    shown = (tmp_path / "export.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(shown, newline="")))
    assert {(name, part or None) for name, part, _ in rows[1:]} == set(items.values())


async def test_a_large_export_streams_every_row(make_client: ClientFactory) -> None:
    async with make_client() as client:
        count = 12_001  # more than two pages
        catalog = csv_bytes([["Name"]] + [[f"Bolt {n:05d}"] for n in range(count)])
        assert (
            await client.post("/api/items/import", files={"file": ("c.csv", catalog)})
        ).status_code == 200
        point = (await create_point(client))["id"]
        sheet = csv_bytes([["Name", "Qty"]] + [[f"Bolt {n:05d}", n] for n in range(count)])
        await client.post(f"/api/inventory/{point}/import", files={"file": ("s.csv", sheet)})
        rows = csv_rows((await export(client, point, "csv")).content)
        assert len(rows) == count + 1
        assert rows[1] == ["Bolt 00000", "", "0"]
        assert rows[-1] == [f"Bolt {count - 1:05d}", "", str(count - 1)]


@pytest.mark.parametrize("format", ["csv", "xlsx"])
async def test_the_template_is_the_header_a_stock_count_needs(
    client: httpx.AsyncClient, format: str
) -> None:
    response = await client.get("/api/import-template", params={"format": format})
    assert response.status_code == 200
    if format == "csv":
        assert csv_rows(response.content) == [["Name", "Part Number", "Quantity"]]
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert sheet is not None
        assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
            ["Name", "Part Number", "Quantity"]
        ]
    point = (await create_point(client))["id"]
    empty = await client.post(
        f"/api/inventory/{point}/import", files={"file": (f"t.{format}", response.content)}
    )
    assert_error(empty, 422, "no data rows")


async def test_exporting_an_unknown_point_or_format_is_a_4xx(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/inventory/424242/export"), 404, "does not exist")
    point = (await create_point(client))["id"]
    assert_error(await client.get(f"/api/inventory/{point}/export?format=pdf"), 422, "format")
