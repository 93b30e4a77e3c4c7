"""Why an import was refused: one error per bad row, or one for a file that cannot be read."""

from dataclasses import asdict, dataclass

from starlette import status

from app.core.errors import ServiceError


@dataclass(frozen=True)
class RowError:
    row: int | None  # as the spreadsheet program numbers it (the header is row 1)
    column: str | None  # the column's header as the sheet spells it
    value: str | None  # the cell's text
    code: str  # machine-readable: invalid_quantity, duplicate_item, ...
    message: str


class ImportRejected(ServiceError):
    """422: nothing was changed; ``errors`` lists (up to a cap) what must be fixed."""

    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT

    def __init__(self, detail: str, *, errors: list[RowError], error_count: int) -> None:
        super().__init__(
            detail, errors=[asdict(error) for error in errors], error_count=error_count
        )


def unreadable(
    message: str, *, code: str = "unreadable_file", row: int | None = None
) -> ImportRejected:
    """A file (not a row) that cannot be used: one error, with the same words as the detail."""
    return ImportRejected(
        message,
        errors=[RowError(row=row, column=None, value=None, code=code, message=message)],
        error_count=1,
    )
