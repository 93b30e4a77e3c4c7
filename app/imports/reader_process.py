"""Every sheet is read in a child process with a memory cap, never in the server.

Parsing an untrusted file is where memory and CPU go: calamine builds a dense grid of a
workbook's used range (a stray cell at XFD1048576 asks for hundreds of gigabytes and aborts
whoever asked), and CSV parsing is pure Python that would hold the server's GIL. The child has
an address-space limit (RLIMIT_AS) and a time limit; it picks the sheet, turns cells into
values (text, keys, quantities) and sends them in chunks over a pipe, so it works on one core
while the server matches and writes the chunk before on the other, and neither side holds more
than one chunk (plus, for a workbook, calamine's grid in the child).

Messages: ``("header", sheet name, header row, Columns)``, then ``("values", ValuesChunk,
[new RowErrors], new error count)`` per chunk, then ``("end",)``; or
``("refused", status, detail, extra)`` for a refusal the child made (415, 413, 422).
"""

import multiprocessing
import os
import resource
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing import forkserver
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from app.core.errors import PayloadTooLarge, ServiceError
from app.imports.columns import Layout
from app.imports.csv_reader import open_csv
from app.imports.errors import unreadable
from app.imports.rows import RowErrors, ValuesChunk
from app.imports.sheet import Sheet
from app.imports.workbook_reader import open_workbook

# forkserver: children fork from a clean, single-threaded process that has already imported
# calamine and the readers, never from the threaded server. Preloading "__main__" there too
# spares every child from importing the main module (uvicorn, pytest) again on its own.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["__main__", "app.imports.reader_process"])


def warm_up() -> None:
    """Start the fork server now (it imports the readers, about a second) rather than in the
    first import's request."""
    forkserver.ensure_running()


@dataclass(frozen=True)
class ReaderLimits:
    memory_bytes: int
    timeout_seconds: float
    max_rows: int
    chunk_rows: int
    max_listed_rows: int


def _open(
    path: Path, format: str, layout: Layout, limits: ReaderLimits, hinted: frozenset[str] | None
) -> Sheet:
    if format == "csv":
        return open_csv(path, layout, max_rows=limits.max_rows, chunk_rows=limits.chunk_rows)
    return open_workbook(
        path,
        format,
        layout,
        max_rows=limits.max_rows,
        chunk_rows=limits.chunk_rows,
        hinted=hinted,
    )


def _read_sheet(
    path: Path,
    format: str,
    layout: Layout,
    connection: Connection,
    limits: ReaderLimits,
    hinted: frozenset[str] | None,
) -> None:
    """The child's whole job (see the module docstring for the messages)."""
    resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes, limits.memory_bytes))
    # What a crash prints (a Rust allocation failure and its backtrace) is not for the
    # server's log; the parent reports the failure itself.
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 2)
    try:
        sheet = _open(path, format, layout, limits, hinted)
        try:
            connection.send(("header", sheet.sheet_name, sheet.header_row, sheet.columns))
            errors = RowErrors(limits.max_listed_rows)
            listed = counted = 0
            for chunk in sheet.values(errors):
                new_errors = errors.listed[listed:]
                connection.send(("values", chunk, new_errors, errors.count - counted))
                listed, counted = len(errors.listed), errors.count
            connection.send(("end",))
        finally:
            sheet.close()
    except BrokenPipeError:
        pass  # the parent stopped listening (it found what it needed, or went away)
    except ServiceError as exc:
        connection.send(("refused", exc.status_code, exc.detail, exc.extra))
    except MemoryError:
        pass  # reported by the parent, from the closed pipe
    except BaseException as exc:  # a reader bug or panic on this file: say so, do not crash
        connection.send(("refused", 422, f"The file cannot be read ({type(exc).__name__}).", {}))
    finally:
        connection.close()


def _refused(status: int, detail: str, extra: dict[str, Any]) -> ServiceError:
    error = ServiceError(detail, **extra)
    error.status_code = status
    return error


class _Child:
    def __init__(
        self,
        path: Path,
        format: str,
        layout: Layout,
        limits: ReaderLimits,
        hinted: frozenset[str] | None,
    ) -> None:
        self.limits = limits
        self.receiver, sender = _CONTEXT.Pipe(duplex=False)
        self.process: BaseProcess = _CONTEXT.Process(
            target=_read_sheet,
            args=(path, format, layout, sender, limits, hinted),
            daemon=True,
            name="inventory-sheet-reader",
        )
        self.process.start()
        sender.close()

    def receive(self) -> tuple[Any, ...]:
        if not self.receiver.poll(self.limits.timeout_seconds):
            self.stop()
            raise unreadable(
                f"Reading the sheet took longer than {self.limits.timeout_seconds:g} s "
                "(INVENTORY_IMPORT_READ_TIMEOUT_SECONDS).",
                code="read_timeout",
            )
        try:
            message: tuple[Any, ...] = self.receiver.recv()
        except EOFError:
            self.stop()  # the child died: killed by its memory cap
            raise self._out_of_memory() from None
        if message[0] == "refused":
            self.stop()
            raise _refused(*message[1:])
        return message

    def _out_of_memory(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"Reading the sheet needed more than {self.limits.memory_bytes:,} bytes of memory "
            "(INVENTORY_IMPORT_READER_MEMORY_BYTES). A workbook's used range is probably "
            "enormous, for instance a stray cell far below or right of the data; delete the "
            f"empty rows and columns and save it again (reader exit code {self.process.exitcode})."
        )

    def stop(self) -> None:
        self.receiver.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


@dataclass
class ChildSheet(Sheet):
    """The server's view of a sheet being read in the child."""

    child: _Child

    def values(self, errors: RowErrors) -> Iterator[ValuesChunk]:
        while (message := self.child.receive())[0] == "values":
            _, chunk, listed, count = message
            errors.merge(listed, count)
            yield chunk

    def close(self) -> None:
        self.child.stop()


def open_in_child(
    path: Path,
    format: str,
    layout: Layout,
    limits: ReaderLimits,
    hinted: frozenset[str] | None = None,
) -> Sheet:
    """Start the reader for ``path``; the sheet it chose and its columns (blocking)."""
    child = _Child(path, format, layout, limits, hinted)
    try:
        _, sheet_name, header_row, columns = child.receive()
    except BaseException:
        child.stop()
        raise
    return ChildSheet(
        format=format,
        sheet_name=sheet_name,
        header_row=header_row,
        columns=columns,
        child=child,
    )
