"""The catalog import: create the sheet's items that do not exist, update those that do.

Items are identified by name. A new name creates the item; an existing item gets the sheet's
description (where the cell is not empty) and its part number when it has none. A part number
that belongs to another item, or differs from the item's own, is a row error, as is an item
listed twice. All or nothing, in the caller's transaction: chunks are written as they are read
(later chunks must see the items earlier ones created, to catch duplicates across them) and a
row error anywhere rolls everything back. A dry run does the same and rolls back at the end, so
it answers exactly as the import would.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict
from app.core.text import has_control_characters, part_number_key
from app.imports.columns import Columns, Field
from app.imports.errors import RowError
from app.imports.limits import ImportLimits
from app.imports.matching import BY_NAME, ItemRows, add_duplicate_errors
from app.imports.repository import ImportRepository, ItemChange, NewItem
from app.imports.rows import RowErrors, ValuesChunk, prefetched
from app.imports.schemas import CatalogImportResult, CatalogImportSummary
from app.imports.sheet import Sheet
from app.models.inventory_item import (
    DESCRIPTION_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PART_NUMBER_MAX_LENGTH,
)


class CatalogRow(NamedTuple):
    row: int
    name: str | None
    part_number: str | None
    description: str | None
    name_key: str | None
    part_number_key: str | None


def _catalog_rows(chunk: ValuesChunk) -> Iterator[CatalogRow]:
    columns = (
        chunk.rows,
        chunk.names,
        chunk.part_numbers,
        chunk.descriptions,
        chunk.name_keys,
        chunk.part_number_keys,
    )
    return map(CatalogRow._make, zip(*columns, strict=True))


@dataclass
class CatalogTally:
    columns: Columns
    errors: RowErrors
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    items: ItemRows = field(default_factory=ItemRows)

    def error(self, values: CatalogRow, column: Field, code: str, message: str) -> None:
        found = self.columns.found.get(column)
        value = {Field.NAME: values.name, Field.PART_NUMBER: values.part_number}.get(column)
        self.errors.add(
            RowError(
                row=values.row,
                column=found.header if found else None,
                value=value,
                code=code,
                message=message,
            )
        )

    def existing(self, values: CatalogRow, found: Sequence[Any]) -> ItemChange | None:
        """The update an existing item needs (None: unchanged, or a row error)."""
        _, item_id, by_part, part_number, description = found
        self.items.add(values.row, item_id, BY_NAME)
        new_part_number = None
        if values.part_number_key is not None:
            if by_part is not None and by_part != item_id:
                self.error(
                    values,
                    Field.PART_NUMBER,
                    "part_number_taken",
                    f"The part number belongs to item {by_part}, not to item {item_id} "
                    "which has this name.",
                )
                return None
            if part_number is None:
                new_part_number = values.part_number
            elif part_number_key(part_number) != values.part_number_key:
                self.error(
                    values,
                    Field.PART_NUMBER,
                    "part_number_mismatch",
                    f"Item {item_id} has the part number {part_number!r}; a catalog import "
                    f"does not change part numbers (PATCH /api/items/{item_id} does).",
                )
                return None
        new_description = values.description if values.description != description else None
        if new_part_number is None and new_description is None:
            self.unchanged += 1
            return None
        self.updated += 1
        return (item_id, new_part_number, values.part_number_key, new_description)


def _unfit(values: CatalogRow) -> tuple[Field, str, str] | None:
    """Why a row's item could not be created through the API either: (column, code, message)."""
    for column, text, longest in (
        (Field.NAME, values.name, NAME_MAX_LENGTH),
        (Field.PART_NUMBER, values.part_number, PART_NUMBER_MAX_LENGTH),
        (Field.DESCRIPTION, values.description, DESCRIPTION_MAX_LENGTH),
    ):
        label = column.value.replace("_", " ")
        if text is None:
            continue
        if len(text) > longest:
            message = f"The {label} has {len(text):,} characters; at most {longest:,} fit."
            return column, "too_long", message
        if column is not Field.DESCRIPTION and has_control_characters(text):
            message = f"The {label} holds a control character (a line break, a tab, NUL, ...)."
            return column, "control_characters", message
    return None


def _plan(
    tally: CatalogTally, chunk: ValuesChunk, found: Sequence[Sequence[Any]]
) -> tuple[list[NewItem], dict[str, int], list[ItemChange]]:
    """What one chunk creates (with the row of each new name) and updates."""
    by_position = {row[0]: row for row in found}
    creates: list[NewItem] = []
    rows_of_new: dict[str, CatalogRow] = {}
    new_part_numbers: dict[str, CatalogRow] = {}
    flagged: set[int] = set()
    updates: list[ItemChange] = []
    for position, values in enumerate(_catalog_rows(chunk)):
        if values.name is None or values.name_key is None:
            tally.error(values, Field.NAME, "missing_name", "The row has no name.")
            continue
        if (unfit := _unfit(values)) is not None:
            tally.error(values, *unfit)
            continue
        match = by_position.get(position)
        if match is not None and match[1] is not None:
            update = tally.existing(values, match)
            if update is not None:
                updates.append(update)
            continue
        if match is not None:  # the part number alone found an item, under another name
            tally.error(
                values,
                Field.PART_NUMBER,
                "part_number_taken",
                f"The part number belongs to item {match[2]}, which has another name.",
            )
            continue
        first = rows_of_new.get(values.name_key)
        column = Field.NAME
        if first is None and values.part_number_key is not None:
            first, column = new_part_numbers.get(values.part_number_key), Field.PART_NUMBER
        if first is not None:
            message = f"Rows {first.row} and {values.row} list the same new item; list it once."
            if first.row not in flagged:
                flagged.add(first.row)
                tally.error(first, column, "duplicate_item", message)
            tally.error(values, column, "duplicate_item", message)
            continue
        rows_of_new[values.name_key] = values
        if values.part_number_key is not None:
            new_part_numbers[values.part_number_key] = values
        creates.append(
            (
                values.name,
                values.name_key,
                values.part_number,
                values.part_number_key,
                values.description or "",
            )
        )
    return creates, {key: values.row for key, values in rows_of_new.items()}, updates


async def _write(
    imports: ImportRepository,
    tally: CatalogTally,
    creates: list[NewItem],
    rows_of_new: dict[str, int],
    updates: list[ItemChange],
) -> None:
    try:
        created = await imports.create_items(creates)
        await imports.update_items(updates)
    except IntegrityError as exc:
        raise Conflict(
            "Another request changed the catalog while the sheet was imported (a name or "
            "part number was taken meanwhile); nothing was changed. Upload the file again."
        ) from exc
    tally.created += len(created)
    for key, item_id in created.items():
        tally.items.add(rows_of_new[key], item_id, BY_NAME)


async def load_catalog(
    session: AsyncSession, *, sheet: Sheet, limits: ImportLimits, dry_run: bool
) -> CatalogImportResult:
    imports = ImportRepository(session)
    errors = RowErrors(limits.max_listed_rows)
    tally = CatalogTally(sheet.columns, errors)
    chunks = sheet.values(errors)
    async for chunk in prefetched(chunks):
        tally.rows = chunk.rows_read
        found = await imports.match_catalog(chunk.keys())
        creates, rows_of_new, updates = _plan(tally, chunk, found)
        # Written even after a row error (it all rolls back): later chunks must find the
        # items this one creates, or a duplicate across chunks would go unreported.
        await _write(imports, tally, creates, rows_of_new, updates)
    await add_duplicate_errors(tally.items, errors, sheet.columns, imports)
    errors.check_has_rows(tally.rows, sheet.header_row)
    if errors:
        raise errors.rejection()
    if dry_run:
        await session.rollback()
    return CatalogImportResult(
        summary=CatalogImportSummary(
            rows=tally.rows,
            created=tally.created,
            updated=tally.updated,
            unchanged=tally.unchanged,
        ),
        dry_run=dry_run,
    )
