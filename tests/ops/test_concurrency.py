"""Many clients at once against a running server, on SQLite and on PostgreSQL: never a 500,
never a lost update, and what is left is what some serial order of the requests leaves."""

import asyncio
from collections.abc import Awaitable
from itertools import pairwise
from pathlib import Path

import httpx
import pytest

from tests.imports.sheets import csv_bytes
from tests.live_server import AUTH, service_on


def _no_server_errors(answers: list[httpx.Response]) -> None:
    assert all(answer.status_code < 500 for answer in answers), [a.text for a in answers]


async def _same_name_at_once(client: httpx.AsyncClient) -> None:
    names = ["Crib Z", "crib z", "CRIB Z", " Crib  Z", "crib Z", "Crib z"] * 3
    answers = await asyncio.gather(
        *(client.put("/api/inventory/", json={"name": n}) for n in names)
    )
    _no_server_errors(answers)
    assert sorted(a.status_code for a in answers) == [201] + [409] * (len(names) - 1)


async def _parallel_edits(client: httpx.AsyncClient) -> None:
    point = (await client.put("/api/inventory/", json={"name": "Busy"})).json()["id"]
    items = [
        (await client.put("/api/items/", json={"name": f"Part {n}"})).json()["id"]
        for n in range(20)
    ]
    edits = [
        client.patch(f"/api/inventory/{point}", json={"items": {str(item): n + 1}})
        for n, item in enumerate(items)
    ]
    reads = [client.get(f"/api/inventory/{point}") for _ in range(20)]
    answers = await asyncio.gather(*edits, *reads)
    _no_server_errors(answers)
    assert all(answer.status_code == 200 for answer in answers)
    final = (await client.get(f"/api/inventory/{point}")).json()["items"]
    assert final == {str(item): n + 1 for n, item in enumerate(items)}  # none lost


async def _imports_and_patches_of_one_item(client: httpx.AsyncClient) -> None:
    """Deliveries (each adds 1), counts (each sets 50) and PATCHes (each sets its own
    number) of one item at one point, all at once: every one applies, and the ledger is one
    serial history of them, each step starting where the one before ended."""
    point = (await client.put("/api/inventory/", json={"name": "Contended"})).json()["id"]
    bolt = (await client.put("/api/items/", json={"name": "Contended bolt"})).json()["id"]
    delivery = csv_bytes([["Name", "Qty"], ["Contended bolt", 1]])
    count = csv_bytes([["Name", "Qty"], ["Contended bolt", 50]])
    patches = [1000 * (n + 1) for n in range(8)]  # far apart: no delivery reaches the next

    def send(sheet: bytes, mode: str) -> Awaitable[httpx.Response]:
        return client.post(
            f"/api/inventory/{point}/import",
            params={"mode": mode},
            files={"file": ("s.csv", sheet)},
        )

    answers = await asyncio.gather(
        *(send(delivery, "add") for _ in range(12)),
        *(send(count, "set") for _ in range(4)),
        *(
            client.patch(f"/api/inventory/{point}", json={"items": {str(bolt): quantity}})
            for quantity in patches
        ),
    )
    _no_server_errors(answers)
    assert [answer.status_code for answer in answers] == [200] * len(answers)
    page = (
        await client.get(f"/api/inventory/{point}/history", params={"item_id": bolt, "limit": 1000})
    ).json()
    steps = [
        (m["source"], m["quantity_before"] or 0, m["quantity_after"])
        for m in reversed(page["movements"])
    ]
    for (_, _, after), (_, before, _) in pairwise(steps):
        assert before == after, steps  # each step starts where the one before ended
    deliveries = [step for step in steps if step[0] == "import" and step[2] == step[1] + 1]
    counts = [step for step in steps if step[0] == "import" and step[2] == 50]
    assert len(deliveries) == 12, steps  # none lost
    assert 1 <= len(counts) <= 4, steps  # a count right after a count changes nothing
    assert sorted(a for source, _, a in steps if source == "patch") == patches, steps
    assert len(steps) == len(deliveries) + len(counts) + len(patches), steps
    final = (await client.get(f"/api/inventory/{point}")).json()["items"][str(bolt)]
    assert final == steps[-1][2]


async def _delete_during_an_import(client: httpx.AsyncClient) -> None:
    rows = 20_000
    catalog = csv_bytes([["Name"]] + [[f"Nut {n:05d}"] for n in range(rows)])
    assert (
        await client.post("/api/items/import", files={"file": ("c.csv", catalog)})
    ).status_code == 200
    point = (await client.put("/api/inventory/", json={"name": "Doomed"})).json()["id"]
    sheet = csv_bytes([["Name", "Qty"]] + [[f"Nut {n:05d}", 2] for n in range(rows)])
    importing = asyncio.create_task(
        client.post(f"/api/inventory/{point}/import", files={"file": ("s.csv", sheet)})
    )
    await asyncio.sleep(0.2)
    assert not importing.done()  # the delete comes while the import runs
    deleted = await client.delete(f"/api/inventory/{point}")
    imported = await importing
    _no_server_errors([deleted, imported])
    assert deleted.status_code == 204
    # Either order is serial: the import then the delete, or the delete then a 404 import.
    assert imported.status_code in (200, 404), imported.text
    assert (await client.get(f"/api/inventory/{point}")).status_code == 404
    # Nothing of the point is left behind: its items are in no point any more.
    nut = (await client.get("/api/items/")).json()
    first = next(item for item in nut.values() if item["name"] == "Nut 00000")
    assert (await client.delete(f"/api/items/{first['id']}")).status_code == 204


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_running_server_under_many_clients_stays_consistent(tmp_path: Path, kind: str) -> None:
    async def drive(url: str) -> None:
        async with httpx.AsyncClient(base_url=url, headers=AUTH, timeout=120) as client:
            await _same_name_at_once(client)
            await _parallel_edits(client)
            await _imports_and_patches_of_one_item(client)
            await _delete_during_an_import(client)

    with service_on(kind, tmp_path) as service:
        asyncio.run(drive(service.url))
