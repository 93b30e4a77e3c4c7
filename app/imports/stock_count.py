"""The stock count: set a point's quantities to match a sheet, all or nothing.

The sheet is read in chunks (by the reader process); each chunk is matched against the catalog
in one query that also fetches the point's current quantity of every item it finds, and, while
no row error has been seen, the chunk's changes are written in one upsert plus one ledger
insert. Everything happens in the caller's transaction, so a row error anywhere (found in the
last chunk, say), a stale preview token or a count that overflows rolls back what earlier
chunks wrote.

Modes: ``set`` (the source's semantics: the sheet's quantity), ``add`` (a delivery: added to
what is there), ``count`` (a complete count: items at the point that the sheet does not list
are set to 0). On PostgreSQL the point's row is locked first, so imports and edits of one point
are serialised; on SQLite the write transaction holds the database's write lock. A dry run
reads in a plain transaction and writes nothing.
"""

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, NotFound, PreconditionFailed
from app.core.fields import MAX_QUANTITY
from app.core.fingerprint import Fingerprint, matches
from app.imports.errors import RowError, unreadable
from app.imports.limits import ImportLimits
from app.imports.matching import Count, StockCountTally, add_duplicate_errors
from app.imports.repository import ImportRepository
from app.imports.rows import RowErrors, prefetched
from app.imports.schemas import (
    ImportChange,
    ImportResult,
    ImportSummary,
    NotMatchedRow,
    SkippedRow,
)
from app.imports.sheet import Sheet
from app.inventory.repository import PointRepository
from app.ledger.repository import Change, Context, LedgerRepository
from app.models import StockImport

Mode = Literal["set", "add", "count"]


@dataclass(frozen=True)
class ImportFile:
    """What the import record keeps of the upload."""

    name: str | None
    sha256: str
    size: int
    format: str


@dataclass(frozen=True)
class Request:
    point_id: int
    mode: Mode = "set"
    dry_run: bool = False
    details: bool = False
    if_match: str | None = None  # a preview token the point's state must still match
    idempotency_key: str | None = None
    actor: str | None = None


@dataclass
class Changes:
    """The counts of what the sheet does, and the changes to list when details are asked."""

    mode: Mode
    list_limit: int
    details: bool
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    zeroed: int = 0
    listed: list[ImportChange] = field(default_factory=list)

    def of(self, counted: list[Count], errors: RowErrors) -> list[Change]:
        """Count a chunk's outcomes; the changes to write."""
        changes: list[Change] = []
        for row, item_id, quantity, before in counted:
            after = quantity + (before or 0) if self.mode == "add" else quantity
            if after > MAX_QUANTITY:
                errors.add(_overflow(row, item_id, before, quantity))
                continue
            if before == after:
                self.unchanged += 1
                continue
            if before is None:
                self.added += 1
            else:
                self.updated += 1
            changes.append((item_id, before, after))
        self._list(changes)
        return changes

    def of_zeroed(self, changes: list[Change]) -> None:
        self.zeroed += len(changes)
        self._list(changes)

    def _list(self, changes: list[Change]) -> None:
        room = self.list_limit - len(self.listed) if self.details else 0
        self.listed += [ImportChange(item_id=i, before=b, after=a) for i, b, a in changes[:room]]


def _overflow(row: int, item_id: int, before: int | None, quantity: int) -> RowError:
    return RowError(
        row=row,
        column=None,
        value=str(quantity),
        code="quantity_too_large",
        message=f"Adding {quantity:,} to item {item_id}'s {before or 0:,} goes over the largest "
        f"quantity ({MAX_QUANTITY:,}).",
    )


class Importer:
    """One stock count against one point, in the caller's transaction."""

    def __init__(self, session: AsyncSession, request: Request, limits: ImportLimits) -> None:
        self.session = session
        self.request = request
        self.limits = limits
        self.points = PointRepository(session)
        self.imports = ImportRepository(session)
        self.ledger = LedgerRepository(session)
        self.errors = RowErrors(limits.max_listed_rows)
        self.tally = StockCountTally(limits.max_listed_rows)
        self.changes = Changes(request.mode, limits.max_listed_rows, request.details)
        # Computed only when it is asked for: a preview, or an import checked against one.
        wanted = request.dry_run or request.if_match is not None
        self.fingerprint = Fingerprint(scope=request.mode) if wanted else None
        self.record: StockImport | None = None
        self.context = Context(source="import", actor=request.actor, at=datetime.now(UTC))

    @property
    def writing(self) -> bool:
        return not self.request.dry_run and not self.errors

    async def _write(self, changes: list[Change]) -> None:
        if not changes or not self.writing:
            return
        point_id = self.request.point_id
        try:
            await self.points.set_quantities(
                point_id, {item_id: after for item_id, _, after in changes if after is not None}
            )
        except IntegrityError as exc:
            # PostgreSQL: an item matched a moment ago was deleted by another request.
            raise Conflict(
                "The catalog changed while the sheet was imported (an item it matched was "
                "deleted); nothing was changed. Upload the file again."
            ) from exc
        await self.ledger.record(point_id, changes, self.context)

    async def _read_sheet(self, sheet: Sheet) -> None:
        async for chunk in prefetched(sheet.values(self.errors)):
            self.tally.rows = chunk.rows_read
            found = await self.imports.match_stock_count(self.request.point_id, chunk.keys())
            counted = self.tally.add_chunk(chunk, found)
            if self.fingerprint is not None:
                self.fingerprint.add_all((item_id, before) for _, item_id, _, before in counted)
            await self._write(self.changes.of(counted, self.errors))
        await add_duplicate_errors(self.tally.matches, self.errors, sheet.columns, self.imports)
        self.errors.check_has_rows(self.tally.rows, sheet.header_row)

    async def _zero_the_rest(self) -> None:
        """Count mode: every item at the point that the sheet does not list goes to 0."""
        seen = self.tally.matches.seen
        async for stock in self.imports.stock_of_point(self.request.point_id):
            rest = [(item_id, quantity) for item_id, quantity in stock if not seen(item_id)]
            if self.fingerprint is not None:
                self.fingerprint.add_all(rest)
            zeroed: list[Change] = [
                (item_id, quantity, 0) for item_id, quantity in rest if quantity
            ]
            self.changes.of_zeroed(zeroed)
            await self._write(zeroed)

    def result(self) -> ImportResult:
        changes = self.changes
        return ImportResult(
            not_matched=[NotMatchedRow.model_validate(asdict(r)) for r in self.tally.not_matched],
            skipped=[SkippedRow.model_validate(asdict(r)) for r in self.tally.skipped],
            summary=ImportSummary(
                rows=self.tally.rows,
                matched=len(self.tally.matches),
                not_matched=self.tally.not_matched_count,
                skipped=self.tally.skipped_count,
                added=changes.added,
                updated=changes.updated,
                unchanged=changes.unchanged,
                zeroed=changes.zeroed,
            ),
            dry_run=self.request.dry_run,
            mode=self.request.mode,
            preview=self.fingerprint.hexdigest() if self.fingerprint is not None else None,
            import_id=self.record.id if self.record else None,
            changes=changes.listed if self.request.details else None,
        )

    async def _start_record(self, file: ImportFile) -> ImportResult | None:
        """The import's record (the ledger refers to it); or the first answer to a retry."""
        request = self.request
        if request.idempotency_key is not None:
            earlier = await self.imports.by_idempotency_key(
                request.point_id, request.idempotency_key
            )
            if earlier is not None:
                if earlier.sha256 != file.sha256 or earlier.response is None:
                    raise unreadable(
                        f"This Idempotency-Key was used for another file (import {earlier.id}); "
                        "use a new key for a new upload.",
                        code="idempotency_key_reused",
                    )
                return ImportResult.model_validate(earlier.response)
        self.record = await self.imports.start_record(
            point_id=request.point_id,
            file_name=file.name,
            sha256=file.sha256,
            format=file.format,
            size=file.size,
            mode=request.mode,
            actor=request.actor,
            created_at=self.context.moment(),
            idempotency_key=request.idempotency_key,
        )
        self.context = Context(
            source="import", actor=request.actor, import_id=self.record.id, at=self.context.at
        )
        return None

    async def run(self, sheet: Sheet, file: ImportFile) -> tuple[ImportResult, bool]:
        """The answer, and whether it is the replay of an earlier one (Idempotency-Key)."""
        request = self.request
        if await self.points.get(request.point_id, for_update=not request.dry_run) is None:
            raise NotFound(f"Inventory point {request.point_id} does not exist.")
        if not request.dry_run:
            replay = await self._start_record(file)
            if replay is not None:
                return replay, True
        await self._read_sheet(sheet)
        if request.mode == "count" and not self.errors:
            await self._zero_the_rest()
        if self.errors:
            raise self.errors.rejection()
        if self.fingerprint is not None and not matches(
            request.if_match, self.fingerprint.hexdigest()
        ):
            raise PreconditionFailed(
                "The point's quantities of the items this sheet touches changed since the "
                "preview (If-Match); nothing was changed. Preview the sheet again."
            )
        result = self.result()
        if self.record is not None:
            await self.imports.finish_record(self.record, result)
        return result, False
