"""Undo an import: put back every quantity it changed, if each still holds what it set.

Two passes over the import's movements, a page at a time: the first compares each with the
point's current quantity (nothing is written if any changed, unless the caller asked to skip
those); the second writes the old quantities back (items the import added are removed) and
appends a ``revert`` movement for each. The point's row is locked first, as for an import.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.access import check_point
from app.auth.tokens import Principal
from app.core.errors import Conflict, NotFound
from app.imports.repository import ImportRepository, RevertRow
from app.inventory.repository import PointRepository
from app.ledger.repository import Change, Context, LedgerRepository
from app.models import StockImport

PAGE = 10_000


@dataclass(frozen=True)
class Changed:
    """An item whose quantity changed after the import: reverting it would lose that."""

    item_id: int
    expected: int | None  # what the import set
    current: int | None


@dataclass
class Outcome:
    record: StockImport
    reverted: int = 0
    changed_count: int = 0
    changed: list[Changed] = field(default_factory=list)


async def _changed_since(
    imports: ImportRepository, record: StockImport, limit: int
) -> tuple[list[Changed], int]:
    changed: list[Changed] = []
    count = 0
    async for page in imports.movements_to_revert(record.id, PAGE):
        for _, item_id, _, after, current in page:
            if current != after:
                count += 1
                if len(changed) < limit:
                    changed.append(Changed(item_id, after, current))
    return changed, count


async def revert_import(
    session: AsyncSession,
    *,
    import_id: int,
    skip_changed: bool,
    list_limit: int,
    principal: Principal,
) -> Outcome:
    imports, points = ImportRepository(session), PointRepository(session)
    record = await imports.record(import_id, for_update=True)
    if record is None:
        raise NotFound(f"Import {import_id} does not exist.")
    check_point(principal, record.point_id)
    if record.status == "reverted":
        raise Conflict(f"Import {import_id} was already reverted; nothing was changed.")
    if await points.get(record.point_id, for_update=True) is None:
        raise Conflict(
            f"Import {import_id}'s inventory point {record.point_id} was deleted; there is "
            "nothing to revert."
        )
    changed, count = await _changed_since(imports, record, list_limit)
    if count and not skip_changed:
        raise Conflict(
            f"{count:,} item(s) changed after import {import_id}; nothing was changed. "
            "Revert with ?skip_changed=true to put back the others.",
            changed=[vars(item) for item in changed],
            changed_count=count,
        )
    outcome = Outcome(record, changed_count=count, changed=changed)
    context = Context(
        source="revert", actor=principal.name, import_id=import_id, at=datetime.now(UTC)
    )
    ledger = LedgerRepository(session)
    async for page in imports.movements_to_revert(record.id, PAGE):
        await _put_back(points, ledger, record.point_id, page, context)
        outcome.reverted += sum(1 for row in page if row[4] == row[3])
    record.status = "reverted"
    record.reverted_at = context.at
    await session.flush()
    return outcome


async def _put_back(
    points: PointRepository,
    ledger: LedgerRepository,
    point_id: int,
    page: list[RevertRow],
    context: Context,
) -> None:
    """One page of the second pass: the unchanged items get their old quantities back."""
    changes: list[Change] = [
        (item_id, current, before)
        for _, item_id, before, after, current in page
        if current == after and before != after
    ]
    await points.set_quantities(
        point_id, {item_id: before for item_id, _, before in changes if before is not None}
    )
    await points.remove_items(
        point_id, [item_id for item_id, _, before in changes if before is None]
    )
    await ledger.record(point_id, changes, context)
