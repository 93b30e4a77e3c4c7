"""POST /api/inventory/{ipt_id}/import: real sheets set exact quantities, all or nothing."""

from typing import Any

import httpx
import pytest

from tests.builders import assert_error, create_item, create_point, get_point, set_items
from tests.conftest import ClientFactory
from tests.imports.sheets import (
    COUNTED,
    FIXTURES,
    UNMATCHED,
    csv_bytes,
    point_with_catalog,
    quantities,
    upload,
    xlsx_bytes,
)

FIXTURE_COUNTS = [
    "count_utf8_comma_crlf.csv",
    "count_utf8_bom_semicolon_lf.csv",
    "count_utf16_tab_crlf.csv",
    "count_cp1252_semicolon_cr.csv",
    "count_sep_line.csv",
    "count_openpyxl.xlsx",
    "count_xlsxwriter_formulas.xlsx",
    "count_libreoffice.xlsx",
    "count_libreoffice.xls",
    "count_libreoffice.ods",
]


@pytest.mark.parametrize("fixture", FIXTURE_COUNTS)
async def test_every_fixture_sheet_sets_the_counted_quantities(
    client: httpx.AsyncClient, fixture: str
) -> None:
    point_id, ids = await point_with_catalog(client)
    response = await upload(client, point_id, (FIXTURES / fixture).read_bytes(), filename=fixture)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body | {"import_id": None, "preview": None} == {
        "not_matched": [UNMATCHED],
        "skipped": [],
        "summary": {
            "rows": 6,
            "matched": 5,
            "not_matched": 1,
            "skipped": 0,
            "added": 5,
            "updated": 0,
            "unchanged": 0,
            "zeroed": 0,
        },
        "dry_run": False,
        "mode": "set",
        "import_id": None,
        "preview": None,
        "changes": None,
    }
    assert isinstance(body["import_id"], int)
    assert await quantities(client, point_id, ids) == COUNTED


async def test_a_second_import_of_the_same_sheet_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    point_id, _ = await point_with_catalog(client)
    content = (FIXTURES / "count_libreoffice.xlsx").read_bytes()
    await upload(client, point_id, content)
    summary = (await upload(client, point_id, content)).json()["summary"]
    assert (summary["added"], summary["updated"], summary["unchanged"]) == (0, 0, 5)


async def test_items_only_at_the_point_stay_and_items_in_both_take_the_sheets_quantity(
    client: httpx.AsyncClient,
) -> None:
    point_id, ids = await point_with_catalog(client)
    await set_items(client, point_id, {ids["drill"]: 40, ids["saw"]: 9})
    sheet = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 35], ["Hammer 500 g", 2]])
    response = await upload(client, point_id, sheet)
    assert response.json()["summary"] == {
        "rows": 2,
        "matched": 2,
        "not_matched": 0,
        "skipped": 0,
        "added": 1,
        "updated": 1,
        "unchanged": 0,
        "zeroed": 0,
    }
    assert await quantities(client, point_id, ids) == {"drill": 35, "hammer": 2, "saw": 9}


async def test_a_dry_run_answers_as_the_import_would_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    point_id, ids = await point_with_catalog(client)
    await set_items(client, point_id, {ids["drill"]: 40})
    content = (FIXTURES / "count_utf8_comma_crlf.csv").read_bytes()
    preview = await upload(client, point_id, content, dry_run="true")
    assert preview.status_code == 200, preview.text
    assert await quantities(client, point_id, ids) == {"drill": 40}
    applied = await upload(client, point_id, content)
    assert preview.json() == applied.json() | {
        "dry_run": True,
        "import_id": None,
        "preview": preview.json()["preview"],
    }
    assert len(preview.json()["preview"]) == 32
    assert preview.json()["summary"]["updated"] == 1


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("7", 7), ("7.0", 7), ("007", 7), (" 7 ", 7), ("1,200", 1200), ("1,200.00", 1200), ("0", 0)],
)
async def test_quantities_in_every_whole_number_spelling(
    client: httpx.AsyncClient, cell: str, expected: int
) -> None:
    point_id, ids = await point_with_catalog(client)
    response = await upload(
        client, point_id, csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", cell]])
    )
    assert response.status_code == 200, response.text
    assert await quantities(client, point_id, ids) == {"drill": expected}


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("-3", "negative_quantity"),
        ("7.5", "fractional_quantity"),
        ("seven", "invalid_quantity"),
        ("2024-01-05", "invalid_quantity"),
        ("1,20", "invalid_quantity"),
        ("=SUM(B1:B3)", "formula_in_csv"),
        ("#N/A", "error_cell"),
        ("9007199254740992", "quantity_too_large"),
    ],
)
async def test_a_bad_quantity_is_a_row_error_and_changes_nothing(
    client: httpx.AsyncClient, cell: str, code: str
) -> None:
    point_id, ids = await point_with_catalog(client)
    await set_items(client, point_id, {ids["drill"]: 40})
    sheet = csv_bytes([["Name", "Qty"], ["Hammer 500 g", 3], ["Drill 6 mm HSS", cell]])
    body = assert_error(await upload(client, point_id, sheet), 422, "nothing was changed")
    assert body["errors"] == [
        {
            "row": 3,
            "column": "Qty",
            "value": cell,
            "code": code,
            "message": body["errors"][0]["message"],
        }
    ]
    assert body["error_count"] == 1
    assert await quantities(client, point_id, ids) == {"drill": 40}


async def test_every_row_error_is_listed_in_row_order(client: httpx.AsyncClient) -> None:
    point_id, _ = await point_with_catalog(client)
    sheet = csv_bytes(
        [
            ["Name", "Qty"],
            ["Drill 6 mm HSS", "x"],
            ["Hammer 500 g", "2"],
            ["Tape measure 5 m", "-1"],
            ["Nothing like it", "1.5"],
        ]
    )
    body = assert_error(await upload(client, point_id, sheet), 422)
    assert [(e["row"], e["code"]) for e in body["errors"]] == [
        (2, "invalid_quantity"),
        (4, "negative_quantity"),
        (5, "fractional_quantity"),
    ]
    assert body["error_count"] == 3


async def test_an_item_listed_twice_is_an_error_for_both_rows_however_matched(
    client: httpx.AsyncClient,
) -> None:
    point_id, ids = await point_with_catalog(client)
    sheet = csv_bytes(
        [
            ["Name", "Part Number", "Qty"],
            ["Drill 6 mm HSS", "", "4"],
            ["Hammer 500 g", "", "1"],
            ["", "dr-0006", "5"],
        ]
    )
    body = assert_error(await upload(client, point_id, sheet), 422, "listed in 2 rows")
    assert [(e["row"], e["column"], e["value"], e["code"]) for e in body["errors"]] == [
        (2, "Name", "Drill 6 mm HSS", "duplicate_item"),
        (4, "Part Number", "DR-0006", "duplicate_item"),
    ]
    assert await quantities(client, point_id, ids) == {}


async def test_duplicates_are_found_across_chunks(make_client: ClientFactory) -> None:
    async with make_client(import_chunk_rows=2) as client:
        point_id, _ = await point_with_catalog(client)
        sheet = csv_bytes(
            [
                ["Name", "Qty"],
                ["Drill 6 mm HSS", 1],
                ["Saw, hand; 500 mm", 1],
                ["Hammer 500 g", 1],
                ["DRILL 6 MM HSS", 2],
            ]
        )
        body = assert_error(await upload(client, point_id, sheet), 422)
        assert [e["row"] for e in body["errors"]] == [2, 5]


async def test_rows_that_match_no_item_are_reported_and_the_rest_applied(
    client: httpx.AsyncClient,
) -> None:
    point_id, ids = await point_with_catalog(client)
    sheet = csv_bytes(
        [
            ["Name", "Part Number", "Qty"],
            ["Hammer", "", "2"],
            ["", "123", "1"],
            ["Drill 6 mm HSS", "000123", "3"],
            ["", "", "4"],
            ["  drill   6 MM hss ", "", "8"],
        ]
    )
    response = await upload(client, point_id, sheet)
    assert response.status_code == 200, response.text
    assert response.json()["not_matched"] == [
        {
            "row": 2,
            "name": "Hammer",
            "part_number": None,
            "quantity": 2,
            "reason": "no item with this name",
        },
        {
            "row": 3,
            "name": None,
            "part_number": "123",
            "quantity": 1,
            "reason": "no item with this part number",
        },
        {
            "row": 4,
            "name": "Drill 6 mm HSS",
            "part_number": "000123",
            "quantity": 3,
            "reason": f"the name matches item {ids['drill']} but the part number matches item "
            f"{ids['hammer']}",
        },
        {
            "row": 5,
            "name": None,
            "part_number": None,
            "quantity": 4,
            "reason": "the row has no name and no part number",
        },
    ]
    assert await quantities(client, point_id, ids) == {"drill": 8}


async def test_a_part_number_alone_or_with_an_unknown_name_matches(
    client: httpx.AsyncClient,
) -> None:
    point_id, ids = await point_with_catalog(client)
    sheet = csv_bytes([["Item", "Barcode", "Qty"], ["Hammer (old label)", "000123", 6]])
    assert (await upload(client, point_id, sheet)).status_code == 200
    assert await quantities(client, point_id, ids) == {"hammer": 6}


async def test_blank_rows_are_skipped_silently_and_rows_keep_their_numbers(
    client: httpx.AsyncClient,
) -> None:
    point_id, ids = await point_with_catalog(client)
    sheet = b"\r\n , ,\r\nName,Qty,Notes\r\n\r\nDrill 6 mm HSS,4,\r\n  ,\t, \r\nGhost,1,\r\n\r\n"
    response = await upload(client, point_id, sheet)
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["rows"] == 2
    assert response.json()["not_matched"][0]["row"] == 7
    assert await quantities(client, point_id, ids) == {"drill": 4}


async def test_a_matched_row_without_a_quantity_is_skipped_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    point_id, ids = await point_with_catalog(client)
    await set_items(client, point_id, {ids["hammer"]: 5})
    sheet = csv_bytes([["Name", "Qty"], ["Hammer 500 g", ""], ["Drill 6 mm HSS", 1]])
    body = (await upload(client, point_id, sheet)).json()
    assert body["skipped"] == [
        {"row": 2, "item_id": ids["hammer"], "name": "Hammer 500 g", "part_number": None}
    ]
    assert body["summary"]["skipped"] == 1
    assert body["summary"]["matched"] == 2
    assert await quantities(client, point_id, ids) == {"hammer": 5, "drill": 1}


@pytest.mark.parametrize(
    "header",
    [
        ["name", "part number", "quantity"],
        [" NAME ", "Part_Number", "QTY"],
        ["Item", "part-number", "Qty"],
        ["Notes", "Barcode", "", "Qty"],
    ],
)
async def test_headers_match_ignoring_case_space_and_separators(
    client: httpx.AsyncClient, header: list[str]
) -> None:
    point_id, ids = await point_with_catalog(client)
    row = ["Drill 6 mm HSS", "DR-0006", "3"] if len(header) == 3 else ["x", "DR-0006", "y", "3"]
    response = await upload(client, point_id, csv_bytes([header, row]))
    assert response.status_code == 200, response.text
    assert await quantities(client, point_id, ids) == {"drill": 3}


@pytest.mark.parametrize(
    ("header", "code", "fragment"),
    [
        (["Name", "Part Number"], "missing_column", "quantity column"),
        (["Qty", "Notes"], "missing_column", "identifier column"),
        (["Name", "Qty", "Quantity"], "duplicate_column", "both mean quantity"),
        (["Name", "Item", "Qty"], "duplicate_column", "both mean name"),
    ],
)
async def test_a_header_without_the_columns_needed_is_422(
    client: httpx.AsyncClient, header: list[str], code: str, fragment: str
) -> None:
    point_id, _ = await point_with_catalog(client)
    response = await upload(client, point_id, csv_bytes([header, ["a", "1", "2"]]))
    body = assert_error(response, 422, fragment)
    assert [(e["row"], e["code"]) for e in body["errors"]] == [(1, code)]


@pytest.mark.parametrize("fixture", ["header_only.csv", "header_only.xlsx"])
async def test_a_header_with_no_rows_under_it_is_422(
    client: httpx.AsyncClient, fixture: str
) -> None:
    point_id, _ = await point_with_catalog(client)
    response = await upload(client, point_id, (FIXTURES / fixture).read_bytes())
    body = assert_error(response, 422, "no data rows")
    assert body["errors"][0]["code"] == "no_data_rows"


async def test_row_numbers_count_records_when_a_cell_holds_a_line_break(
    client: httpx.AsyncClient,
) -> None:
    point_id, _ = await point_with_catalog(client)
    response = await upload(client, point_id, (FIXTURES / "quoted_line_break.csv").read_bytes())
    body = assert_error(response, 422)
    assert [(e["row"], e["value"]) for e in body["errors"]] == [(3, "7.5")]


async def test_part_numbers_are_text_leading_zeros_and_all(client: httpx.AsyncClient) -> None:
    point_id = (await create_point(client))["id"]
    zeros = (await create_item(client, "Zeros", "000123"))["id"]
    plain = (await create_item(client, "Plain", "123"))["id"]
    sheet = xlsx_bytes([["Part Number", "Qty"], ["000123", 1], [123, 2]])
    assert (await upload(client, point_id, sheet)).status_code == 200
    assert (await get_point(client, point_id))["items"] == {str(zeros): 1, str(plain): 2}


async def test_an_unknown_point_is_404_and_reads_no_file(client: httpx.AsyncClient) -> None:
    response = await upload(client, 999_999, b"Name,Qty\r\nDrill,1\r\n")
    assert_error(response, 404, "inventory point 999999 does not exist")


async def test_a_body_that_is_not_multipart_is_415(client: httpx.AsyncClient) -> None:
    point_id, _ = await point_with_catalog(client)
    response = await client.post(f"/api/inventory/{point_id}/import", content=b"Name,Qty\n")
    assert_error(response, 415, "multipart/form-data")


async def test_a_multipart_body_without_the_file_field_is_422(client: httpx.AsyncClient) -> None:
    point_id, _ = await point_with_catalog(client)
    response = await client.post(
        f"/api/inventory/{point_id}/import", files={"sheet": ("a.csv", b"Name,Qty\n")}
    )
    assert assert_error(response, 422, "field “file”")["errors"][0]["code"] == "missing_file"


async def test_a_multipart_body_that_cannot_be_parsed_is_422(client: httpx.AsyncClient) -> None:
    point_id, ids = await point_with_catalog(client)
    response = await client.post(
        f"/api/inventory/{point_id}/import",
        content=b"--b\r\nContent-Disposition: form-data\r\n\r\nName,Qty\r\n--b--\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    body = assert_error(response, 422, "multipart body cannot be read")
    assert body["errors"][0]["code"] == "malformed_upload"
    assert await quantities(client, point_id, ids) == {}


async def test_the_not_matched_list_is_capped_but_counted_in_full(
    make_client: ClientFactory,
) -> None:
    async with make_client(import_max_listed_rows=2) as client:
        point_id, _ = await point_with_catalog(client)
        sheet = csv_bytes([["Name", "Qty"]] + [[f"Ghost {n}", n] for n in range(5)])
        body = (await upload(client, point_id, sheet)).json()
        assert [row["name"] for row in body["not_matched"]] == ["Ghost 0", "Ghost 1"]
        assert body["summary"]["not_matched"] == 5


async def test_the_error_list_is_capped_but_counted_in_full(make_client: ClientFactory) -> None:
    async with make_client(import_max_listed_rows=2) as client:
        point_id, _ = await point_with_catalog(client)
        sheet = csv_bytes([["Name", "Qty"]] + [[f"Ghost {n}", "x"] for n in range(5)])
        body = assert_error(await upload(client, point_id, sheet), 422, "5 error(s)")
        assert len(body["errors"]) == 2
        assert body["error_count"] == 5


async def test_an_upload_over_the_size_limit_is_413(make_client: ClientFactory) -> None:
    async with make_client(import_max_upload_bytes=1000) as client:
        point_id, _ = await point_with_catalog(client)
        sheet = csv_bytes([["Name", "Qty"]] + [[f"Ghost {n}", n] for n in range(200)])
        assert_error(await upload(client, point_id, sheet), 413, "larger than 1,000 bytes")


async def test_a_sheet_over_the_row_limit_is_413_and_changes_nothing(
    make_client: ClientFactory,
) -> None:
    async with make_client(import_max_rows=3, import_chunk_rows=1) as client:
        point_id, ids = await point_with_catalog(client)
        sheet = csv_bytes(
            [
                ["Name", "Qty"],
                ["Drill 6 mm HSS", 1],
                ["Hammer 500 g", 1],
                ["Saw, hand; 500 mm", 1],
                ["Tape measure 5 m", 1],
            ]
        )
        assert_error(await upload(client, point_id, sheet), 413, "more than 3 rows")
        assert await quantities(client, point_id, ids) == {}


async def test_a_row_error_after_earlier_chunks_were_written_rolls_them_back(
    make_client: ClientFactory,
) -> None:
    async with make_client(import_chunk_rows=1) as client:
        point_id, ids = await point_with_catalog(client)
        await set_items(client, point_id, {ids["drill"]: 40})
        sheet = csv_bytes(
            [["Name", "Qty"], ["Drill 6 mm HSS", 1], ["Hammer 500 g", 2], ["Saw, hand; 500 mm", -1]]
        )
        assert_error(await upload(client, point_id, sheet), 422, "negative")
        assert await quantities(client, point_id, ids) == {"drill": 40}


def _fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(
    ("fixture", "status", "fragment", "code"),
    [
        ("empty.csv", 422, "the file is empty", "empty_file"),
        ("truncated.xlsx", 422, "damaged or truncated", "unreadable_file"),
        ("image.png", 415, "upload csv", None),
        ("zip_bomb.xlsx", 413, "zip bomb", None),
        ("billion_laughs.xlsx", 422, "declares a dtd", "xml_dtd_refused"),
        ("external_entity.xlsx", 422, "declares a dtd", "xml_dtd_refused"),
        ("far_cell.xlsx", 413, "used range is probably enormous", None),
        ("formula_without_value.xlsx", 422, "no saved value", "formula_without_value"),
        ("error_cell_libreoffice.xlsx", 422, "#DIV/0!", "error_cell"),
        ("error_cell_libreoffice.ods", 422, "#DIV/0!", "error_cell"),
        ("error_cell_libreoffice.xls", 422, "#DIV/0!", "error_cell"),
    ],
)
async def test_broken_and_hostile_files_get_a_clear_4xx_and_change_nothing(
    client: httpx.AsyncClient, fixture: str, status: int, fragment: str, code: str | None
) -> None:
    point_id, ids = await point_with_catalog(client)
    await set_items(client, point_id, {ids["drill"]: 40})
    body: dict[str, Any] = assert_error(
        await upload(client, point_id, _fixture(fixture), filename=fixture), status, fragment
    )
    if code is not None:
        assert body["errors"][0]["code"] == code
    assert await quantities(client, point_id, ids) == {"drill": 40}
