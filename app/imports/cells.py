"""What a cell says: the text of an identifier, or a quantity, from CSV text or a typed cell.

Spreadsheet readers hand back ``str``, ``int``, ``float``, ``bool`` and date/time values; CSV
only text. Part numbers are text, never numbers: a numeric cell ``4006381333931`` (read as a
float) becomes the text ``4006381333931``.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from app.core.fields import MAX_QUANTITY


@dataclass(frozen=True)
class ErrorCell:
    """A cell whose formula failed; ``text`` is what the program shows (``#DIV/0!``)."""

    text: str


@dataclass(frozen=True)
class FormulaWithoutValue:
    """A formula cell saved without its computed value (written by a program that does not
    calculate); its value is unknown, never 0."""

    formula: str


Cell = (
    str
    | int
    | float
    | bool
    | datetime.date
    | datetime.time
    | datetime.timedelta
    | ErrorCell
    | FormulaWithoutValue
    | None
)

# The errors a spreadsheet program shows in a cell whose formula failed.
ERROR_VALUES: Final = frozenset(
    {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA", "#SPILL!"}
    | {"#CALC!", "#FIELD!", "Err:502", "Err:504", "Err:508", "Err:511", "Err:522", "Err:523"}
)

_WHOLE = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.0*)?")
_NEGATIVE = re.compile(r"-\s*[\d.,]*\d[\d.,]*")
_FRACTION = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)?\.\d+")


class CellError(ValueError):
    """A cell that cannot be used; ``code`` is machine-readable, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _number_text(value: float) -> str:
    # Whole floats print without ".0" or an exponent: 4006381333931.0 -> "4006381333931".
    return str(int(value)) if value.is_integer() else repr(value)


def _refuse_unknown_value(value: Cell) -> None:
    if isinstance(value, ErrorCell):
        raise CellError("error_cell", f"The cell shows the spreadsheet error {value.text}.")
    if isinstance(value, FormulaWithoutValue):
        raise CellError(
            "formula_without_value",
            f"The cell holds the formula ={value.formula} but no saved value. Open the file "
            "in a spreadsheet program, let it calculate, and save it again.",
        )


def cell_text(value: Cell) -> str | None:
    """An identifier or description cell as trimmed text; ``None`` when empty."""
    if value is None:
        return None
    _refuse_unknown_value(value)
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        text = _number_text(value)
    elif isinstance(value, datetime.datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, datetime.date | datetime.time):
        text = value.isoformat()
    else:
        text = str(value)
    return text or None


def _check_range(quantity: int, shown: str) -> int:
    if quantity > MAX_QUANTITY:
        raise CellError(
            "quantity_too_large", f"{shown} is larger than the largest quantity ({MAX_QUANTITY:,})."
        )
    return quantity


def _quantity_from_text(text: str, *, from_csv: bool) -> int:
    shown = f"“{text}”"
    if text.startswith("=") and from_csv:
        raise CellError(
            "formula_in_csv",
            f"{shown} is a formula; CSV files hold no computed values. Save the sheet's values.",
        )
    if text in ERROR_VALUES:
        raise CellError("error_cell", f"The cell shows the spreadsheet error {text}.")
    normal = unicodedata.normalize("NFKC", text).strip()
    if _WHOLE.fullmatch(normal):
        return _check_range(int(normal.split(".", 1)[0].replace(",", "")), shown)
    if _NEGATIVE.fullmatch(normal):
        raise CellError("negative_quantity", f"{shown} is negative; quantities are 0 or more.")
    if _FRACTION.fullmatch(normal):
        raise CellError("fractional_quantity", f"{shown} is not a whole number.")
    raise CellError("invalid_quantity", f"{shown} is not a quantity (a whole number, 0 or more).")


def parse_quantity(value: Cell, *, from_csv: bool = False) -> int | None:
    """A quantity cell as a whole number, ``None`` when empty; anything else is a CellError."""
    if value is None:
        return None
    _refuse_unknown_value(value)
    if isinstance(value, str):
        text = value.strip()
        return _quantity_from_text(text, from_csv=from_csv) if text else None
    if isinstance(value, bool):
        raise CellError("invalid_quantity", f"{value!s} is a truth value, not a quantity.")
    if isinstance(value, int):
        if value < 0:
            raise CellError("negative_quantity", f"{value} is negative; quantities are 0 or more.")
        return _check_range(value, str(value))
    if isinstance(value, float):
        shown = _number_text(value)
        if value < 0:
            raise CellError("negative_quantity", f"{shown} is negative; quantities are 0 or more.")
        if not value.is_integer():
            raise CellError("fractional_quantity", f"{shown} is not a whole number.")
        return _check_range(int(value), shown)
    raise CellError("invalid_quantity", f"{cell_text(value)} is a date or time, not a quantity.")
