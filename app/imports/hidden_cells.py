"""Cells a workbook reader shows as empty but are not: error values and formulas never computed.

python-calamine reads an error cell (``#DIV/0!``) and a formula with no saved value as an
empty string, which would make a broken quantity look like "not counted". These scans find
such cells so they become row errors instead: in an XLSX or ODS sheet's XML (streamed, looked
at closely only in blocks that hold a formula or an error at all), and in an XLS workbook's
BIFF records (FORMULA and BOOLERR records flagged as errors; olefile opens the compound file).
"""

import re
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

import olefile

from app.imports.cells import Cell, ErrorCell, FormulaWithoutValue

# row number -> {0-based absolute column -> what the cell really holds}
HiddenCells = dict[int, dict[int, Cell]]

_CHUNK = 1 << 20
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"

_XLSX_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_XLSX_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_XLSX_ERROR_TYPE = re.compile(rb'\bt="e"')
_XLSX_FORMULA = re.compile(rb"<(?:\w+:)?f\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?f>)", re.DOTALL)
# Plain substring tests: a regex here costs more than the whole parse on big sheets.
_XLSX_HINTS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/", b't="e"')
_ODS_ERROR = b'calcext:value-type="error"'
# What marks a package part worth scanning at all (formats.check_package looks for them).
HINTS = (*_XLSX_HINTS, _ODS_ERROR)
_XLSX_VALUE = re.compile(rb"<(?:\w+:)?v\b[^>]*>([^<]+)</(?:\w+:)?v>")

_ODS_TAG = re.compile(
    rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*?)(/?)>", re.DOTALL
)
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ODS_ROWS_REPEATED = re.compile(rb'table:number-rows-repeated="(\d+)"')
_ODS_COLUMNS_REPEATED = re.compile(rb'table:number-columns-repeated="(\d+)"')
_ODS_TEXT = re.compile(rb"<text:p>([^<]*)</text:p>")


def _blocks(stream: IO[bytes], boundary: bytes) -> Iterator[bytes]:
    """The part in pieces that end on ``boundary`` (a closing row tag), so no row is split."""
    rest = b""
    while chunk := stream.read(_CHUNK):
        rest += chunk
        cut = rest.rfind(boundary)
        if cut >= 0:
            cut += len(boundary)
            yield rest[:cut]
            rest = rest[cut:]
    if rest:
        yield rest


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (letter - 64)
    return index - 1


def _xlsx_sheet_part(package: zipfile.ZipFile, sheet_name: str) -> str | None:
    workbook = ElementTree.fromstring(package.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in rels.iter(f"{_PACKAGE_RELS}Relationship")
    }
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        if sheet.get("name") == sheet_name:
            target = targets.get(sheet.get(_RELATIONSHIP), "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


def _xlsx_hidden(cell_attributes: bytes, inner: bytes | None) -> Cell:
    if _XLSX_ERROR_TYPE.search(cell_attributes):
        value = _XLSX_VALUE.search(inner or b"")
        return ErrorCell(value.group(1).decode() if value else "#ERROR")
    if inner is None:
        return None
    formula = _XLSX_FORMULA.search(inner)
    if formula is not None and not _XLSX_VALUE.search(inner):
        return FormulaWithoutValue((formula.group(2) or b"").decode(errors="replace"))
    return None


def xlsx_hidden_cells(path: Path, sheet_name: str, hinted: frozenset[str] | None) -> HiddenCells:
    """Error cells and formulas without a value; ``hinted``: the parts worth scanning (None:
    all)."""
    found: HiddenCells = {}
    with zipfile.ZipFile(path) as package:
        part = _xlsx_sheet_part(package, sheet_name)
        if part is None or part not in package.namelist():
            return found
        if hinted is not None and part not in hinted:
            return found
        with package.open(part) as stream:
            for block in _blocks(stream, b"</row>"):
                if not any(hint in block for hint in _XLSX_HINTS):
                    continue
                for cell in _XLSX_CELL.finditer(block):
                    hidden = _xlsx_hidden(cell.group(1), cell.group(2))
                    ref = _XLSX_REF.search(cell.group(1))
                    if hidden is not None and ref is not None:
                        row, column = int(ref.group(2)), _column_index(ref.group(1))
                        found.setdefault(row, {})[column] = hidden
    return found


def _repeat(pattern: re.Pattern[bytes], attributes: bytes) -> int:
    match = pattern.search(attributes)
    return int(match.group(1)) if match else 1


def _contains(path: Path, member: str, needle: bytes) -> bool:
    with zipfile.ZipFile(path) as package, package.open(member) as stream:
        return any(needle in block for block in _blocks(stream, b">"))


def ods_hidden_cells(path: Path, sheet_name: str, hinted: frozenset[str] | None) -> HiddenCells:
    """Error cells of an ODS sheet (LibreOffice marks them ``calcext:value-type="error"``)."""
    found: HiddenCells = {}
    if hinted is not None and "content.xml" not in hinted:
        return found
    if not _contains(path, "content.xml", _ODS_ERROR):
        return found
    wanted = sheet_name.encode()
    inside, row, column, row_repeat = False, 0, 0, 1
    with zipfile.ZipFile(path) as package, package.open("content.xml") as stream:
        for block in _blocks(stream, b"</table:table-row>"):
            for tag in _ODS_TAG.finditer(block):
                closing, kind, attributes, empty = tag.groups()
                if kind == b"table":
                    if closing and inside:
                        return found
                    name = _ODS_NAME.search(attributes)
                    inside = not closing and name is not None and name.group(1) == wanted
                    row = 0
                elif not inside:
                    continue
                elif kind == b"table-row" and closing:
                    row += row_repeat - 1
                elif kind == b"table-row":
                    row_repeat = _repeat(_ODS_ROWS_REPEATED, attributes)
                    row, column = row + 1, 0
                    if empty:
                        row += row_repeat - 1
                elif not closing:
                    if _ODS_ERROR in attributes:
                        text = _ODS_TEXT.search(block, tag.end())
                        shown = text.group(1).decode(errors="replace") if text else "#ERROR"
                        found.setdefault(row, {})[column] = ErrorCell(shown)
                    column += _repeat(_ODS_COLUMNS_REPEATED, attributes)
    return found


# BIFF8 records and error codes (MS-XLS 2.4.127 FORMULA, 2.4.24 BOOLERR, 2.5.97 BErr).
_BIFF_BOUNDSHEET, _BIFF_EOF, _BIFF_FORMULA, _BIFF_BOOLERR = 0x0085, 0x000A, 0x0006, 0x0205
_BIFF_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
}
_RECORD = struct.Struct("<HH")
_CELL = struct.Struct("<HH")


def _biff_records(data: bytes, start: int) -> Iterator[tuple[int, bytes]]:
    position = start
    while position + 4 <= len(data):
        kind, size = _RECORD.unpack_from(data, position)
        yield kind, data[position + 4 : position + 4 + size]
        position += 4 + size


def _biff_sheet_offset(data: bytes, sheet_name: str) -> int | None:
    for kind, body in _biff_records(data, 0):
        if kind == _BIFF_EOF:
            return None  # end of the workbook globals
        if kind == _BIFF_BOUNDSHEET and len(body) >= 8:
            length, high_byte = body[6], body[7] & 1
            raw = body[8 : 8 + length * (2 if high_byte else 1)]
            if raw.decode("utf-16-le" if high_byte else "latin-1") == sheet_name:
                return int.from_bytes(body[:4], "little")
    return None


def _biff_error(kind: int, body: bytes) -> str | None:
    if kind == _BIFF_FORMULA and len(body) >= 14:
        value = body[6:14]
        if value[6:8] == b"\xff\xff" and value[0] == 0x02:
            return _BIFF_ERRORS.get(value[2], "#ERROR")
    if kind == _BIFF_BOOLERR and len(body) >= 8 and body[7] == 1:
        return _BIFF_ERRORS.get(body[6], "#ERROR")
    return None


def xls_hidden_cells(path: Path, sheet_name: str, hinted: frozenset[str] | None) -> HiddenCells:
    """Error cells of an XLS sheet (its FORMULA records always keep their results)."""
    del hinted  # an XLS is no zip package: nothing was scanned before
    found: HiddenCells = {}
    with olefile.OleFileIO(str(path)) as compound:
        stream = "Workbook" if compound.exists("Workbook") else "Book"
        if not compound.exists(stream):
            return found
        data = compound.openstream(stream).read()
    start = _biff_sheet_offset(data, sheet_name)
    if start is None:
        return found
    for kind, body in _biff_records(data, start):
        if kind == _BIFF_EOF:
            break
        error = _biff_error(kind, body)
        if error is not None:
            row, column = _CELL.unpack_from(body)
            found.setdefault(row + 1, {})[column] = ErrorCell(error)
    return found
