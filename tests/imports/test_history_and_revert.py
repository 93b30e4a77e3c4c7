"""The ledger, import records and undo: what an upload changed, and putting it back."""

import hashlib
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.models import StockMovement
from tests.builders import assert_error, create_item, create_point, get_point, set_items
from tests.conftest import ClientFactory
from tests.imports.sheets import csv_bytes, point_with_catalog, quantities, upload


async def history(client: httpx.AsyncClient, point_id: int, **params: Any) -> dict[str, Any]:
    response = await client.get(f"/api/inventory/{point_id}/history", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def moves(page: dict[str, Any]) -> list[tuple[int, int | None, int | None, str]]:
    return [
        (m["item_id"], m["quantity_before"], m["quantity_after"], m["source"])
        for m in page["movements"]
    ]


async def test_every_patch_appends_a_movement_newest_first(client: httpx.AsyncClient) -> None:
    point = (await create_point(client))["id"]
    drill = (await create_item(client, "Drill"))["id"]
    await set_items(client, point, {drill: 40})
    await set_items(client, point, {drill: 35})
    await set_items(client, point, {drill: 35})  # no change, no movement
    await set_items(client, point, {drill: None})
    assert moves(await history(client, point)) == [
        (drill, 35, None, "patch"),
        (drill, 40, 35, "patch"),
        (drill, None, 40, "patch"),
    ]


async def test_history_pages_with_a_cursor_and_filters_by_item_and_time(
    client: httpx.AsyncClient,
) -> None:
    point = (await create_point(client))["id"]
    drill, saw = (
        (await create_item(client, "Drill"))["id"],
        (await create_item(client, "Saw"))["id"],
    )
    for quantity in range(1, 6):
        await set_items(client, point, {drill: quantity, saw: quantity})
    first = await history(client, point, limit=4)
    second = await history(client, point, limit=4, cursor=first["next_cursor"])
    third = await history(client, point, limit=4, cursor=second["next_cursor"])
    ids = [m["id"] for page in (first, second, third) for m in page["movements"]]
    assert len(ids) == 10
    assert ids == sorted(ids, reverse=True)
    assert third["next_cursor"] is None
    only_saw = await history(client, point, item_id=saw)
    assert {m["item_id"] for m in only_saw["movements"]} == {saw}
    moment = only_saw["movements"][0]["created_at"]
    assert (await history(client, point, until="2000-01-01T00:00:00Z"))["movements"] == []
    assert len((await history(client, point, since=moment))["movements"]) >= 1


async def test_since_and_until_compare_instants_whatever_their_zone(
    client: httpx.AsyncClient,
) -> None:
    point = (await create_point(client))["id"]
    drill = (await create_item(client, "Drill"))["id"]
    await set_items(client, point, {drill: 4})
    made = datetime.fromisoformat((await history(client, point))["movements"][0]["created_at"])
    # Half an hour after the movement, written in a zone an hour behind UTC: its wall clock
    # reads half an hour *before* the movement's UTC time.
    later = (made + timedelta(minutes=30)).astimezone(timezone(timedelta(hours=-1)))
    assert (await history(client, point, since=later.isoformat()))["movements"] == []
    assert len((await history(client, point, until=later.isoformat()))["movements"]) == 1
    naive_earlier = (made - timedelta(minutes=30)).replace(tzinfo=None)  # UTC is meant
    assert len((await history(client, point, since=naive_earlier.isoformat()))["movements"]) == 1


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
async def test_a_moment_past_the_calendar_in_utc_is_422(
    client: httpx.AsyncClient, moment: str
) -> None:
    point = (await create_point(client))["id"]
    response = await client.get(f"/api/inventory/{point}/history", params={"since": moment})
    assert_error(response, 422, "out of range")


@pytest.mark.parametrize("listing", ["history", "imports"])
@pytest.mark.parametrize("limit", ["0", "1001", "-1", "many"])
async def test_a_page_size_outside_1_to_1000_is_422(
    client: httpx.AsyncClient, listing: str, limit: str
) -> None:
    point = (await create_point(client))["id"]
    response = await client.get(f"/api/inventory/{point}/{listing}", params={"limit": limit})
    assert_error(response, 422, "limit")


@pytest.mark.parametrize(
    ("listing", "cursor"),
    [
        ("history", "x1"),
        ("history", "0"),
        ("history", "9223372036854775808"),  # past a 64-bit id
        ("imports", "2147483648"),  # past an import id, a 32-bit column in PostgreSQL
        ("imports", "-5"),
    ],
)
async def test_a_cursor_that_was_never_given_out_is_422(
    client: httpx.AsyncClient, listing: str, cursor: str
) -> None:
    point = (await create_point(client))["id"]
    response = await client.get(f"/api/inventory/{point}/{listing}", params={"cursor": cursor})
    assert_error(response, 422, "cursor")


async def test_deleting_a_point_appends_a_removal_for_each_item(
    client: httpx.AsyncClient, connection: AsyncConnection
) -> None:
    point = (await create_point(client))["id"]
    drill, saw = (
        (await create_item(client, "Drill"))["id"],
        (await create_item(client, "Saw"))["id"],
    )
    await set_items(client, point, {drill: 4, saw: 0})
    assert (await client.delete(f"/api/inventory/{point}")).status_code == 204
    kept = await connection.execute(
        select(StockMovement.item_id, StockMovement.quantity_before, StockMovement.quantity_after)
        .where(StockMovement.point_id == point, StockMovement.source == "delete")
        .order_by(StockMovement.item_id)
    )
    assert [tuple(row) for row in kept] == [(drill, 4, None), (saw, 0, None)]
    # The id is never given to another point, so no point inherits this ledger.
    replacement = (await create_point(client, "Crib B"))["id"]
    assert replacement != point
    assert moves(await history(client, replacement)) == []
    assert (await client.get(f"/api/inventory/{point}/history")).status_code == 404


async def test_an_import_is_recorded_with_its_file_and_its_changes(
    client: httpx.AsyncClient,
) -> None:
    point, ids = await point_with_catalog(client)
    sheet = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 4], ["Hammer 500 g", 2]])
    answer = (await upload(client, point, sheet, filename="crib-a.csv")).json()
    listed = (await client.get(f"/api/inventory/{point}/imports")).json()
    record = listed["imports"][0]
    assert record["id"] == answer["import_id"]
    assert {
        k: record[k] for k in ("point_id", "file_name", "format", "size", "mode", "status")
    } == {
        "point_id": point,
        "file_name": "crib-a.csv",
        "format": "csv",
        "size": len(sheet),
        "mode": "set",
        "status": "applied",
    }
    assert record["sha256"] == hashlib.sha256(sheet).hexdigest()
    assert record["summary"] == answer["summary"]
    detail = (await client.get(f"/api/imports/{answer['import_id']}")).json()
    assert sorted(
        (c["item_id"], c["quantity_before"], c["quantity_after"]) for c in detail["changes"]
    ) == sorted([(ids["drill"], None, 4), (ids["hammer"], None, 2)])
    assert {c["source"] for c in detail["changes"]} == {"import"}


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        (b"a" * 300 + b".csv", "a" * 255),
        (b"count\x00\x07 crib\x1b.csv", "count crib.csv"),
        (b"\x01\x02", None),
    ],
)
async def test_an_uploads_file_name_is_kept_as_a_plain_label(
    client: httpx.AsyncClient, sent: bytes, kept: str | None
) -> None:
    """The name is the client's to choose: longer than the record's column, or with bytes no
    database stores, it is cut and cleaned, never a reason to fail the import."""
    point, _ = await point_with_catalog(client)
    sheet = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 4]])
    body = (
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="' + sent + b'"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + sheet + b"\r\n--b--\r\n"
    )
    response = await client.post(
        f"/api/inventory/{point}/import",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 200, response.text
    record = (await client.get(f"/api/inventory/{point}/imports")).json()["imports"][0]
    assert record["file_name"] == kept


async def test_an_unknown_import_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/imports/424242"), 404, "import 424242")
    assert_error(await client.post("/api/imports/424242/revert"), 404, "import 424242")


async def test_a_revert_restores_the_quantities_from_before_and_is_recorded(
    client: httpx.AsyncClient,
) -> None:
    point, ids = await point_with_catalog(client)
    await set_items(client, point, {ids["drill"]: 40, ids["saw"]: 9})
    sheet = csv_bytes(
        [["Name", "Qty"], ["Drill 6 mm HSS", 4], ["Hammer 500 g", 2], ["Saw, hand; 500 mm", 9]]
    )
    import_id = (await upload(client, point, sheet)).json()["import_id"]
    reverted = await client.post(f"/api/imports/{import_id}/revert")
    assert reverted.status_code == 200, reverted.text
    body = reverted.json()
    assert body["reverted"] == 2
    assert body["skipped"] == []
    assert body["skipped_count"] == 0
    assert body["import"]["status"] == "reverted"
    assert body["import"]["reverted_at"]
    assert await quantities(client, point, ids) == {"drill": 40, "saw": 9}
    assert sorted(moves(await history(client, point))[:2]) == sorted(
        [(ids["drill"], 4, 40, "revert"), (ids["hammer"], 2, None, "revert")]
    )
    assert_error(await client.post(f"/api/imports/{import_id}/revert"), 409, "already reverted")


async def test_a_revert_refuses_when_an_item_changed_since_unless_told_to_skip(
    client: httpx.AsyncClient,
) -> None:
    point, ids = await point_with_catalog(client)
    sheet = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 4], ["Hammer 500 g", 2]])
    import_id = (await upload(client, point, sheet)).json()["import_id"]
    await set_items(client, point, {ids["drill"]: 5})
    body = assert_error(await client.post(f"/api/imports/{import_id}/revert"), 409, "changed after")
    assert body["changed"] == [{"item_id": ids["drill"], "expected": 4, "current": 5}]
    assert body["changed_count"] == 1
    assert await quantities(client, point, ids) == {"drill": 5, "hammer": 2}
    skipped = await client.post(f"/api/imports/{import_id}/revert", params={"skip_changed": "true"})
    assert skipped.status_code == 200, skipped.text
    assert skipped.json()["skipped"] == [{"item_id": ids["drill"], "expected": 4, "current": 5}]
    assert skipped.json()["reverted"] == 1
    assert await quantities(client, point, ids) == {"drill": 5}


@pytest.mark.parametrize(
    ("mode", "after"),
    [
        ("set", {"drill": 4, "hammer": 2, "saw": 9}),
        ("add", {"drill": 44, "hammer": 2, "saw": 9}),
        ("count", {"drill": 4, "hammer": 2, "saw": 0}),
    ],
)
async def test_each_mode_applies_as_documented_and_reverts(
    client: httpx.AsyncClient, mode: str, after: dict[str, int]
) -> None:
    point, ids = await point_with_catalog(client)
    await set_items(client, point, {ids["drill"]: 40, ids["saw"]: 9})
    sheet = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 4], ["Hammer 500 g", 2]])
    answer = (await upload(client, point, sheet, mode=mode)).json()
    assert answer["mode"] == mode
    assert answer["summary"]["zeroed"] == (1 if mode == "count" else 0)
    assert await quantities(client, point, ids) == after
    record = (await client.get(f"/api/imports/{answer['import_id']}")).json()
    assert record["mode"] == mode
    assert (await client.post(f"/api/imports/{answer['import_id']}/revert")).status_code == 200
    assert await quantities(client, point, ids) == {"drill": 40, "saw": 9}


async def test_adding_past_the_largest_quantity_is_a_row_error(client: httpx.AsyncClient) -> None:
    point, ids = await point_with_catalog(client)
    await set_items(client, point, {ids["drill"]: 2**53 - 2})
    sheet = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 5]])
    body = assert_error(await upload(client, point, sheet, mode="add"), 422, "largest quantity")
    assert body["errors"][0]["code"] == "quantity_too_large"
    assert await quantities(client, point, ids) == {"drill": 2**53 - 2}


async def test_an_unknown_mode_is_422(client: httpx.AsyncClient) -> None:
    point, _ = await point_with_catalog(client)
    response = await upload(
        client, point, csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 1]]), mode="replace"
    )
    assert_error(response, 422, "mode")


async def test_a_preview_applies_exactly_when_nothing_changed_since(
    client: httpx.AsyncClient,
) -> None:
    point, ids = await point_with_catalog(client)
    await set_items(client, point, {ids["drill"]: 40})
    sheet = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 4], ["Hammer 500 g", 2]])
    preview = (await upload(client, point, sheet, dry_run="true", details="true")).json()
    assert sorted((c["item_id"], c["before"], c["after"]) for c in preview["changes"]) == sorted(
        [(ids["drill"], 40, 4), (ids["hammer"], None, 2)]
    )
    applied = await client.post(
        f"/api/inventory/{point}/import",
        files={"file": ("count.csv", sheet)},
        headers={"If-Match": f'"{preview["preview"]}"'},
    )
    assert applied.status_code == 200, applied.text
    changes = (await client.get(f"/api/imports/{applied.json()['import_id']}")).json()["changes"]
    assert sorted(
        (c["item_id"], c["quantity_before"], c["quantity_after"]) for c in changes
    ) == sorted((c["item_id"], c["before"], c["after"]) for c in preview["changes"])


async def test_a_preview_is_refused_with_412_after_a_touched_item_changed(
    client: httpx.AsyncClient,
) -> None:
    point, ids = await point_with_catalog(client)
    sheet = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 4], ["Hammer 500 g", 2]])
    token = (await upload(client, point, sheet, dry_run="true")).json()["preview"]
    await set_items(client, point, {ids["hammer"]: 7})
    stale = await client.post(
        f"/api/inventory/{point}/import",
        files={"file": ("count.csv", sheet)},
        headers={"If-Match": token},
    )
    assert_error(stale, 412, "changed since the preview")
    assert await quantities(client, point, ids) == {"hammer": 7}
    assert (await client.get(f"/api/inventory/{point}/imports")).json()["imports"] == []


async def test_a_point_etag_guards_patch_and_delete(client: httpx.AsyncClient) -> None:
    point = (await create_point(client))["id"]
    drill = (await create_item(client, "Drill"))["id"]
    read = await client.get(f"/api/inventory/{point}")
    etag = read.headers["etag"]
    changed = await client.patch(
        f"/api/inventory/{point}", json={"items": {str(drill): 3}}, headers={"If-Match": etag}
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag
    stale = await client.patch(
        f"/api/inventory/{point}", json={"items": {str(drill): 9}}, headers={"If-Match": etag}
    )
    assert_error(stale, 412, "changed since its etag")
    assert_error(
        await client.delete(f"/api/inventory/{point}", headers={"If-Match": etag}), 412, "etag"
    )
    assert (await get_point(client, point))["items"] == {str(drill): 3}
    fresh = (await client.get(f"/api/inventory/{point}")).headers["etag"]
    deleted = await client.delete(f"/api/inventory/{point}", headers={"If-Match": fresh})
    assert deleted.status_code == 204


async def test_a_retry_with_the_same_idempotency_key_applies_once(
    client: httpx.AsyncClient,
) -> None:
    point, ids = await point_with_catalog(client)
    sheet = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 4]])
    headers = {"Idempotency-Key": "count-2026-12-03-crib-a"}
    files = {"file": ("count.csv", sheet)}
    first = await client.post(f"/api/inventory/{point}/import", files=files, headers=headers)
    await set_items(client, point, {ids["drill"]: 10})
    again = await client.post(f"/api/inventory/{point}/import", files=files, headers=headers)
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await quantities(client, point, ids) == {"drill": 10}
    assert len((await client.get(f"/api/inventory/{point}/imports")).json()["imports"]) == 1
    other = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 5]])
    reused = await client.post(
        f"/api/inventory/{point}/import", files={"file": ("b.csv", other)}, headers=headers
    )
    body = assert_error(reused, 422, "another file")
    assert body["errors"][0]["code"] == "idempotency_key_reused"


async def _ledger_totals(client: httpx.AsyncClient, point: int) -> dict[int, int]:
    """Each item's movements at the point added up, read page by page."""
    totals: defaultdict[int, int] = defaultdict(int)
    cursor: str | None = None
    while True:
        page = await history(client, point, limit=3, **({"cursor": cursor} if cursor else {}))
        for m in page["movements"]:
            totals[m["item_id"]] += (m["quantity_after"] or 0) - (m["quantity_before"] or 0)
        cursor = page["next_cursor"]
        if cursor is None:
            return {item: total for item, total in totals.items() if total}


async def test_the_ledger_adds_up_to_the_current_quantities_at_every_point(
    make_client: ClientFactory,
) -> None:
    async with make_client(import_chunk_rows=2) as client:
        point, ids = await point_with_catalog(client)
        other = (await create_point(client, "Van 2"))["id"]
        await set_items(client, point, {ids["drill"]: 40, ids["saw"]: 9, ids["tape"]: 1})
        await set_items(client, other, {ids["drill"]: 3})
        sheet = csv_bytes(
            [["Name", "Qty"], ["Drill 6 mm HSS", 4], ["Hammer 500 g", 2], ["Tape measure 5 m", 3]]
        )
        counted = (await upload(client, point, sheet, mode="count")).json()["import_id"]
        await upload(client, point, sheet, mode="add")
        await upload(client, other, sheet)
        await set_items(client, point, {ids["hammer"]: None, ids["screwdriver"]: 6})
        await set_items(client, other, {ids["tape"]: None})
        await client.post(f"/api/imports/{counted}/revert", params={"skip_changed": "true"})
        for each in (point, other):
            current = (await get_point(client, each))["items"]
            assert await _ledger_totals(client, each) == {
                int(item): quantity for item, quantity in current.items() if quantity
            }
