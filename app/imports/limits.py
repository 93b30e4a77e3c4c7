"""The bounds every import works within, read from the settings."""

from dataclasses import dataclass

from app.core.settings import Settings
from app.imports.formats import PackageLimits
from app.imports.reader_process import ReaderLimits


@dataclass(frozen=True)
class ImportLimits:
    max_upload_bytes: int
    max_listed_rows: int
    package: PackageLimits
    reader: ReaderLimits

    @classmethod
    def from_settings(cls, settings: Settings) -> "ImportLimits":
        return cls(
            max_upload_bytes=settings.import_max_upload_bytes,
            max_listed_rows=settings.import_max_listed_rows,
            package=PackageLimits(
                max_unpacked_bytes=settings.import_max_unpacked_bytes,
                max_compression_ratio=settings.import_max_compression_ratio,
            ),
            reader=ReaderLimits(
                memory_bytes=settings.import_reader_memory_bytes,
                timeout_seconds=settings.import_read_timeout_seconds,
                max_rows=settings.import_max_rows,
                chunk_rows=settings.import_chunk_rows,
                max_listed_rows=settings.import_max_listed_rows,
            ),
        )
