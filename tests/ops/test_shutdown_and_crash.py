"""SIGTERM during an import: it finishes (within the grace period) or rolls back, never half;
SIGKILL during one: after a restart the point holds its quantities from before, the database
is intact, and the next import works."""

import asyncio
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.databases import fresh_postgres_database
from tests.imports.sheets import csv_bytes
from tests.live_server import AUTH, Service, running_service

ROWS = 60_000


def _stock_a_catalog(service: Service) -> tuple[int, bytes]:
    catalog = csv_bytes([["Name"]] + [[f"Bolt {n:06d}"] for n in range(ROWS)])
    loaded = httpx.post(
        service.url + "/api/items/import",
        files={"file": ("c.csv", catalog)},
        headers=AUTH,
        timeout=120,
    )
    assert loaded.status_code == 200, loaded.text
    point = httpx.put(
        service.url + "/api/inventory/", json={"name": "Crib A"}, headers=AUTH
    ).json()["id"]
    return point, csv_bytes([["Name", "Qty"]] + [[f"Bolt {n:06d}", 5] for n in range(ROWS)])


def _import_in_background(
    service: Service, point: int, sheet: bytes, filename: str = "s.csv"
) -> tuple[threading.Thread, list[httpx.Response | Exception]]:
    """Send the import from a thread; the thread, and the list its answer (or error) goes in."""
    outcome: list[httpx.Response | Exception] = []

    def send() -> None:
        try:
            outcome.append(
                httpx.post(
                    f"{service.url}/api/inventory/{point}/import",
                    headers=AUTH,
                    files={"file": (filename, sheet)},
                    timeout=120,
                )
            )
        except httpx.HTTPError as exc:
            outcome.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    return sender, outcome


def _writing(kind: str, url: str, wal: Path) -> bool:
    """Whether the import's transaction has written rows it has not committed: SQLite's
    write-ahead log grew past the last checkpoint, or PostgreSQL holds a write lock on stock."""
    if kind == "sqlite":
        return wal.exists() and wal.stat().st_size > 256 << 10
    locks = asyncio.run(
        _postgres(
            url,
            "SELECT count(*) FROM pg_locks JOIN pg_class ON pg_class.oid = pg_locks.relation "
            "WHERE pg_class.relname = 'stock' AND pg_locks.mode = 'RowExclusiveLock'",
        )
    )
    return bool(locks[0][0])


def _import_until_it_writes(
    kind: str, url: str, database: Path, service: Service, point: int, sheet: bytes, name: str
) -> tuple[threading.Thread, list[httpx.Response | Exception]]:
    """Send the import in the background and return once its transaction has written rows
    it has not committed (a fast machine would finish a fixed sleep's import first)."""
    if kind == "sqlite":  # so the WAL holds only what this import writes
        with sqlite3.connect(database) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    sender, outcome = _import_in_background(service, point, sheet, name)
    deadline = time.monotonic() + 60
    while not _writing(kind, url, database.with_name(database.name + "-wal")):
        assert sender.is_alive(), outcome  # the import may not finish first
        assert time.monotonic() < deadline
        time.sleep(0.005)
    return sender, outcome


def _import_then_terminate(
    service: Service, database: Path, point: int, sheet: bytes
) -> httpx.Response | Exception:
    """Send the import, and SIGTERM the server while it writes; the import's answer."""
    url = f"sqlite+aiosqlite:///{database}"
    sender, outcome = _import_until_it_writes(
        "sqlite", url, database, service, point, sheet, "s.csv"
    )
    os.kill(service.pid, signal.SIGTERM)
    sender.join(timeout=120)
    # A clean exit: uvicorn shuts down, then re-raises the signal it caught.
    assert service.process.wait(timeout=120) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in service.log.read_text()
    return outcome[0]


def _stock_rows(database: Path, point: int) -> int:
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return int(
            connection.execute(
                "SELECT count(*) FROM stock WHERE point_id = ?", (point,)
            ).fetchone()[0]
        )


def test_an_import_in_flight_finishes_before_the_server_stops(tmp_path: Path) -> None:
    database = tmp_path / "inventory.db"
    with running_service(f"sqlite+aiosqlite:///{database}") as service:
        point, sheet = _stock_a_catalog(service)
        answer = _import_then_terminate(service, database, point, sheet)
        log = service.log.read_text()
    assert isinstance(answer, httpx.Response), answer
    assert answer.status_code == 200, answer.text
    assert answer.json()["summary"]["added"] == ROWS
    # The signal came while the import ran: the server said so before answering it.
    assert log.index("Shutting down") < log.index("POST /api/inventory/{ipt_id}/import 200")
    assert _stock_rows(database, point) == ROWS


@pytest.mark.parametrize("grace", ["0"])
def test_an_import_cut_off_by_the_grace_period_rolls_back_whole(tmp_path: Path, grace: str) -> None:
    database = tmp_path / "inventory.db"
    with running_service(
        f"sqlite+aiosqlite:///{database}", INVENTORY_SHUTDOWN_TIMEOUT=grace
    ) as service:
        point, sheet = _stock_a_catalog(service)
        answer = _import_then_terminate(service, database, point, sheet)
    assert isinstance(answer, Exception) or answer.status_code >= 500, answer
    assert _stock_rows(database, point) == 0


@contextmanager
def _database(kind: str, directory: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / 'inventory.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


def _quantities(service: Service, point: int) -> dict[str, int]:
    items = httpx.get(f"{service.url}/api/inventory/{point}", headers=AUTH, timeout=30).json()
    return dict(items["items"])


async def _postgres(url: str, query: str) -> list[tuple[object, ...]]:
    connection = await asyncpg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:
        return [tuple(row) for row in await connection.fetch(query)]
    finally:
        await connection.close()


def _assert_intact(kind: str, url: str, database: Path) -> None:
    """SQLite's integrity check; PostgreSQL's amcheck over every B-tree index (heap and
    index agree, the index is ordered)."""
    if kind == "sqlite":
        with sqlite3.connect(database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        return
    asyncio.run(_postgres(url, "CREATE EXTENSION IF NOT EXISTS amcheck"))
    checked = asyncio.run(
        _postgres(
            url,
            "SELECT bt_index_check(index => c.oid, heapallindexed => true), c.relname "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am am ON am.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE am.amname = 'btree' AND n.nspname = 'public'",
        )
    )
    assert len(checked) >= 5, checked  # every table's indexes, stock's and the ledger's too


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_server_killed_mid_import_restarts_with_the_quantities_from_before(
    tmp_path: Path, kind: str
) -> None:
    database = tmp_path / "inventory.db"
    with _database(kind, tmp_path) as url:
        with running_service(url) as service:
            point, _ = _stock_a_catalog(service)
            first = csv_bytes([["Name", "Qty"]] + [[f"Bolt {n:06d}", 5] for n in range(ROWS)])
            applied = httpx.post(
                f"{service.url}/api/inventory/{point}/import",
                files={"file": ("first.csv", first)},
                headers=AUTH,
                timeout=120,
            )
            assert applied.status_code == 200
            before = _quantities(service, point)
            assert len(before) == ROWS
            second = csv_bytes([["Name", "Qty"]] + [[f"Bolt {n:06d}", 7] for n in range(ROWS)])
            sender, outcome = _import_until_it_writes(
                kind, url, database, service, point, second, "second.csv"
            )
            os.kill(service.pid, signal.SIGKILL)  # rows written, none committed
            sender.join(timeout=60)
            assert service.process.wait(timeout=30) == -signal.SIGKILL
            assert isinstance(outcome[0], Exception), outcome[0]  # it never answered
        _assert_intact(kind, url, database)
        with running_service(url) as again:
            assert _quantities(again, point) == before  # every item, exactly
            imports = httpx.get(f"{again.url}/api/inventory/{point}/imports", headers=AUTH).json()
            assert [record["file_name"] for record in imports["imports"]] == ["first.csv"]
            third = csv_bytes([["Name", "Qty"]] + [[f"Bolt {n:06d}", 9] for n in range(ROWS)])
            redone = httpx.post(
                f"{again.url}/api/inventory/{point}/import",
                files={"file": ("third.csv", third)},
                headers=AUTH,
                timeout=120,
            )
            assert redone.status_code == 200, redone.text
            assert _quantities(again, point) == dict.fromkeys(before, 9)
        _assert_intact(kind, url, database)
