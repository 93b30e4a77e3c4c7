"""Which column of a sheet holds which field: header names, synonyms and the header rules.

Headers match ignoring case, surrounding white space, and ``_``/``-`` versus space, so
``Part_Number``, ``part-number`` and `` PART NUMBER `` all mean part number. Unknown columns and
columns with an empty header are ignored.
"""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Field(StrEnum):
    NAME = "name"
    PART_NUMBER = "part_number"
    QUANTITY = "quantity"
    DESCRIPTION = "description"


# The header words the source names for each field (after header_key()).
SYNONYMS: dict[Field, tuple[str, ...]] = {
    Field.NAME: ("name", "item"),
    Field.PART_NUMBER: ("part number", "barcode"),
    Field.QUANTITY: ("quantity", "qty"),
    Field.DESCRIPTION: ("description",),
}


def header_key(text: str) -> str:
    """The form two headers share when they mean the same column."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.replace("_", " ").replace("-", " ").split())


def _spelled(field: Field) -> str:
    return " or ".join(f"“{word}”" for word in SYNONYMS[field])


@dataclass(frozen=True)
class Layout:
    """The columns one kind of import reads, and which of them it cannot do without."""

    fields: tuple[Field, ...]
    required: tuple[Field, ...]
    # At least one of these must be present.
    one_of: tuple[Field, ...] = ()

    def missing(self, found: set[Field]) -> list[str]:
        """What the header row lacks, in words, for the error message."""
        problems = [
            f"a {field.value.replace('_', ' ')} column ({_spelled(field)})"
            for field in self.required
            if field not in found
        ]
        if self.one_of and not found.intersection(self.one_of):
            problems.append(
                "at least one identifier column: "
                + " and/or ".join(
                    f"{field.value.replace('_', ' ')} ({_spelled(field)})" for field in self.one_of
                )
            )
        return problems


STOCK_COUNT = Layout(
    fields=(Field.NAME, Field.PART_NUMBER, Field.QUANTITY),
    required=(Field.QUANTITY,),
    one_of=(Field.NAME, Field.PART_NUMBER),
)
CATALOG = Layout(
    fields=(Field.NAME, Field.PART_NUMBER, Field.DESCRIPTION),
    required=(Field.NAME,),
)


@dataclass(frozen=True)
class Column:
    index: int  # 0-based position in the row
    header: str  # as the sheet spells it


@dataclass(frozen=True)
class Columns:
    """The outcome of reading a header row: where each field is, or why the row fails."""

    found: dict[Field, Column]
    problem: str | None = None
    problem_code: str | None = None  # missing_column or duplicate_column

    @property
    def width(self) -> int:
        """How many leading cells of a row hold the columns read."""
        return max((column.index for column in self.found.values()), default=-1) + 1


def resolve(header: Sequence[str], layout: Layout) -> Columns:
    """Map the layout's fields to the header's columns, applying the header rules."""
    by_word = {word: field for field in layout.fields for word in SYNONYMS[field]}
    found: dict[Field, Column] = {}
    duplicated: list[str] = []
    for index, text in enumerate(header):
        field = by_word.get(header_key(text))
        if field is None:
            continue
        if field in found:
            duplicated.append(
                f"“{found[field].header.strip()}” and “{text.strip()}” both mean "
                f"{field.value.replace('_', ' ')}"
            )
            continue
        found[field] = Column(index, text.strip())
    if duplicated:
        return Columns(
            found,
            "Two columns mean the same field: " + "; ".join(duplicated) + ".",
            "duplicate_column",
        )
    missing = layout.missing(set(found))
    if missing:
        seen = ", ".join(f"“{text.strip()}”" for text in header if text.strip()) or "none"
        return Columns(
            found,
            f"The header row lacks {' and '.join(missing)}. Columns found: {seen}.",
            "missing_column",
        )
    return Columns(found)
