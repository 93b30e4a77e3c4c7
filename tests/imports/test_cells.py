"""What a cell says: identifier text and quantities from CSV text and typed workbook cells."""

import datetime

import pytest

from app.imports.cells import CellError, ErrorCell, FormulaWithoutValue, cell_text, parse_quantity


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("  DR-0006 ", "DR-0006"),
        (4006381333931.0, "4006381333931"),
        (12345.0, "12345"),
        (12.5, "12.5"),
        (7, "7"),
        (True, "TRUE"),
        (datetime.date(2024, 1, 5), "2024-01-05"),
        ("   ", None),
        (None, None),
    ],
)
def test_identifier_cells_become_trimmed_text(value: object, text: str | None) -> None:
    assert cell_text(value) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "quantity"),
    [
        ("7", 7),
        ("007", 7),
        (" 7 ", 7),
        ("7.0", 7),
        ("1,200", 1200),
        ("1,200.00", 1200),
        ("１２", 12),
        (12.0, 12),
        (0, 0),
        ("", None),
        (None, None),
    ],
)
def test_whole_numbers_in_any_spelling_are_quantities(value: object, quantity: int | None) -> None:
    assert parse_quantity(value) == quantity  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("-1", "negative_quantity"),
        (-1.0, "negative_quantity"),
        ("7.5", "fractional_quantity"),
        (7.5, "fractional_quantity"),
        ("12,00", "invalid_quantity"),
        ("1e3", "invalid_quantity"),
        ("+7", "invalid_quantity"),
        (True, "invalid_quantity"),
        (datetime.datetime(2024, 1, 5), "invalid_quantity"),
        ("#DIV/0!", "error_cell"),
        (ErrorCell("#REF!"), "error_cell"),
        (FormulaWithoutValue("A1*2"), "formula_without_value"),
        (2.0**53, "quantity_too_large"),
    ],
)
def test_anything_else_is_a_cell_error_with_a_code(value: object, code: str) -> None:
    with pytest.raises(CellError) as raised:
        parse_quantity(value)  # type: ignore[arg-type]
    assert raised.value.code == code


def test_a_formula_string_is_an_error_only_in_csv() -> None:
    with pytest.raises(CellError) as raised:
        parse_quantity("=A1", from_csv=True)
    assert raised.value.code == "formula_in_csv"
    with pytest.raises(CellError) as raised:
        parse_quantity("=A1")
    assert raised.value.code == "invalid_quantity"


@pytest.mark.parametrize("value", [ErrorCell("#N/A"), FormulaWithoutValue("B2")])
def test_identifier_cells_without_a_known_value_are_errors(value: object) -> None:
    with pytest.raises(CellError):
        cell_text(value)  # type: ignore[arg-type]
