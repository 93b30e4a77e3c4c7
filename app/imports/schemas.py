"""The answers of the imports: what was matched, applied, skipped, and what was wrong."""

from typing import Literal

from pydantic import Field

from app.core.schemas import ErrorBody, ReadSchema
from app.ledger.schemas import MovementRead, UtcDatetime


class NotMatchedRow(ReadSchema):
    row: int = Field(description="Row number as the spreadsheet program shows it (header: 1).")
    name: str | None = Field(description="The row's name cell, as the sheet gives it.")
    part_number: str | None = Field(description="The row's part number cell, as text.")
    quantity: int | None = Field(description="The row's quantity; null when the cell is empty.")
    reason: str = Field(description="Why the row matched no item.")


class SkippedRow(ReadSchema):
    row: int = Field(description="Row number as the spreadsheet program shows it.")
    item_id: int = Field(description="The item the row matched.")
    name: str | None = Field(description="The row's name cell.")
    part_number: str | None = Field(description="The row's part number cell.")


class ImportSummary(ReadSchema):
    rows: int = Field(description="Data rows read (blank rows are not counted).")
    matched: int = Field(
        description="Rows that matched an item: added + updated + unchanged + skipped."
    )
    not_matched: int = Field(
        description="Rows that matched no item (all of them, even when the list is capped)."
    )
    skipped: int = Field(
        description="Matched rows with an empty quantity: not counted, nothing changed."
    )
    added: int = Field(description="Items the point did not list and now does.")
    updated: int = Field(description="Items whose quantity changed.")
    unchanged: int = Field(description="Items that already had the sheet's quantity.")
    zeroed: int = Field(
        default=0,
        description="`mode=count` only: items at the point that the sheet does not list, set to 0.",
    )


class ImportChange(ReadSchema):
    item_id: int = Field(description="The item whose quantity the import changes.")
    before: int | None = Field(description="Its quantity now; null when the point lacks it.")
    after: int = Field(description="Its quantity after the import.")


class ImportResult(ReadSchema):
    not_matched: list[NotMatchedRow] = Field(
        description="Rows that did not match an inventory item; empty means all were matched. "
        "Capped (INVENTORY_IMPORT_MAX_LISTED_ROWS); summary.not_matched has the full count."
    )
    skipped: list[SkippedRow] = Field(
        description="Matched rows with an empty quantity cell (not counted), capped likewise."
    )
    summary: ImportSummary = Field(description="Counts over the whole sheet.")
    dry_run: bool = Field(description="True when nothing was written (?dry_run=true).")
    mode: Literal["set", "add", "count"] = Field(
        default="set",
        description="set: the sheet's quantities; add: added to what is there; count: a "
        "complete count, items the sheet does not list go to 0.",
    )
    preview: str | None = Field(
        default=None,
        description="A dry run's fingerprint of the point's current quantities of every item "
        "the sheet touches (null for a real import). Send it as `If-Match` with the real "
        "import: it applies only if none of those quantities changed since (else 412).",
    )
    import_id: int | None = Field(
        default=None,
        description="The record of the applied import (`GET /api/imports/{import_id}`); null "
        "for a dry run.",
    )
    changes: list[ImportChange] | None = Field(
        default=None,
        description="With `?details=true`: each item's quantity before and after (capped like "
        "the lists above); otherwise null.",
    )


class RowErrorRead(ReadSchema):
    row: int | None = Field(description="Row number in the sheet; null for the file as a whole.")
    column: str | None = Field(description="The column's header as the sheet spells it.")
    value: str | None = Field(description="The offending cell's text.")
    code: str = Field(
        description="Machine-readable reason: invalid_quantity, negative_quantity, "
        "fractional_quantity, quantity_too_large, error_cell, formula_without_value, "
        "formula_in_csv, duplicate_item, missing_name, part_number_taken, "
        "part_number_mismatch, missing_column, duplicate_column, no_data_rows, empty_file, "
        "unreadable_file, ..."
    )
    message: str = Field(description="What is wrong and how to fix it.")


class ImportRejectedBody(ErrorBody):
    errors: list[RowErrorRead] = Field(
        description="Every row error (capped like the answer's lists), in row order."
    )
    error_count: int = Field(description="How many errors there are in all.")


class CatalogImportSummary(ReadSchema):
    rows: int = Field(description="Data rows read (blank rows are not counted).")
    created: int = Field(description="Items added to the catalog.")
    updated: int = Field(
        description="Existing items whose description (or missing part number) the sheet changed."
    )
    unchanged: int = Field(description="Existing items the sheet already matched exactly.")


class CatalogImportResult(ReadSchema):
    summary: CatalogImportSummary = Field(description="Counts over the whole sheet.")
    dry_run: bool = Field(description="True when nothing was written (?dry_run=true).")


class ImportRecordRead(ReadSchema):
    id: int = Field(description="The import's id.")
    point_id: int = Field(description="The inventory point it was applied to.")
    file_name: str | None = Field(description="The uploaded file's name, as the client sent it.")
    sha256: str = Field(description="SHA-256 of the uploaded file, hex.")
    format: str = Field(description="csv, xlsx, xls or ods: as told by the content.")
    size: int = Field(description="The file's size in bytes.")
    mode: Literal["set", "add", "count"] = Field(description="The import's mode.")
    actor: str | None = Field(description="Who sent it (the token's name).")
    created_at: UtcDatetime = Field(description="When it was applied, in UTC.")
    status: Literal["applied", "reverted"] = Field(description="Whether it was reverted since.")
    reverted_at: UtcDatetime | None = Field(description="When it was reverted, in UTC.")
    summary: ImportSummary = Field(description="The counts of its answer.")


class ImportRecordPage(ReadSchema):
    imports: list[ImportRecordRead] = Field(description="Newest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page."
    )


class ImportDetail(ImportRecordRead):
    changes: list[MovementRead] = Field(
        description="The quantities the import changed (its ledger movements), newest first."
    )
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page of changes; null on the last page."
    )


class ChangedItem(ReadSchema):
    item_id: int = Field(description="An item the import changed.")
    expected: int | None = Field(description="The quantity the import set (null: removed).")
    current: int | None = Field(description="Its quantity now (null: not listed).")


class RevertResult(ReadSchema):
    import_: ImportRecordRead = Field(alias="import", description="The import, now reverted.")
    reverted: int = Field(description="Items whose quantity was put back.")
    skipped: list[ChangedItem] = Field(
        description="With `?skip_changed=true`: the items left alone because they changed "
        "after the import (capped; `skipped_count` counts them all)."
    )
    skipped_count: int = Field(description="How many items were left alone.")


class RevertConflictBody(ErrorBody):
    changed: list[ChangedItem] = Field(
        default_factory=list,
        description="Items that changed after the import (none when it was reverted already "
        "or its point is gone).",
    )
    changed_count: int = Field(default=0, description="How many changed, in all.")
