"""The stock count: set a point's quantities to match a sheet, all or nothing.

The sheet is read in chunks in a worker thread; each chunk is matched against the catalog in
one query and, while no row error has been seen, its changed quantities are written in one
upsert. Everything happens in the caller's transaction, so a row error anywhere (found in the
last chunk, say) rolls back what earlier chunks wrote, and the answer is 422 with every error.

On PostgreSQL the point's row is locked first, so imports (and edits) of one point are
serialised; on SQLite the write transaction holds the database's write lock from its first
statement. A dry run reads in a plain transaction and writes nothing.
"""

from dataclasses import asdict, dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import Conflict, NotFound
from app.imports.limits import ImportLimits
from app.imports.matching import Count, StockCountTally, add_duplicate_errors
from app.imports.repository import ImportRepository
from app.imports.rows import RowErrors, prefetched
from app.imports.schemas import ImportResult, ImportSummary, NotMatchedRow, SkippedRow
from app.imports.sheet import Sheet
from app.inventory.repository import PointRepository


@dataclass
class Changes:
    added: int = 0
    updated: int = 0
    unchanged: int = 0

    def of(self, counted: list[Count]) -> dict[int, int]:
        """Count a chunk's outcomes; the quantities that change."""
        changed: dict[int, int] = {}
        for item_id, quantity, before in counted:
            if before == quantity:
                self.unchanged += 1
                continue
            if before is None:
                self.added += 1
            else:
                self.updated += 1
            changed[item_id] = quantity
        return changed


async def count_stock(
    session: AsyncSession,
    *,
    point_id: int,
    sheet: Sheet,
    limits: ImportLimits,
    dry_run: bool,
) -> ImportResult:
    points, imports = PointRepository(session), ImportRepository(session)
    if await points.get(point_id, for_update=not dry_run) is None:
        raise NotFound(f"Inventory point {point_id} does not exist.")
    errors = RowErrors(limits.max_listed_rows)
    tally = StockCountTally(limits.max_listed_rows)
    changes = Changes()
    chunks = sheet.values(errors)
    async for chunk in prefetched(chunks):
        tally.rows = chunk.rows_read
        found = await imports.match_stock_count(point_id, chunk.keys())
        counted = tally.add_chunk(chunk, found)
        changed = changes.of(counted)
        if changed and not errors and not dry_run:
            await _write(points, point_id, changed)
    await add_duplicate_errors(tally.matches, errors, sheet.columns, imports)
    errors.check_has_rows(tally.rows, sheet.header_row)
    if errors:
        raise errors.rejection()
    return ImportResult(
        not_matched=[NotMatchedRow.model_validate(asdict(row)) for row in tally.not_matched],
        skipped=[SkippedRow.model_validate(asdict(row)) for row in tally.skipped],
        summary=ImportSummary(
            rows=tally.rows,
            matched=len(tally.matches),
            not_matched=tally.not_matched_count,
            skipped=tally.skipped_count,
            added=changes.added,
            updated=changes.updated,
            unchanged=changes.unchanged,
        ),
        dry_run=dry_run,
    )


async def _write(points: PointRepository, point_id: int, changed: dict[int, int]) -> None:
    try:
        await points.set_quantities(point_id, changed)
    except IntegrityError as exc:
        # PostgreSQL: an item matched a moment ago was deleted by another request.
        raise Conflict(
            "The catalog changed while the sheet was imported (an item it matched was "
            "deleted); nothing was changed. Upload the file again."
        ) from exc
