"""Several processes on one database act as one: concurrent imports and edits through two
service processes on PostgreSQL, and through two uvicorn workers on SQLite, end exactly as
some serial order of them would."""

import asyncio
import itertools
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.databases import fresh_postgres_database, migrate
from tests.imports.sheets import csv_bytes
from tests.live_server import AUTH, running_service

ROUNDS = 8


@contextmanager
def two_processes_on_postgresql() -> Iterator[list[str]]:
    with fresh_postgres_database() as url:
        migrate(url)
        with ExitStack() as stack:
            yield [
                stack.enter_context(running_service(url, INVENTORY_MIGRATE="false")).url
                for _ in range(2)
            ]


@contextmanager
def two_workers_on_sqlite(directory: Path) -> Iterator[list[str]]:
    with running_service(
        f"sqlite+aiosqlite:///{directory / 'inventory.db'}", INVENTORY_WORKERS="2"
    ) as service:
        yield [service.url, service.url]


async def _movements(client: httpx.AsyncClient, point: int) -> list[dict[str, Any]]:
    found, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 1000} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"/api/inventory/{point}/history", params=params)).json()
        found += page["movements"]
        if (cursor := page["next_cursor"]) is None:
            return found[::-1]  # oldest first


async def _drive(urls: list[str]) -> None:
    clients = [httpx.AsyncClient(base_url=url, timeout=60, headers=AUTH) for url in urls]
    try:
        first = clients[0]
        ids = {}
        for name in ("Drill", "Saw", "Tape"):
            ids[name] = (await first.put("/api/items/", json={"name": name})).json()["id"]
        point = (await first.put("/api/inventory/", json={"name": "Crib A"})).json()["id"]
        delivery = csv_bytes([["Name", "Qty"], ["Drill", 1], ["Saw", 1]])
        work = []
        for n in range(ROUNDS):
            client = clients[n % 2]
            work.append(
                client.post(
                    f"/api/inventory/{point}/import",
                    params={"mode": "add"},
                    files={"file": ("d.csv", delivery)},
                )
            )
            work.append(
                clients[(n + 1) % 2].patch(
                    f"/api/inventory/{point}", json={"items": {str(ids["Tape"]): n + 1}}
                )
            )
            count = csv_bytes([["Name", "Qty"], ["Tape", 100 + n]])
            work.append(
                client.post(f"/api/inventory/{point}/import", files={"file": ("c.csv", count)})
            )
        answers = await asyncio.gather(*work)
        assert [a.status_code for a in answers] == [200] * len(work), [
            a.text for a in answers if a.status_code != 200
        ]
        items = (await first.get(f"/api/inventory/{point}")).json()["items"]
        # No lost update: every delivery added its 1, whichever process served it.
        assert items[str(ids["Drill"])] == ROUNDS
        assert items[str(ids["Saw"])] == ROUNDS
        # The ledger is one serial history: each movement starts where the last one ended,
        # and the last one is what the point holds.
        chains: defaultdict[int, list[tuple[int | None, int | None]]] = defaultdict(list)
        for movement in await _movements(first, point):
            chains[movement["item_id"]].append(
                (movement["quantity_before"], movement["quantity_after"])
            )
        for item_id, chain in chains.items():
            assert chain[0][0] is None
            assert all(later[0] == earlier[1] for earlier, later in itertools.pairwise(chain)), (
                chain
            )
            assert chain[-1][1] == items[str(item_id)]
        assert len(chains[ids["Tape"]]) == 2 * ROUNDS  # every PATCH and every set changed it
    finally:
        for client in clients:
            await client.aclose()


def test_two_service_processes_on_one_postgresql_act_as_one() -> None:
    with two_processes_on_postgresql() as urls:
        asyncio.run(_drive(urls))


def test_two_uvicorn_workers_on_one_sqlite_file_act_as_one(tmp_path: Path) -> None:
    with two_workers_on_sqlite(tmp_path) as urls:
        asyncio.run(_drive(urls))
