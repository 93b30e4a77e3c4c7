"""Receiving an upload: the multipart body streamed to a temporary file, within a size limit.

The body is never held in memory whole: parts are written to disk as they arrive. A body
larger than the limit is refused with 413 as soon as that is known (from ``Content-Length``
before anything is read, otherwise at the byte that crosses it), so the rest is never read.
"""

import hashlib
import shutil
import tempfile
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import anyio
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from app.core.errors import PayloadTooLarge, UnsupportedMediaType
from app.imports.errors import unreadable
from app.models.stock_import import FILENAME_MAX_LENGTH

FIELD = "file"


@dataclass(frozen=True)
class Upload:
    """The uploaded file, on disk for as long as the ``received_upload`` block runs."""

    path: Path
    filename: str | None
    size: int
    sha256: str


def _shown_name(filename: str | None) -> str | None:
    """The client's file name as the import record keeps it: only a label, so cut to the
    column's length and cleared of what no database stores (control characters, a lone
    surrogate); the file's content is told by its bytes, never by this name."""
    if filename is None:
        return None
    # isprintable() is False for control characters, surrogates and unusual white space.
    text = "".join(ch for ch in filename if ch.isprintable()).strip()[:FILENAME_MAX_LENGTH]
    return text or None


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The upload is larger than {limit:,} bytes, the most an import accepts "
        "(INVENTORY_IMPORT_MAX_UPLOAD_BYTES)."
    )


async def _limited(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise _too_large(limit)
        yield chunk


def _declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


async def _parse_form(request: Request, limit: int) -> UploadFile:
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise UnsupportedMediaType(
            "Send the sheet as multipart/form-data with the file in the field "
            f"“{FIELD}” (curl -F {FIELD}=@count.xlsx ...)."
        )
    parser = MultiPartParser(request.headers, _limited(request, limit), max_files=1, max_fields=10)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise unreadable(
            f"The multipart body cannot be read: {exc.message}", code="malformed_upload"
        ) from exc
    upload = form.get(FIELD)
    if not isinstance(upload, UploadFile):
        for value in form.values():
            if isinstance(value, UploadFile):
                await value.close()
        raise unreadable(
            f"The multipart body has no file in the field “{FIELD}”; send the sheet as "
            f"{FIELD}=@count.xlsx.",
            code="missing_file",
        )
    return upload


def _copy_and_hash(source: IO[bytes], target: IO[bytes]) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    while chunk := source.read(1 << 20):
        digest.update(chunk)
        target.write(chunk)
        size += len(chunk)
    target.flush()
    return size, digest.hexdigest()


@asynccontextmanager
async def received_upload(request: Request, *, max_bytes: int) -> AsyncIterator[Upload]:
    """Receive the request's file into a named temporary file, removed afterwards."""
    declared = _declared_length(request)
    if declared is not None and declared > max_bytes:
        raise _too_large(max_bytes)
    form_file = await _parse_form(request, max_bytes)
    directory = Path(tempfile.mkdtemp(prefix="inventory-import-"))
    try:
        path = directory / "upload"
        with path.open("wb") as target:
            # The parser spooled the part (to disk when large); one sequential copy puts it
            # where a reader process can open it by name, hashing it on the way.
            size, sha256 = await anyio.to_thread.run_sync(_copy_and_hash, form_file.file, target)
        await form_file.close()
        yield Upload(path=path, filename=_shown_name(form_file.filename), size=size, sha256=sha256)
    finally:
        await form_file.close()
        shutil.rmtree(directory, ignore_errors=True)
