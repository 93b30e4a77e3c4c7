"""The parent side of reading a workbook: start the capped child, receive its rows as a Sheet.

A child that runs out of memory (it aborts) or takes too long is reported as a clear 413 or
422; the server itself never feels it.
"""

import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from app.core.errors import PayloadTooLarge
from app.imports.columns import Layout, resolve
from app.imports.errors import ImportRejected, unreadable
from app.imports.sheet import Sheet, SheetRow
from app.imports.workbook_reader import read_workbook

# forkserver: children fork from a clean, single-threaded process that has already imported
# calamine and the reader, never from the threaded server. Preloading "__main__" there too
# spares every child from importing the main module (uvicorn, pytest) again on its own.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["__main__", "app.imports.workbook_process"])
_CHUNK_ROWS = 5_000


@dataclass(frozen=True)
class WorkbookLimits:
    memory_bytes: int
    timeout_seconds: float


class _Reader:
    def __init__(self, path: Path, format: str, layout: Layout, limits: WorkbookLimits) -> None:
        self.limits = limits
        self.receiver, sender = _CONTEXT.Pipe(duplex=False)
        self.process: BaseProcess = _CONTEXT.Process(
            target=read_workbook,
            args=(path, format, layout, sender),
            kwargs={"memory_limit": limits.memory_bytes, "chunk_rows": _CHUNK_ROWS},
            daemon=True,
            name="inventory-workbook-reader",
        )
        self.process.start()
        sender.close()

    def receive(self) -> tuple[Any, ...]:
        if not self.receiver.poll(self.limits.timeout_seconds):
            self.stop()
            raise unreadable(
                f"Reading the workbook took longer than {self.limits.timeout_seconds:g} s "
                "(INVENTORY_IMPORT_WORKBOOK_TIMEOUT_SECONDS).",
                code="workbook_timeout",
            )
        try:
            message: tuple[Any, ...] = self.receiver.recv()
        except EOFError:
            self.process.join()
            raise self._died() from None
        if message[0] == "error":
            self.stop()
            raise self._refusal(message[1], message[2])
        return message

    def _died(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"Reading the workbook needed more than {self.limits.memory_bytes:,} bytes of "
            "memory (INVENTORY_IMPORT_WORKBOOK_MEMORY_BYTES). Its used range is probably "
            "enormous, for instance a stray cell far below or right of the data; delete the "
            f"empty rows and columns and save it again (reader exit code {self.process.exitcode})."
        )

    def _refusal(self, kind: str, message: str) -> ImportRejected | PayloadTooLarge:
        if kind == "memory":
            return self._died()
        if kind == "no_sheet":
            return unreadable(message, code="no_usable_sheet")
        return unreadable(f"The workbook cannot be read: {message}.")

    def rows(self) -> Iterator[SheetRow]:
        try:
            while (message := self.receive())[0] == "rows":
                yield from message[1]
        finally:
            self.stop()

    def stop(self) -> None:
        self.receiver.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


def open_workbook(path: Path, format: str, layout: Layout, limits: WorkbookLimits) -> Sheet:
    reader = _Reader(path, format, layout, limits)
    try:
        _, sheet_name, header_row, header = reader.receive()
    except BaseException:
        reader.stop()
        raise
    return Sheet(
        format=format,
        sheet_name=sheet_name,
        header_row=header_row,
        columns=resolve(header, layout),
        rows=reader.rows(),
        from_csv=False,
    )
