"""The bounds every import works within, read from the settings."""

from dataclasses import dataclass

from app.core.settings import Settings
from app.imports.formats import PackageLimits
from app.imports.workbook_process import WorkbookLimits


@dataclass(frozen=True)
class ImportLimits:
    max_upload_bytes: int
    max_rows: int
    max_listed_rows: int
    package: PackageLimits
    workbook: WorkbookLimits
    chunk_rows: int

    @classmethod
    def from_settings(cls, settings: Settings) -> "ImportLimits":
        return cls(
            max_upload_bytes=settings.import_max_upload_bytes,
            max_rows=settings.import_max_rows,
            max_listed_rows=settings.import_max_listed_rows,
            chunk_rows=settings.import_chunk_rows,
            package=PackageLimits(
                max_unpacked_bytes=settings.import_max_unpacked_bytes,
                max_compression_ratio=settings.import_max_compression_ratio,
            ),
            workbook=WorkbookLimits(
                memory_bytes=settings.import_workbook_memory_bytes,
                timeout_seconds=settings.import_workbook_timeout_seconds,
            ),
        )
