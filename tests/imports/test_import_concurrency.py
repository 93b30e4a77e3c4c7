"""Imports to one point are serialised: run at once, they act as if one ran after the other."""

import asyncio

import httpx

from tests.imports.sheets import csv_bytes, point_with_catalog, quantities, upload


async def test_two_imports_to_one_point_at_once_apply_one_after_the_other(
    committing_client: httpx.AsyncClient,
) -> None:
    point_id, ids = await point_with_catalog(committing_client)
    first = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 1], ["Hammer 500 g", 1]])
    second = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 2], ["Saw, hand; 500 mm", 2]])
    answers = await asyncio.gather(
        upload(committing_client, point_id, first), upload(committing_client, point_id, second)
    )
    assert [answer.status_code for answer in answers] == [200, 200], [a.text for a in answers]
    summaries = [answer.json()["summary"] for answer in answers]
    # Serialised: whichever ran second found the drill the first had added.
    assert sorted((s["added"], s["updated"]) for s in summaries) == [(1, 1), (2, 0)]
    last = 0 if summaries[0]["updated"] == 1 else 1
    expected = {"hammer": 1, "saw": 2, "drill": 1 + last}
    assert await quantities(committing_client, point_id, ids) == expected


async def test_imports_to_different_points_at_once_both_apply(
    committing_client: httpx.AsyncClient,
) -> None:
    point_id, ids = await point_with_catalog(committing_client)
    other = (await committing_client.put("/api/inventory/", json={"name": "Van 2"})).json()["id"]
    sheet = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 3]])
    answers = await asyncio.gather(
        upload(committing_client, point_id, sheet), upload(committing_client, other, sheet)
    )
    assert [answer.status_code for answer in answers] == [200, 200]
    assert await quantities(committing_client, point_id, ids) == {"drill": 3}
    assert await quantities(committing_client, other, ids) == {"drill": 3}


async def test_two_retries_at_once_with_one_idempotency_key_apply_once(
    committing_client: httpx.AsyncClient,
) -> None:
    point_id, ids = await point_with_catalog(committing_client)
    await committing_client.patch(
        f"/api/inventory/{point_id}", json={"items": {str(ids["drill"]): 1}}
    )
    sheet = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 5]])

    async def send() -> httpx.Response:
        return await committing_client.post(
            f"/api/inventory/{point_id}/import",
            params={"mode": "add"},
            files={"file": ("delivery.csv", sheet)},
            headers={"Idempotency-Key": "delivery-4711"},
        )

    answers = await asyncio.gather(send(), send())
    assert [answer.status_code for answer in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert sorted(a.headers.get("idempotent-replayed", "") for a in answers) == ["", "true"]
    assert await quantities(committing_client, point_id, ids) == {"drill": 6}
    records = (await committing_client.get(f"/api/inventory/{point_id}/imports")).json()
    assert len(records["imports"]) == 1
