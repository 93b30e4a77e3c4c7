"""Field types shared by the request schemas: names, part numbers, quantities, ids."""

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from app.core.text import has_control_characters, is_valid_unicode
from app.models.inventory_item import (
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PART_NUMBER_MAX_LENGTH,
)

# The largest integer every JSON client (JavaScript included) reads exactly.
MAX_QUANTITY = 2**53 - 1
MAX_ID = 2**31 - 1


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _storable(value: str) -> str:
    """Text every database can store: no NUL (PostgreSQL refuses it in text) and no lone
    surrogate (half of a UTF-16 pair, which JSON can spell but UTF-8 cannot)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if not is_valid_unicode(value):
        raise ValueError("must be valid Unicode text (it holds a lone surrogate)")
    return value


def _no_control_characters(value: str) -> str:
    if has_control_characters(value):
        raise ValueError("must not contain control characters (line breaks, tabs, NUL, ...)")
    return _storable(value)


def _whole_number(value: Any) -> Any:
    # JSON numbers only: "7" and true are not quantities, 7.0 is, 7.5 fails as fractional.
    if isinstance(value, bool | str):
        raise ValueError("must be a whole number 0 or more, written as a JSON number")
    return value


def reject_null(value: Any) -> Any:
    """For merge patches: null would remove a field the resource cannot be without."""
    if value is None:
        raise ValueError("cannot be null; leave the field out to keep its current value")
    return value


# What _no_control_characters and _strip enforce, written into the JSON schema for clients
# (and fuzzers): some visible character, no control character. Pydantic does not check it
# itself: the validators' messages say more than "does not match the pattern".
_TEXT = r"[^\u0000-\u001f\u007f-\u009f]"
_TEXT_PATTERN = {"pattern": rf"^{_TEXT}*[^\s\u0000-\u001f\u007f-\u009f]{_TEXT}*$"}

Name = Annotated[
    str,
    BeforeValidator(_strip),
    Field(
        min_length=1,
        max_length=NAME_MAX_LENGTH,
        examples=["Crib A"],
        json_schema_extra=_TEXT_PATTERN,
    ),
    AfterValidator(_no_control_characters),
]
PartNumber = Annotated[
    str,
    BeforeValidator(_strip),
    Field(
        min_length=1,
        max_length=PART_NUMBER_MAX_LENGTH,
        examples=["DR-0006"],
        json_schema_extra=_TEXT_PATTERN,
    ),
    AfterValidator(_no_control_characters),
]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX_LENGTH), AfterValidator(_storable)]
# The Field before the validator: after it, Pydantic would write ge/le into the JSON schema
# instead of minimum/maximum.
Quantity = Annotated[
    int,
    Field(ge=0, le=MAX_QUANTITY, description="A whole number, 0 or more.", examples=[40]),
    BeforeValidator(_whole_number),
]
ItemId = Annotated[int, Field(ge=1, le=MAX_ID, description="An inventory item id.")]
