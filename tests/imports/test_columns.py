"""Which column holds which field: the header rules."""

import pytest

from app.imports.columns import CATALOG, STOCK_COUNT, Field, header_key, resolve


@pytest.mark.parametrize("text", ["Part_Number", "part-number", " PART NUMBER ", "Part  Number"])
def test_header_spellings_that_mean_part_number(text: str) -> None:
    assert header_key(text) == "part number"


def test_columns_are_found_in_any_order_and_unknown_or_empty_ones_ignored() -> None:
    columns = resolve(["", "Notes", "QTY", "barcode"], STOCK_COUNT)
    assert columns.problem is None
    assert {field: column.index for field, column in columns.found.items()} == {
        Field.QUANTITY: 2,
        Field.PART_NUMBER: 3,
    }


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (["Name"], "missing_column"),
        (["Qty"], "missing_column"),
        (["Qty", "quantity", "Name"], "duplicate_column"),
    ],
)
def test_headers_the_stock_count_cannot_use(header: list[str], code: str) -> None:
    assert resolve(header, STOCK_COUNT).problem_code == code


def test_the_catalog_needs_only_a_name_and_ignores_quantities() -> None:
    columns = resolve(["Qty", "Item"], CATALOG)
    assert columns.problem is None
    assert list(columns.found) == [Field.NAME]
