from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator

from app.core.fields import Description, Name, PartNumber, reject_null
from app.core.schemas import ReadSchema, RequestSchema


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


OptionalPartNumber = Annotated[
    PartNumber | None,
    BeforeValidator(_blank_to_none),
    Field(
        description="What a barcode encodes; text, so leading zeros are kept. "
        "Unique ignoring case and surrounding white space; blank or null means none.",
    ),
]
ItemName = Annotated[
    Name,
    Field(
        description="Unique among items, ignoring case and surrounding or repeated white space.",
        examples=["Drill 6 mm HSS"],
    ),
]


class ItemRead(ReadSchema):
    id: int = Field(description="Unique, numeric id of this item.", examples=[17])
    name: str = Field(description="Name of the item.", examples=["Drill 6 mm HSS"])
    part_number: str | None = Field(description="Part number or barcode.", examples=["DR-0006"])
    description: str = Field(description="Free text about the item.", examples=[""])


class ItemCreate(RequestSchema):
    name: ItemName
    part_number: OptionalPartNumber = None
    description: Description = Field(default="", description="Free text about the item.")


class ItemUpdate(RequestSchema):
    """A JSON merge patch (RFC 7396) of an item: fields left out stay as they are."""

    id: int | None = Field(default=None, description="If given, must equal the path's id.")
    name: ItemName | None = Field(
        default=None, description="New name for the item; leave it out to keep the name."
    )
    part_number: OptionalPartNumber = None
    description: Description | None = Field(
        default=None, description="New description; null clears it."
    )

    _name_not_null = field_validator("name", "id", mode="before")(reject_null)
