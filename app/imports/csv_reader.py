"""CSV text: its encoding, its delimiter and its records, read as a stream.

Encodings: UTF-8 with or without BOM, UTF-16 with BOM, and Windows-1252 where the bytes are not
UTF-8. Text holding NUL or other control characters is not a CSV file (415). The delimiter
(comma, semicolon, tab) is the one under which the first row passes the header rules; Excel's
``sep=;`` first line is honoured (and, as in Excel, not counted as a row). Line ends may be CRLF,
LF or CR; RFC 4180 quoting keeps a quoted line break inside its cell, so row numbers count
records, as a spreadsheet program shows them.
"""

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from app.core.errors import UnsupportedMediaType
from app.core.text import BINARY_CONTROL
from app.imports.columns import Columns, Layout, resolve
from app.imports.errors import unreadable
from app.imports.formats import SUPPORTED
from app.imports.rows import (
    MAX_CELL_LENGTH,
    MAX_COLUMNS,
    SheetRow,
    is_blank,
)
from app.imports.sheet import LocalSheet, Sheet

DELIMITERS: Final = (",", ";", "\t")
_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_SEP_LINE = re.compile(r"sep=(.)\r?\n?", re.IGNORECASE)
_CHUNK = 1 << 20
_HEAD = 1 << 16

# One process-wide setting: a cell may be as long as a spreadsheet cell can be.
csv.field_size_limit(MAX_CELL_LENGTH)


def _decodes(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes strictly; refuse control characters on the way."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as file:
        try:
            while chunk := file.read(_CHUNK):
                _refuse_control_characters(decoder.decode(chunk))
            _refuse_control_characters(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            return False
    return True


def _refuse_control_characters(text: str) -> None:
    if BINARY_CONTROL.search(text):
        raise UnsupportedMediaType(
            f"The file is neither a workbook nor text: it holds binary content (NUL or "
            f"control characters). Upload {SUPPORTED}."
        )


def detect_encoding(path: Path) -> str:
    with path.open("rb") as file:
        start = file.read(4)
    for bom, encoding in _BOMS:
        if start.startswith(bom):
            if _decodes(path, encoding):
                return encoding
            shown = encoding.removesuffix("-sig").upper()
            raise unreadable(
                f"The file starts with a {shown} byte order mark, but its text is not valid "
                f"{shown}."
            )
    for encoding in ("utf-8", "cp1252"):
        if _decodes(path, encoding):
            return encoding
    raise UnsupportedMediaType(
        f"The file is neither a workbook nor text in UTF-8, UTF-16 or Windows-1252. "
        f"Upload {SUPPORTED}."
    )


def _first_record(head: str, delimiter: str) -> tuple[int, list[str]] | None:
    """The first non-blank record of ``head`` and its row number, under ``delimiter``."""
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    try:
        for number, record in enumerate(reader, start=1):
            if not is_blank(record):
                return number, record
    except csv.Error:
        return None
    return None


def _choose_delimiter(head: str, layout: Layout) -> tuple[str, int, Columns]:
    """The delimiter under which the header passes; else the one that splits it most."""
    tried: list[tuple[int, str, int, Columns]] = []
    for delimiter in DELIMITERS:
        first = _first_record(head, delimiter)
        if first is None:
            continue
        number, header = first
        columns = resolve(header, layout)
        if columns.problem is None:
            return delimiter, number, columns
        tried.append((len(header), delimiter, number, columns))
    if not tried:
        raise unreadable("The file holds no header row: every line is empty.", code="no_header")
    _, delimiter, number, columns = max(tried, key=lambda attempt: attempt[0])
    return delimiter, number, columns


def open_csv(path: Path, layout: Layout, *, max_rows: int, chunk_rows: int) -> Sheet:
    encoding = detect_encoding(path)
    stream = io.TextIOWrapper(path.open("rb"), encoding=encoding, newline="")
    try:
        head = stream.read(_HEAD)
        separator = _SEP_LINE.match(head)
        delimiter_given = separator.group(1) if separator else None
        skip = separator.end() if separator else 0
        if delimiter_given is not None:
            first = _first_record(head[skip:], delimiter_given)
            if first is None:
                raise unreadable("The file has a sep= line but no header row.", code="no_header")
            header_row, columns = first[0], resolve(first[1], layout)
            delimiter = delimiter_given
        else:
            delimiter, header_row, columns = _choose_delimiter(head, layout)
        stream.seek(0)
        stream.read(skip)
    except BaseException:
        stream.close()
        raise
    return CsvSheet(
        format="csv",
        sheet_name=None,
        header_row=header_row,
        columns=columns,
        records=_records(stream, delimiter, header_row),
        max_rows=max_rows,
        chunk_rows=chunk_rows,
    )


@dataclass
class CsvSheet(LocalSheet):
    from_csv = True

    def close(self) -> None:
        close = getattr(self.records, "close", None)
        if close is not None:
            close()


def _records(stream: io.TextIOWrapper, delimiter: str, header_row: int) -> Iterator[SheetRow]:
    """The records after the header, numbered as a spreadsheet program shows them."""
    number = 0
    with stream:
        # strict: a quote never closed is an error, not the rest of the file in one cell.
        reader = csv.reader(stream, delimiter=delimiter, strict=True)
        try:
            for number, record in enumerate(reader, start=1):
                if len(record) > MAX_COLUMNS:  # the header's too: it was read only in part
                    raise unreadable(
                        f"Row {number} has {len(record):,} cells; a sheet has at most "
                        f"{MAX_COLUMNS:,} columns.",
                        code="too_many_columns",
                        row=number,
                    )
                if number > header_row:
                    yield number, record
        except csv.Error as exc:
            row = number + 1
            if "field larger than field limit" in str(exc):
                raise unreadable(
                    f"Row {row} has a cell longer than {MAX_CELL_LENGTH:,} characters, the most "
                    "a spreadsheet cell holds.",
                    code="cell_too_long",
                    row=row,
                ) from exc
            raise unreadable(
                f"Row {row} cannot be read as CSV ({exc}): a quoted cell must end with a "
                "quote followed by the delimiter or the line's end.",
                code="malformed_csv",
                row=row,
            ) from exc
