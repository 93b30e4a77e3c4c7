"""Where a sheet row is matched to an item, and what the stock count makes of the matches.

Each identifier a row gives that finds an item is a candidate. No candidate: the row is not
matched. Two candidates that are different items: not matched either, with a reason saying so.
Otherwise the row matches that item. Two matched rows for the same item are a row error for
both, however each was matched. A matched row with an empty quantity is "not counted"
(``skipped``).

The tally keeps what the answer needs in compact form: for every matched row its row number,
item id and how it matched (arrays of machine integers, 17 bytes a row), and a byte per item id
to spot duplicates, so a million-row sheet costs tens of megabytes, not hundreds.
"""

import re
from array import array
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.imports.columns import Columns, Field
from app.imports.errors import RowError
from app.imports.repository import ImportRepository
from app.imports.rows import RowErrors, ValuesChunk

BY_NAME, BY_PART_NUMBER = 1, 2


@dataclass(frozen=True)
class NotMatched:
    row: int
    name: str | None
    part_number: str | None
    quantity: int | None
    reason: str


@dataclass(frozen=True)
class Skipped:
    row: int
    item_id: int
    name: str | None
    part_number: str | None


# A matched, counted row: (row number, item id, the sheet's quantity, the point's quantity
# before or None).
Count = tuple[int, int, int, int | None]


def _no_candidate_reason(name: str | None, part_number: str | None) -> str:
    if name is None and part_number is None:
        return "the row has no name and no part number"
    if part_number is None:
        return "no item with this name"
    if name is None:
        return "no item with this part number"
    return "no item with this name or part number"


class ItemRows:
    """Which rows matched which item, compactly, to find items listed more than once."""

    def __init__(self) -> None:
        self._rows = array("q")
        self._items = array("q")
        self._how = array("b")
        self._seen = bytearray()

    def __len__(self) -> int:
        return len(self._rows)

    def add(self, row: int, item_id: int, how: int) -> None:
        seen = self._seen
        if item_id >= len(seen):
            seen.extend(bytes(max(item_id + 1 - len(seen), len(seen))))
        if seen[item_id] < 2:
            seen[item_id] += 1
        self._rows.append(row)
        self._items.append(item_id)
        self._how.append(how)

    def seen(self, item_id: int) -> bool:
        return item_id < len(self._seen) and self._seen[item_id] > 0

    def duplicated_items(self) -> list[int]:
        """Ids of the items that more than one row matched."""
        return [found.start() for found in re.finditer(b"\x02", self._seen)]

    def duplicate_errors(
        self, columns: Columns, labels: dict[int, tuple[str, str | None]]
    ) -> list[RowError]:
        """A row error for every row of an item that more than one row matched."""
        rows_of: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
        for row, item_id, how in zip(self._rows, self._items, self._how, strict=True):
            if self._seen[item_id] > 1:
                rows_of[item_id].append((row, how))
        errors: list[RowError] = []
        for item_id, rows in rows_of.items():
            name, part_number = labels.get(item_id, ("", None))
            listed = ", ".join(str(row) for row, _ in rows[:10]) + (" …" if len(rows) > 10 else "")
            for row, how in rows:
                by_name = how == BY_NAME
                column = columns.found[Field.NAME if by_name else Field.PART_NUMBER]
                errors.append(
                    RowError(
                        row=row,
                        column=column.header,
                        value=name if by_name else part_number,
                        code="duplicate_item",
                        message=f"Item {item_id} ({name!r}) is listed in {len(rows)} rows "
                        f"({listed}); list each item once.",
                    )
                )
        return errors


@dataclass
class StockCountTally:
    """Everything the answer to a stock count says, built chunk by chunk."""

    list_limit: int
    rows: int = 0
    not_matched_count: int = 0
    skipped_count: int = 0
    not_matched: list[NotMatched] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    matches: ItemRows = field(default_factory=ItemRows)

    def add_chunk(self, chunk: ValuesChunk, found: Sequence[Sequence[Any]]) -> list[Count]:
        """Resolve one chunk's rows against the catalog's answer (``[position, by-name id,
        by-part-number id, quantity before]`` for the rows that found anything)."""
        candidates = {match[0]: match for match in found}
        counted: list[Count] = []
        remember = self.matches.add
        rows = zip(chunk.rows, chunk.names, chunk.part_numbers, chunk.quantities, strict=True)
        for position, (row, name, part_number, quantity) in enumerate(rows):
            match = candidates.get(position)
            if match is None:
                reason = _no_candidate_reason(name, part_number)
                self._not_matched(NotMatched(row, name, part_number, quantity, reason))
                continue
            _, by_name, by_part, before = match
            if by_name is not None and by_part is not None and by_name != by_part:
                reason = (
                    f"the name matches item {by_name} but the part number matches item {by_part}"
                )
                self._not_matched(NotMatched(row, name, part_number, quantity, reason))
                continue
            item_id = by_name if by_name is not None else by_part
            remember(row, item_id, BY_NAME if item_id == by_name else BY_PART_NUMBER)
            if quantity is None:
                self.skipped_count += 1
                if len(self.skipped) < self.list_limit:
                    self.skipped.append(Skipped(row, item_id, name, part_number))
            else:
                counted.append((row, item_id, quantity, before))
        return counted

    def _not_matched(self, row: NotMatched) -> None:
        self.not_matched_count += 1
        if len(self.not_matched) < self.list_limit:
            self.not_matched.append(row)


async def add_duplicate_errors(
    matches: ItemRows, errors: RowErrors, columns: Columns, imports: ImportRepository
) -> None:
    """A row error for every row of each item the sheet lists more than once."""
    duplicated = matches.duplicated_items()
    if duplicated:
        labels = await imports.item_labels(duplicated[: errors.limit])
        for error in matches.duplicate_errors(columns, labels):
            errors.add(error)
