from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from app.core.schemas import ReadSchema


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they are all stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_aware)]


class MovementRead(ReadSchema):
    id: int = Field(description="Position in the ledger: later movements have higher ids.")
    point_id: int = Field(description="The inventory point whose quantity changed.")
    item_id: int = Field(description="The item whose quantity changed.")
    quantity_before: int | None = Field(
        description="The quantity before; null when the point did not list the item."
    )
    quantity_after: int | None = Field(
        description="The quantity after; null when the point no longer lists the item."
    )
    source: Literal["patch", "import", "revert", "delete"] = Field(
        description="What changed it: a PATCH, an import, the revert of an import, or the "
        "deletion of the point."
    )
    import_id: int | None = Field(
        description="The import it belongs to (for `import` and `revert` movements)."
    )
    actor: str | None = Field(description="Who made the change (the token's name).")
    created_at: UtcDatetime = Field(description="When, in UTC.")


class HistoryPage(ReadSchema):
    movements: list[MovementRead] = Field(description="Newest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page."
    )
