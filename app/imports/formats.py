"""What kind of file an upload is, told by its content, and whether a package is safe to open.

A zip package is an XLSX or ODS workbook (by its parts); an OLE2 compound file is an XLS
workbook; anything else is read as CSV text (the CSV reader refuses binary content). Before a
package is handed to a parser its central directory is checked against the limits (so a zip
bomb is refused without inflating anything), then every part is inflated once as a stream,
counting the real bytes and refusing any XML part that declares a DTD (entity expansion,
external entities): spreadsheet XML never needs one.
"""

import re
import struct
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from app.core.errors import PayloadTooLarge, UnsupportedMediaType
from app.imports.errors import unreadable
from app.imports.hidden_cells import HINTS

SUPPORTED = "CSV (UTF-8, UTF-16 or Windows-1252 text), XLSX, XLS or ODS"
_ZIP = b"PK\x03\x04"
_EMPTY_ZIP = b"PK\x05\x06"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_DIRECTORY = struct.Struct("<4s4H2LH")
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
# XML in UTF-16 (a byte order mark, or "<" as two bytes): no spreadsheet program writes it,
# and the scan for a DTD reads bytes as ASCII.
_UTF16_XML = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")
_INFLATE_CHUNK = 1 << 20
# Parts below this size may compress as well as they like: only big parts can be bombs.
_RATIO_FLOOR = 1 << 20


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    XLS = "xls"
    ODS = "ods"


@dataclass(frozen=True)
class PackageLimits:
    max_unpacked_bytes: int
    max_compression_ratio: int
    max_parts: int = 10_000


def detect_format(path: Path) -> Format:
    """The file's format, from its first bytes and, for a zip, its parts."""
    with path.open("rb") as file:
        magic = file.read(8)
    if not magic:
        raise unreadable("The file is empty.", code="empty_file")
    if magic.startswith(_OLE2):
        return Format.XLS
    if magic.startswith((_ZIP, _EMPTY_ZIP)):
        return _package_format(path)
    return Format.CSV


def _package_format(path: Path) -> Format:
    with _open_zip(path) as package:
        names = set(package.namelist())
    if "xl/workbook.xml" in names:
        return Format.XLSX
    if "content.xml" in names:
        with zipfile.ZipFile(path) as package:
            mimetype = package.read("mimetype").strip() if "mimetype" in names else b""
        if mimetype in (b"", _ODS_MIMETYPE):
            return Format.ODS
    raise UnsupportedMediaType(
        f"The file is a zip archive but not a spreadsheet workbook. Upload {SUPPORTED}."
    )


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise unreadable(
            f"The file starts like a workbook (a zip package) but is damaged or truncated: {exc}."
        ) from exc


def _count_parts(path: Path) -> int:
    """The number of parts the zip's end record declares, read before ZipFile lists them."""
    with path.open("rb") as file:
        file.seek(0, 2)
        size = file.tell()
        file.seek(max(0, size - 65_557))
        tail = file.read()
    at = tail.rfind(_EMPTY_ZIP)
    if at < 0 or len(tail) - at < _END_OF_DIRECTORY.size:
        return 0  # not found: ZipFile will say the file is damaged
    fields = _END_OF_DIRECTORY.unpack_from(tail, at)
    return int(fields[4])


def check_package(path: Path, limits: PackageLimits) -> frozenset[str]:
    """Refuse a zip package that unpacks too large, compresses suspiciously well, or whose XML
    declares a DTD; inflate each part once as a stream to check the real sizes. Answers the
    XML parts that hold a formula or an error value (the hidden-cell scan needs only those)."""
    parts = _count_parts(path)
    if parts > limits.max_parts:
        raise PayloadTooLarge(
            f"The workbook package has {parts:,} parts; a spreadsheet has far fewer "
            f"(at most {limits.max_parts:,} accepted)."
        )
    with _open_zip(path) as package:
        members = package.infolist()
        declared = sum(member.file_size for member in members)
        if declared > limits.max_unpacked_bytes:
            raise PayloadTooLarge(
                f"The workbook unpacks to {declared:,} bytes, more than the "
                f"{limits.max_unpacked_bytes:,} accepted (INVENTORY_IMPORT_MAX_UNPACKED_BYTES)."
            )
        for member in members:
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > _RATIO_FLOOR and ratio > limits.max_compression_ratio:
                raise PayloadTooLarge(
                    f"The workbook part {member.filename!r} unpacks {ratio:,.0f} times larger "
                    f"than it is packed, above the {limits.max_compression_ratio} accepted: "
                    "it looks like a zip bomb (INVENTORY_IMPORT_MAX_COMPRESSION_RATIO)."
                )
        return frozenset(
            member.filename for member in members if _inflate_and_scan(package, member)
        )


def _inflate_and_scan(package: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Inflate one part, refusing a DTD; whether it holds a formula or an error value."""
    is_xml = member.filename.endswith((".xml", ".rels"))
    hinted = False
    tail = b""
    try:
        with package.open(member) as stream:
            # ZipExtFile stops at the declared size and checks the CRC at the end, so a part
            # that inflates beyond what the directory says fails here, not in the parser.
            while chunk := stream.read(_INFLATE_CHUNK):
                if is_xml and not tail and chunk.startswith(_UTF16_XML):
                    raise unreadable(
                        f"The workbook part {member.filename!r} is XML in UTF-16, which no "
                        "spreadsheet program writes; open the file in one and save it again.",
                        code="xml_not_utf8",
                    )
                window = tail + chunk if is_xml else b""
                if is_xml and _DTD.search(window):
                    raise unreadable(
                        f"The workbook part {member.filename!r} declares a DTD (<!DOCTYPE> or "
                        "<!ENTITY>). Spreadsheet XML never needs one, and entity expansion or "
                        "external entities are refused for safety.",
                        code="xml_dtd_refused",
                    )
                hinted = hinted or any(hint in window for hint in HINTS)
                tail = chunk[-32:]
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise unreadable(
            f"The workbook part {member.filename!r} cannot be unpacked: {exc}."
        ) from exc
    return hinted
