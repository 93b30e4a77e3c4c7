from typing import Annotated

from pydantic import Field, field_validator
from pydantic.config import JsonDict

from app.core.fields import ItemId, Name, Quantity, reject_null
from app.core.schemas import ReadSchema, RequestSchema

MAX_ITEMS_PER_PATCH = 10_000
# JSON object keys are text: the keys of an items map are item ids written in decimal.
ITEM_ID_KEYS: JsonDict = {"propertyNames": {"pattern": "^[1-9][0-9]{0,9}$"}}

PointName = Annotated[
    Name,
    Field(
        description="Name of the inventory point; unique ignoring case and surrounding or "
        "repeated white space.",
        examples=["Crib A"],
    ),
]


class PointRead(ReadSchema):
    id: int = Field(description="Unique, numeric id of this inventory point.", examples=[3])
    name: str = Field(description="Name of this inventory point.", examples=["Crib A"])
    items: dict[int, int] = Field(
        description="Maps inventory item ids to the quantity stored at this point. An item "
        "listed with 0 is counted, none left; an item not listed is not stocked here.",
        examples=[{"17": 40, "18": 0}],
        json_schema_extra=ITEM_ID_KEYS,
    )


class PointCreate(RequestSchema):
    name: PointName


class PointUpdate(RequestSchema):
    """A JSON merge patch (RFC 7396) of an inventory point."""

    id: int | None = Field(default=None, description="If given, must equal the path's id.")
    name: PointName | None = Field(
        default=None, description="New name for the point; leave it out to keep the name."
    )
    items: dict[ItemId, Quantity | None] | None = Field(
        default=None,
        max_length=MAX_ITEMS_PER_PATCH,
        description="Merged key by key: a quantity sets that item at this point, null removes "
        f"the item from the point. At most {MAX_ITEMS_PER_PATCH:,} items per request.",
        examples=[{"17": 35, "18": None}],
        json_schema_extra=ITEM_ID_KEYS,
    )

    _not_null = field_validator("id", "name", "items", mode="before")(reject_null)
